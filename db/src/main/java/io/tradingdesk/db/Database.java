package io.tradingdesk.db;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.tradingdesk.db.internal.ConnectionSource;
import io.tradingdesk.db.internal.DirectSource;
import io.tradingdesk.db.internal.JdbiSetup;
import io.tradingdesk.db.internal.PhysicalConnections;
import io.tradingdesk.db.internal.PoolMetrics;
import io.tradingdesk.db.internal.PooledSource;
import io.tradingdesk.db.internal.Parameters;
import io.tradingdesk.db.internal.SqlErrors;
import io.tradingdesk.db.internal.StatementRunner;
import io.tradingdesk.db.internal.TrackedConnection;
import io.tradingdesk.db.internal.Watchdog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's one door to PostgreSQL: a connection pool (or, in direct mode, a connection per query), the query
 * helpers of {@link Queries}, transactions with bounded retry, a health probe and pool statistics.
 *
 * <p>Its helpers and transactions run on the primary ({@code DATABASE_URL}). With {@code DATABASE_READ_URL}, plain
 * reads that may be served by a streaming replica go through {@link #reads(WalPosition)} instead, and every write
 * that a client may want to read back hands out {@link #commitPosition()}.
 *
 * <p>Create one per process with {@link #start}, share it between all threads, {@link #close} it on shutdown.
 * Thread-safe. Every helper call borrows a connection for that call only, so no caller can leak one.
 */
public final class Database implements Queries, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private final DbConfig config;
    private final PoolMetrics metrics;
    private final ConnectionSource source;
    private final Jdbi jdbi;
    private final StatementRunner runner;
    private final Watchdog watchdog;
    private final long commandTimeoutNanos;
    /** The read pools and their monitor; {@code null} without DATABASE_READ_URL (and in a read pool itself). */
    private final ReadRouter router;
    /** {@link #reads(WalPosition)} without a token: one instance, as it holds no per-request state. */
    private final Reads boundedStaleness;
    private volatile boolean closed;

    private Database(DbConfig config, PoolMetrics metrics, ConnectionSource source, Jdbi jdbi, StatementRunner runner,
                     Watchdog watchdog, ReadRouter router) {
        this.config = config;
        this.metrics = metrics;
        this.source = source;
        this.jdbi = jdbi;
        this.runner = runner;
        this.watchdog = watchdog;
        this.commandTimeoutNanos = config.commandTimeout().toNanos();
        this.router = router;
        this.boundedStaleness = router == null ? this : new RoutedReads(this, router, null);
    }

    /**
     * Waits for the database (retrying with back-off up to {@code DB_START_TIMEOUT}), then opens the pool and
     * registers its meters ({@code db.pool.*} and HikariCP's {@code hikaricp.connections.*}) in {@code registry}.
     * With {@code DATABASE_READ_URL} it also opens a read pool per replica (without waiting for them: a replica that
     * is down only means its reads go to the primary) and starts monitoring their lag.
     *
     * @throws DatabaseUnavailableException when the database did not answer in time, or refused our credentials
     */
    public static Database start(DbConfig config, MeterRegistry registry) {
        long started = System.nanoTime();
        var metrics = new PoolMetrics(registry, config.applicationName());
        var physical = new PhysicalConnections(config, metrics);
        awaitDatabase(config, physical);
        ReadRouter router = null;
        try {
            router = config.readPool() == null ? null : ReadRouter.open(config, registry);
            return open(config, registry, metrics, physical, router, true, started);
        } catch (RuntimeException | Error e) {
            if (router != null) {
                router.close();
            }
            throw e;
        }
    }

    /** The read pool of one replica: opened without waiting for it, and with no read routing of its own. */
    static Database openReplica(DbConfig config, MeterRegistry registry) {
        var metrics = new PoolMetrics(registry, config.applicationName());
        return open(config, registry, metrics, new PhysicalConnections(config, metrics), null, false,
                System.nanoTime());
    }

    private static Database open(DbConfig config, MeterRegistry registry, PoolMetrics metrics,
                                 PhysicalConnections physical, ReadRouter router, boolean failFast, long started) {
        ConnectionSource source;
        try {
            source = config.poolMode() == PoolMode.POOLED
                    ? new PooledSource(config, physical, metrics, registry, failFast)
                    : new DirectSource(physical, metrics);
        } catch (RuntimeException e) {
            throw SqlErrors.translate(e);
        }
        // Not "...total": Prometheus reserves that suffix for counters and would drop the gauge.
        metrics.gauge("db.pool.connections.open", source, ConnectionSource::total, "Physical connections open");
        metrics.gauge("db.pool.connections.active", source, ConnectionSource::active, "Connections lent out");
        metrics.gauge("db.pool.connections.idle", source, ConnectionSource::idle, "Connections in the pool");
        metrics.gauge("db.pool.connections.waiting", source, ConnectionSource::waiting, "Callers waiting");
        metrics.gauge("db.pool.connections.min", config, DbConfig::minPoolSize, "DB_MIN_POOL_SIZE");
        metrics.gauge("db.pool.connections.max", config, DbConfig::maxPoolSize, "DB_MAX_POOL_SIZE");
        var json = new ObjectMapper();
        var runner = new StatementRunner(source, new Parameters(json), metrics, config.slowQueryThreshold(),
                config.pgbouncer());
        var watchdog = new Watchdog(physical, config.applicationName(),
                config.commandTimeout().compareTo(config.healthTimeout()) < 0 ? config.commandTimeout()
                        : config.healthTimeout(), config.leakDetectionThreshold());
        var database = new Database(config, metrics, source, JdbiSetup.create(source, config.commandTimeout(), json),
                runner, watchdog, router);
        LOG.info("pool started: mode={}, size={}..{}, acquireTimeout={} ms, maxWaiting={}, at {} in {} ms",
                config.poolMode().name().toLowerCase(), config.minPoolSize(), config.maxPoolSize(),
                config.acquireTimeout().toMillis(), config.maxWaiting(), config.url().describe(),
                (System.nanoTime() - started) / 1_000_000);
        return database;
    }

    private static void awaitDatabase(DbConfig config, PhysicalConnections physical) {
        long deadline = System.nanoTime() + config.startTimeout().toNanos();
        long backoffMillis = 100;
        while (true) {
            try (Connection probe = physical.openUntracked()) {
                return;
            } catch (SQLException e) {
                // Wrong credentials or a missing database will not fix themselves: say so now instead of waiting.
                boolean transientFailure = SqlErrors.isConnectionFailure(e.getSQLState());
                if (!transientFailure || System.nanoTime() + backoffMillis * 1_000_000 > deadline) {
                    throw new DatabaseUnavailableException("database at " + config.url().describe() + " not usable"
                            + (transientFailure ? " within DB_START_TIMEOUT=" + config.startTimeout().toSeconds() + " s" : "")
                            + ": " + SqlErrors.describe(e), e.getSQLState(), e);
                }
                LOG.info("waiting for the database at {}: {}; retrying in {} ms", config.url().describe(),
                        SqlErrors.describe(e), backoffMillis);
                sleep(backoffMillis);
                backoffMillis = Math.min(backoffMillis * 2, 2_000);
            }
        }
    }

    public DbConfig config() {
        return config;
    }

    /**
     * Where a plain read goes: with {@code DATABASE_READ_URL}, to a replica that answers, lags by at most
     * {@code DB_READ_MAX_LAG} and, when {@code atLeast} is given, has replayed at least that far; else (and without
     * {@code DATABASE_READ_URL}: this database itself, at no cost) to the primary. Use it only for reads that may be
     * a little stale; whatever must see the caller's own writes of this request reads from the primary (this
     * object's helpers, or a transaction).
     *
     * @param atLeast a client's consistency token ({@link #commitPosition()} of its write), or {@code null}
     */
    public Reads reads(WalPosition atLeast) {
        if (router == null) {
            return this;
        }
        return atLeast == null ? boundedStaleness : new RoutedReads(this, router, atLeast);
    }

    /** Whether plain reads may go to replicas ({@code DATABASE_READ_URL} is set). */
    public boolean routesReads() {
        return router != null;
    }

    /**
     * The primary's WAL insert position now: asked right after a commit, a consistency token that covers that
     * commit (and every one before it), which {@link #reads(WalPosition)} honours. Borrows a connection the way the
     * health probe does (within {@code DB_HEALTH_TIMEOUT}, past the waiting bound); never throws: when the position
     * cannot be had it answers {@link WalPosition#UNKNOWN}, which sends the token's reads to the primary.
     */
    public WalPosition commitPosition() {
        try {
            Connection connection = source.acquire(config.healthTimeout());
            TrackedConnection tracked = TrackedConnection.of(connection);
            try (Statement statement = connection.createStatement()) {
                if (tracked != null) {
                    tracked.statementStarted(statement, config.healthTimeout().toNanos());
                }
                try (ResultSet rs = statement.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
                    rs.next();
                    return WalPosition.parse(rs.getString(1));
                }
            } catch (SQLException | RuntimeException e) {
                throw runner.failed(connection, e);
            } finally {
                if (tracked != null) {
                    tracked.statementFinished();
                }
                source.release(connection);
            }
        } catch (DbException e) {
            LOG.debug("no WAL position for a consistency token ({}); handing out one the primary serves",
                    e.getMessage());
            return WalPosition.UNKNOWN;
        }
    }

    /**
     * Whether a replica of {@code DATABASE_READ_URL} answers its probe now (false without read routing): reads can
     * be served even while the primary does not answer. From memory; no round trip.
     */
    public boolean replicaAnswers() {
        return router != null && router.anyUsable();
    }

    /** Read routing's counts and every replica's state, or empty without {@code DATABASE_READ_URL}. Cheap. */
    public Optional<ReadRoutingStats> readRouting() {
        return router == null ? Optional.empty() : Optional.of(router.stats());
    }

    @Override
    public <T> Optional<T> fetchOne(String sql, Class<T> type, Object... args) {
        RowReader<T> scalar = Scalars.reader(type);
        return scalar != null ? fetchOne(sql, scalar, args) : call(true, q -> q.fetchOne(sql, type, args));
    }

    @Override
    public <T> Optional<T> fetchOne(String sql, RowReader<T> reader, Object... args) {
        return runner.run(sql, args, true, commandTimeoutNanos, StatementRunner.one(reader));
    }

    @Override
    public <T> List<T> fetchAll(String sql, Class<T> type, Object... args) {
        RowReader<T> scalar = Scalars.reader(type);
        return scalar != null ? fetchAll(sql, scalar, args) : call(true, q -> q.fetchAll(sql, type, args));
    }

    @Override
    public <T> List<T> fetchAll(String sql, RowReader<T> reader, Object... args) {
        return runner.run(sql, args, true, commandTimeoutNanos, StatementRunner.all(reader));
    }

    @Override
    public <T> Optional<T> fetchVal(String sql, Class<T> type, Object... args) {
        RowReader<T> scalar = Scalars.reader(type);
        return scalar != null ? fetchOne(sql, scalar, args) : call(true, q -> q.fetchVal(sql, type, args));
    }

    @Override
    public int execute(String sql, Object... args) {
        return runner.run(sql, args, false, commandTimeoutNanos, PreparedStatement::executeUpdate);
    }

    @Override
    public int[] executeMany(String sql, List<Object[]> rows) {
        if (rows.isEmpty()) {
            return new int[0];
        }
        return runner.run(sql, rows.getFirst(), false, commandTimeoutNanos, runner.batch(rows));
    }

    @Override
    public <T> Optional<T> executeReturning(String sql, Class<T> type, Object... args) {
        RowReader<T> scalar = Scalars.reader(type);
        return scalar != null ? executeReturning(sql, scalar, args) : call(false, q -> q.executeReturning(sql, type, args));
    }

    @Override
    public <T> Optional<T> executeReturning(String sql, RowReader<T> reader, Object... args) {
        return runner.run(sql, args, false, commandTimeoutNanos, StatementRunner.one(reader));
    }

    /** {@link #transaction(Isolation, TransactionCallback)} at READ COMMITTED. */
    public <T> T transaction(TransactionCallback<T> callback) {
        return transaction(Isolation.READ_COMMITTED, callback);
    }

    /**
     * Runs {@code callback} in one transaction on one connection: commits when it returns, rolls back when it throws
     * (its exception then reaches the caller unchanged). A serialization failure or deadlock (40001, 40P01) rolls
     * back and runs the callback again, up to {@code DB_TX_RETRIES} times with a short randomised back-off.
     */
    public <T> T transaction(Isolation isolation, TransactionCallback<T> callback) {
        for (int attempt = 0; ; attempt++) {
            Handle handle = open();
            try {
                return handle.inTransaction(h -> {
                    if (isolation != Isolation.READ_COMMITTED) {
                        // Transaction-scoped, never SET SESSION: nothing outlives this transaction on the connection.
                        h.execute("SET TRANSACTION ISOLATION LEVEL " + isolation.sql);
                    }
                    return callback.run(new HandleQueries(h, runner, commandTimeoutNanos));
                });
            } catch (DbException | JdbiException e) {
                DbException failure = failed(handle, e);
                if (SqlErrors.isRetryableTransactionFailure(failure.sqlState()) && attempt < config.transactionRetries()) {
                    LOG.debug("transaction retry {} after SQLSTATE {}", attempt + 1, failure.sqlState());
                    sleep(ThreadLocalRandom.current().nextLong(5, 20) << attempt);
                    continue;
                }
                throw failure;
            } finally {
                handle.close();
            }
        }
    }

    /**
     * Borrows a connection within {@code DB_HEALTH_TIMEOUT} (bypassing the waiting bound, so a probe never queues
     * behind user traffic for longer than that) and runs {@code SELECT 1} under the same timeout. Never throws.
     */
    public HealthProbe probe() {
        long start = System.nanoTime();
        try {
            Connection connection = source.acquire(config.healthTimeout());
            TrackedConnection tracked = TrackedConnection.of(connection);
            try (Statement statement = connection.createStatement()) {
                if (tracked != null) {
                    tracked.statementStarted(statement, config.healthTimeout().toNanos());
                }
                statement.execute("SELECT 1");
            } catch (SQLException e) {
                throw runner.failed(connection, e);
            } finally {
                if (tracked != null) {
                    tracked.statementFinished();
                }
                source.release(connection);
            }
            runner.answered();
            return new HealthProbe(true, millisSince(start), null, false);
        } catch (DbException e) {
            if (e instanceof DatabaseUnavailableException) {
                runner.outage();
            }
            boolean busy = e instanceof PoolExhaustedException || e instanceof StatementTimeoutException;
            return new HealthProbe(false, millisSince(start), e.getMessage(), busy);
        }
    }

    /**
     * Readiness, without queueing behind the traffic it is meant to judge. Up when a statement of the pool
     * succeeded within {@code freshness} and none met a dead database since. Busy (reachable, saturated) when callers
     * are waiting for a connection and the traffic's last word was a success: a probe would only measure the queue
     * (behind PgBouncer, its queue too), and a balancer whose check times out on a healthy, busy instance takes it
     * out of rotation and moves its load onto the others. Otherwise, an idle pool or after a failure, a
     * {@link #probe()}. Never throws.
     */
    public HealthProbe readiness(Duration freshness) {
        if (runner.answeredRecently(freshness.toNanos())) {
            return new HealthProbe(true, 0, null, false);
        }
        if (source.waiting() > 0 && runner.lastWordWasSuccess()) {
            return new HealthProbe(false, 0, "saturated: callers are waiting for a connection", true);
        }
        return probe();
    }

    /** A snapshot of the pool's counters; cheap enough for every health request. */
    public PoolStats stats() {
        Map<String, Long> closedBy = metrics.closedByReason();
        long retired = closedBy.get(PoolMetrics.MAX_LIFETIME) + closedBy.get(PoolMetrics.IDLE)
                + closedBy.get(PoolMetrics.MAX_QUERIES);
        double[] acquire = metrics.acquirePercentilesMillis();
        return new PoolStats(config.poolMode().name().toLowerCase(), config.minPoolSize(), config.maxPoolSize(),
                source.total(), source.active(), source.idle(), source.waiting(), metrics.refusedCount(),
                metrics.acquireTimeouts(), metrics.acquisitions(), metrics.created(), metrics.closedTotal(), closedBy,
                retired, metrics.queries(), metrics.reuseRate(), acquire[0], acquire[1], acquire[2]);
    }

    /** Waits up to {@code DB_SHUTDOWN_GRACE} for borrowed connections to come back, then closes them all. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (router != null) {
            router.close();
        }
        runner.close();
        source.close(config.shutdownGrace());
        watchdog.close();
        LOG.info("pool closed: {} connections created, {} acquisitions, {} queries", metrics.created(),
                metrics.acquisitions(), metrics.queries());
    }

    private <R> R call(boolean idempotentRead, Function<HandleQueries, R> work) {
        for (int attempt = 1; ; attempt++) {
            Handle handle = open();
            try {
                return work.apply(new HandleQueries(handle, runner, commandTimeoutNanos));
            } catch (DbException | JdbiException e) {
                DbException failure = failed(handle, e);
                // A read that met a dead connection is safe to repeat once; the dead one is evicted on release.
                if (idempotentRead && attempt == 1 && failure instanceof DatabaseUnavailableException) {
                    LOG.debug("retrying a read on a fresh connection after {}", failure.getMessage());
                    continue;
                }
                throw failure;
            } finally {
                handle.close();
            }
        }
    }

    private Handle open() {
        if (closed) {
            throw new DatabaseUnavailableException("the database pool is closed", null, null);
        }
        try {
            return jdbi.open();
        } catch (RuntimeException e) {
            throw SqlErrors.translate(e);
        }
    }

    private DbException failed(Handle handle, RuntimeException e) {
        return runner.failed(handle.getConnection(), e);
    }

    private static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000.0;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DbException("interrupted while waiting", null, e);
        }
    }
}
