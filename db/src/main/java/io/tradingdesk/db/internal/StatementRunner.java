package io.tradingdesk.db.internal;

import io.tradingdesk.db.DatabaseUnavailableException;
import io.tradingdesk.db.DbException;
import io.tradingdesk.db.RowReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lean path: one statement on one borrowed connection, with plain JDBC. Borrows, prepares, binds, puts the
 * statement under the watchdog's deadline, runs {@code work}, and gives the connection back, whatever happens. A
 * read that meets a dead connection is retried once on a fresh one; a write never is. Counts the statement and logs
 * it when slow (SQL text only: values are bound, so no data or secret reaches the log). The single-statement
 * helpers take this path: it skips the per-call Jdbi handle, statement context and mapper lookups, which profiling
 * showed to cost more than the query's own round trip. Thread-safe.
 */
public final class StatementRunner {
    private static final Logger SLOW = LoggerFactory.getLogger("io.tradingdesk.db.slow");
    private static final Logger LOG = LoggerFactory.getLogger(StatementRunner.class);

    /** What to do with the prepared, bound and watched statement. */
    @FunctionalInterface
    public interface Work<R> {
        R run(PreparedStatement statement) throws SQLException;
    }

    private final ConnectionSource source;
    private final Parameters parameters;
    private final PoolMetrics metrics;
    private final long slowNanos;
    private final boolean pgbouncer;
    // When a statement last succeeded and when one last met a dead database (System.nanoTime), for readiness
    // without a probe under load. Written with release stores: no fence on the hot path.
    private final AtomicLong lastSuccess = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong lastOutage = new AtomicLong(Long.MIN_VALUE);
    private volatile boolean closed;

    /** @param pgbouncer every connection goes through one PgBouncer (DB_PGBOUNCER): see {@link #markBroken} */
    public StatementRunner(ConnectionSource source, Parameters parameters, PoolMetrics metrics,
                           Duration slowQueryThreshold, boolean pgbouncer) {
        this.source = source;
        this.parameters = parameters;
        this.metrics = metrics;
        this.slowNanos = slowQueryThreshold.isZero() ? Long.MAX_VALUE : slowQueryThreshold.toNanos();
        this.pgbouncer = pgbouncer;
    }

    /**
     * Runs {@code sql} with {@code args}.
     *
     * @param read         idempotent: retried once on a fresh connection when the first one was dead
     * @param timeoutNanos the statement's deadline, enforced by the watchdog
     * @throws DbException translated from the driver's failure
     */
    public <R> R run(String sql, Object[] args, boolean read, long timeoutNanos, Work<R> work) {
        for (int attempt = 1; ; attempt++) {
            Connection connection = borrow();
            try {
                return runOn(connection, sql, args, timeoutNanos, work);
            } catch (DbException failure) {
                if (read && attempt == 1 && failure instanceof DatabaseUnavailableException) {
                    LOG.debug("retrying a read on a fresh connection after {}", failure.getMessage());
                    continue;
                }
                throw failure;
            } finally {
                source.release(connection);
            }
        }
    }

