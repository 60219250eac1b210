package io.tradingdesk.api.store;

import io.tradingdesk.db.ConstraintViolationException;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Column readers shared by the stores' RowReaders, and the one translation of "unknown symbol" foreign keys. */
final class Rows {
    /** Every table that names an instrument does it through a foreign key called {@code <table>_symbol_fkey}. */
    private static final String SYMBOL_FOREIGN_KEY_SUFFIX = "symbol_fkey";

    private Rows() {
    }

    /** A numeric column without the trailing zeros of its declared scale (150.25000000 is sent as 150.25). */
    static BigDecimal decimal(ResultSet rs, String column) throws SQLException {
        return strip(rs.getBigDecimal(column));
    }

    /** {@code value} without trailing zeros; zero as plain 0 (not 0E-8). */
    static BigDecimal strip(BigDecimal value) {
        return value == null ? null : value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    static List<String> strings(ResultSet rs, String column) throws SQLException {
        Array array = rs.getArray(column);
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
    }

    static List<Long> longs(ResultSet rs, String column) throws SQLException {
        Array array = rs.getArray(column);
        return array == null ? List.of() : Arrays.asList((Long[]) array.getArray());
    }

    /** A foreign key on a {@code symbol} column failed: the instrument does not exist (a 422 naming it). */
    static RuntimeException unknownSymbol(ConstraintViolationException e, String symbol) {
        if (e.kind() == ConstraintViolationException.Kind.FOREIGN_KEY && e.constraint() != null
                && e.constraint().endsWith(SYMBOL_FOREIGN_KEY_SUFFIX)) {
            return DomainException.ruleBroken("unknown symbol " + symbol + "; create it with PUT /api/instruments/"
                    + symbol + " first", Map.of("symbol", symbol));
        }
        return e;
    }
}
