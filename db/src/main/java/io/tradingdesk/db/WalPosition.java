package io.tradingdesk.db;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A position in PostgreSQL's write-ahead log (an LSN, an unsigned 64-bit byte offset), in PostgreSQL's text form:
 * two hexadecimal halves, {@code 16/B374D848}. The service hands one out as the {@code Consistency-Token} of a write
 * (the primary's insert position after the commit) and routes a read that sends it back to a replica only once that
 * replica has replayed at least this far. Ordered by position. Immutable and thread-safe.
 *
 * @param value the LSN, compared unsigned
 */
public record WalPosition(long value) implements Comparable<WalPosition> {
    /** Beyond every real position: no replica ever reaches it, so a read that carries it goes to the primary. */
    public static final WalPosition UNKNOWN = new WalPosition(-1L);

    private static final Pattern TEXT = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

    /** Whether {@code text} is an LSN as PostgreSQL writes it (1..8 hex digits, a slash, 1..8 hex digits). */
    public static boolean isValid(String text) {
        return text != null && text.length() <= 17 && TEXT.matcher(text).matches();
    }

    /** @throws IllegalArgumentException when {@code text} is not {@link #isValid valid} */
    public static WalPosition parse(String text) {
        if (!isValid(text)) {
            throw new IllegalArgumentException("not a WAL position (expected hex/hex, e.g. 16/B374D848)");
        }
        int slash = text.indexOf('/');
        long high = Long.parseLong(text, 0, slash, 16);
        long low = Long.parseLong(text, slash + 1, text.length(), 16);
        return new WalPosition(high << 32 | low);
    }

    /** Whether this position is at or past {@code other}. */
    public boolean reached(WalPosition other) {
        return Long.compareUnsigned(value, other.value) >= 0;
    }

    @Override
    public int compareTo(WalPosition other) {
        return Long.compareUnsigned(value, other.value);
    }

    /** PostgreSQL's text form, which {@link #parse} reads back. */
    @Override
    public String toString() {
        return Long.toHexString(value >>> 32).toUpperCase(Locale.ROOT) + "/"
                + Long.toHexString(value & 0xFFFF_FFFFL).toUpperCase(Locale.ROOT);
    }
}
