package io.tradingdesk.db;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Readers of the first column for the scalar types the helpers are asked for most ({@code Long.class},
 * {@code String.class}, ...), so that {@code fetchVal(sql, Long.class)} takes the plain-JDBC path instead of a Jdbi
 * statement. They read the way Jdbi's own mappers for these types do ({@code getLong} then {@code wasNull}, and so
 * on), so a query returns the same value either way. Any other type goes to Jdbi.
 */
final class Scalars {
    private static final Map<Class<?>, RowReader<?>> READERS = Map.of(
            Long.class, rs -> {
                long v = rs.getLong(1);
                return rs.wasNull() ? null : v;
            },
            Integer.class, rs -> {
                int v = rs.getInt(1);
                return rs.wasNull() ? null : v;
            },
            Boolean.class, rs -> {
                boolean v = rs.getBoolean(1);
                return rs.wasNull() ? null : v;
            },
            String.class, rs -> rs.getString(1),
            BigDecimal.class, rs -> rs.getBigDecimal(1));

    private Scalars() {
    }

    /** The reader of {@code type} from column 1, or null when Jdbi maps it (records, maps, everything else). */
    @SuppressWarnings("unchecked")
    static <T> RowReader<T> reader(Class<T> type) {
        return (RowReader<T>) READERS.get(type);
    }
}
