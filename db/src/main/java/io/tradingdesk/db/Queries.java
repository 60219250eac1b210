package io.tradingdesk.db;

import java.util.List;
import java.util.Optional;

/**
 * The query helpers of the reference report ({@code fetch_one}, {@code fetch_all}, {@code fetch_val},
 * {@code execute}, {@code execute_many}, {@code execute_with_returning}) in Java form.
 *
 * <p>SQL uses positional {@code ?} parameters; every value is bound, never concatenated. Supported argument types:
 * the JDBC basics ({@code String}, numbers, {@code BigDecimal}, {@code Boolean}, {@code UUID}, {@code byte[]}),
 * {@code java.time} values ({@code Instant} binds as {@code timestamptz}), {@code String[]} and other arrays
 * (PostgreSQL arrays), enums (by name), and Jackson {@code JsonNode} or {@code Map} (bound as {@code jsonb}).
 * {@code null} binds SQL NULL.
 *
 * <p>Row types: a {@code record} is filled through its canonical constructor by column name ({@code snake_case}
 * columns match {@code camelCase} components); {@code Map.class} gives column name to value; any other class is
 * read from the first column ({@code String}, {@code Long}, {@code Instant}, {@code JsonNode}, ...).
 *
 * <p>On a {@link Database} each call borrows a connection and returns it before the call returns; inside a
 * {@link Transaction} all calls share the transaction's connection. The read helpers are declared by {@link Reads}.
 * Implementations are thread-safe on a Database, confined to one thread inside a Transaction.
 */
public interface Queries extends Reads {

    /** Runs one statement; returns the number of rows it changed. Never retried. */
    int execute(String sql, Object... args);

    /** Runs one statement once per argument row as a single JDBC batch; returns the rows changed per entry. */
    int[] executeMany(String sql, List<Object[]> rows);

    /** Runs an {@code INSERT/UPDATE/DELETE ... RETURNING}; returns the first returned row, empty when none matched. */
    <T> Optional<T> executeReturning(String sql, Class<T> type, Object... args);

    <T> Optional<T> executeReturning(String sql, RowReader<T> reader, Object... args);
}