    /**
     * Runs {@code sql} with {@code args} on {@code connection}, which the caller holds (a transaction's), under the
     * watchdog's deadline; counts it and translates a failure. Plain JDBC: no Jdbi statement to set up.
     */
    public <R> R runOn(Connection connection, String sql, Object[] args, long timeoutNanos, Work<R> work) {
        TrackedConnection tracked = TrackedConnection.of(connection);
        long start = System.nanoTime();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            parameters.bind(statement, args);
            if (tracked != null) {
                tracked.statementStarted(statement, timeoutNanos);
            }
            R result = work.run(statement);
            lastSuccess.lazySet(System.nanoTime());
            return result;
        } catch (SQLException | RuntimeException e) {
            throw failed(connection, e);
        } finally {
            if (tracked != null) {
                tracked.statementFinished();
            }
            served(sql, start);
        }
    }

    /** The work of a query whose first row, read by {@code reader}, is the answer (empty when there is none). */
    public static <T> Work<Optional<T>> one(RowReader<T> reader) {
        return statement -> {
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.ofNullable(reader.read(rows)) : Optional.empty();
            }
        };
    }

    /** The work of a query whose rows, each read by {@code reader}, are the answer. */
    public static <T> Work<List<T>> all(RowReader<T> reader) {
        return statement -> {
            try (ResultSet rows = statement.executeQuery()) {
                var out = new ArrayList<T>();
                while (rows.next()) {
                    out.add(reader.read(rows));
                }
                return out;
            }
        };
    }

    /**
     * The work of a JDBC batch of {@code rows}, for {@link #run} or {@link #runOn} called with the first row: queues
     * it, binds and queues the rest, and executes them all in one round trip.
     */
    public Work<int[]> batch(List<Object[]> rows) {
        return statement -> {
            statement.addBatch();
            for (Object[] row : rows.subList(1, rows.size())) {
                parameters.bind(statement, row);
                statement.addBatch();
            }
            return statement.executeBatch();
        };
    }

    private Connection borrow() {
        if (closed) {
            throw new DatabaseUnavailableException("the database pool is closed", null, null);
        }
        try {
            return source.acquire();
        } catch (DatabaseUnavailableException e) {
            outage();
            throw e;
        }
    }

    /** Counts a statement and logs it when it took longer than DB_SLOW_QUERY_THRESHOLD. */
    public void served(String sql, long startNanos) {
        metrics.queryServed();
        long elapsed = System.nanoTime() - startNanos;
        if (elapsed >= slowNanos) {
            SLOW.warn("slow query: {} ms: {}", elapsed / 1_000_000, oneLine(sql));
        }
    }

    /**
     * Translates a failure; when it says the connection is dead, marks it broken (evicted when it comes back) and,
     * when the server ended the session on purpose, has the pool replace the others too.
     */
    public DbException failed(Connection connection, Throwable e) {
        DbException failure = SqlErrors.translate(e);
        if (failure instanceof DatabaseUnavailableException) {
            outage();
            markBroken(connection, SqlErrors.sqlCause(e));
        }
        return failure;
    }

    public void markBroken(Connection connection, SQLException cause) {
        TrackedConnection tracked = TrackedConnection.of(connection);
        if (tracked != null) {
            tracked.markBroken();
        }
        if (cause != null && (SqlErrors.isServerShutdown(cause.getSQLState())
                || pgbouncer && SqlErrors.isBrokenSocket(cause.getSQLState()))) {
            // The server ended our session on purpose (restart, pg_terminate_backend), or, behind PgBouncer, the
            // socket to the one process every connection of this pool goes to broke (PgBouncer restarted or died):
            // its siblings are most likely gone as well, so replace them all rather than let each caller discover
            // one. (An error PgBouncer sends to one client, 08P01 such as query_wait_timeout, evicts that one only.)
            source.evictAll();
        } else if (cause != null && SqlErrors.isReadOnlyServer(cause.getSQLState())) {
            // A write met a read-only server (an old primary after a failover, demoted or left read-only): its
            // siblings reach the same server and HikariCP keeps them, as 25006 is no connection error. Replace
            // them all: new connections ask pgjdbc for the primary again (targetServerType=primary).
            source.evictAll();
        }
    }

    /** A statement succeeded within {@code freshNanos} and none met a dead database since. */
    public boolean answeredRecently(long freshNanos) {
        return lastWordWasSuccess() && System.nanoTime() - lastSuccess.get() < freshNanos;
    }

    /** A statement has succeeded, and none met a dead database after it. */
    public boolean lastWordWasSuccess() {
        long success = lastSuccess.get();
        long outage = lastOutage.get();
        return success != Long.MIN_VALUE && (outage == Long.MIN_VALUE || success - outage > 0);
    }

    /** Records that the database was found unreachable (a dead connection, a refused connect). */
    public void outage() {
        lastOutage.set(System.nanoTime());
    }

    /** Records a success seen elsewhere (a transaction, a probe). */
    public void answered() {
        lastSuccess.lazySet(System.nanoTime());
    }

    /** After this, borrowing fails at once with "the pool is closed". */
    public void close() {
        closed = true;
    }

    static String oneLine(String sql) {
        String flat = sql.strip().replaceAll("\\s+", " ");
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }
}
