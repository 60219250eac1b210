package io.tradingdesk.api.routes;

import io.tradingdesk.api.http.ApiError;
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

/** Column readers shared by the resources' RowReaders, and the translation of "unknown symbol" foreign keys. */
final class Rows {
    private Rows() {
    }

    /** A numeric column without the trailing zeros of its declared scale (150.25000000 is sent as 150.25). */
    static BigDecimal decimal(ResultSet rs, String column) throws SQLException {
        BigDecimal value = rs.getBigDecimal(column);
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

    /** A foreign key on a {@code symbol} column failed: the instrument does not exist (422 naming it). */
    static RuntimeException unknownSymbol(ConstraintViolationException e, String symbol) {
        if (e.kind() == ConstraintViolationException.Kind.FOREIGN_KEY && e.constraint() != null
                && e.constraint().endsWith("symbol_fkey")) {
            return ApiError.unprocessable("unknown symbol " + symbol + "; create it with PUT /api/instruments/"
                    + symbol + " first", Map.of("symbol", symbol));
        }
        return e;
    }
}
