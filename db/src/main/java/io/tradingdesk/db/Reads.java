package io.tradingdesk.db;

import java.util.List;
import java.util.Optional;

/**
 * The read half of {@link Queries}: the helpers a plain read needs, and nothing that could change data. What
 * {@link Database#reads(WalPosition)} hands out, so that a read routed to a replica cannot write by construction.
 *
 * <p>SQL, arguments and row types as in {@link Queries}. Implementations on a {@link Database} are thread-safe.
 */
public interface Reads {

    /** The first row, or empty when there is none. Reads are retried once on a fresh connection if theirs broke. */
    <T> Optional<T> fetchOne(String sql, Class<T> type, Object... args);

    <T> Optional<T> fetchOne(String sql, RowReader<T> reader, Object... args);

    /** Every row, in the order the statement returns them. */
    <T> List<T> fetchAll(String sql, Class<T> type, Object... args);

    <T> List<T> fetchAll(String sql, RowReader<T> reader, Object... args);

    /** The first column of the first row; empty when there is no row or the value is NULL. */
    <T> Optional<T> fetchVal(String sql, Class<T> type, Object... args);
}
