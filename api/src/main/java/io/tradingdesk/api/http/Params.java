package io.tradingdesk.api.http;

import io.javalin.http.Context;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/** Path and query parameters, validated; a bad value is a 400 naming the parameter. Stateless. */
public final class Params {
    /** Instrument symbols, as the schema's CHECK constraint has them. */
    public static final Pattern SYMBOL = Pattern.compile("^[A-Z0-9][A-Z0-9._-]{0,31}$");
    /** Positive ids as PostgreSQL bigint identity columns hand them out (at most 18 digits, so no overflow). */
    public static final Pattern ID = Pattern.compile("[1-9][0-9]{0,17}");
    public static final String SYMBOL_RULE = "must match ^[A-Z0-9][A-Z0-9._-]{0,31}$ (upper-case letters, digits, . _ -)";
    static final String INSTANT_RULE =
            "must be an ISO-8601 instant in years 0001..9999, such as 2024-01-31T00:00:00Z";
    private static final Instant MIN_INSTANT = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant MAX_INSTANT = Instant.parse("9999-12-31T23:59:59.999999Z");

    private Params() {
    }

    public static long id(Context ctx, String name) {
        String raw = ctx.pathParam(name);
        if (!ID.matcher(raw).matches()) {
            throw ApiError.invalidField(name, "must be a positive integer id");
        }
        return Long.parseLong(raw);
    }

    public static String symbolPath(Context ctx, String name) {
        String raw = ctx.pathParam(name);
        if (!SYMBOL.matcher(raw).matches()) {
            throw ApiError.invalidField(name, SYMBOL_RULE);
        }
        return raw;
    }

    public static int limit(Context ctx, int fallback, int max) {
        String raw = ctx.queryParam("limit");
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        try {
            int limit = Integer.parseInt(raw);
            if (limit >= 1 && limit <= max) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiError.invalidField("limit", "must be an integer in 1.." + max);
    }

    public static Instant instant(Context ctx, String name) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        Instant instant = storableInstant(raw);
        if (instant == null) {
            throw ApiError.invalidField(name, INSTANT_RULE);
        }
        return instant;
    }

    /**
     * {@code raw} as an instant in years 1..9999, or {@code null}. Instant.parse accepts years up to +1000000000,
     * which PostgreSQL's timestamptz cannot hold (SQLSTATE 22008, a 500 instead of a 400).
     */
    static Instant storableInstant(String raw) {
        try {
            Instant instant = Instant.parse(raw);
            return instant.isBefore(MIN_INSTANT) || instant.isAfter(MAX_INSTANT) ? null : instant;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    public static String text(Context ctx, String name, int maxLength) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        if (raw.length() > maxLength) {
            throw ApiError.invalidField(name, "must be at most " + maxLength + " characters");
        }
        String unstorable = Fields.unstorable(raw);
        if (unstorable != null) {
            throw ApiError.invalidField(name, unstorable);
        }
        return raw;
    }

    public static String symbolQuery(Context ctx) {
        String raw = text(ctx, "symbol", 32);
        if (raw != null && !SYMBOL.matcher(raw).matches()) {
            throw ApiError.invalidField("symbol", SYMBOL_RULE);
        }
        return raw;
    }
}
