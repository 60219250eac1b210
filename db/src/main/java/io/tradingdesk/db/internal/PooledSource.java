package io.tradingdesk.db.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.pool.HikariPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.tradingdesk.db.DbConfig;
import io.tradingdesk.db.PoolExhaustedException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HikariCP underneath, plus what HikariCP does not do: a bound on how many callers may wait (HikariCP's queue is
 * bounded only in time, HikariCP#580 and #2258), retirement after DB_MAX_QUERIES statements, and who holds which
 * connection since when (for the watchdog's leak reports).
 * Thread-safe.
 */
public final class PooledSource implements ConnectionSource {
    private static final Logger LOG = LoggerFactory.getLogger(PooledSource.class);
    /** How fresh a failed connect must be for an empty pool to answer "unavailable" without waiting. */
    private static final long DOWN_EVIDENCE_MAX_AGE_NANOS = 500_000_000L;

    private final HikariPool pool;
    private final PhysicalConnections physical;
    private final PoolMetrics metrics;
    private final DbConfig config;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger lent = new AtomicInteger();
    // One permit per connection, handed out first come, first served. HikariCP's own hand-off is not fair: under
    // overload some callers were served again and again while others waited out DB_ACQUIRE_TIMEOUT (503s in the
    // scale-out tests at a mean wait well under the timeout). Behind the gate, HikariCP always has a connection
    // (or is opening one) for each permit holder.
    private final Semaphore permits;
    // HikariCP's proxy of each loan, to its tracked connection: once HikariCP has seen a fatal SQLSTATE it swaps the
    // proxy's delegate for a closed stub, and unwrap() no longer reaches ours when the loan is given back.
    private final Map<Connection, Loan> loans = new ConcurrentHashMap<>();

    private record Loan(TrackedConnection tracked, boolean permit) {
    }

    /**
     * @param failFast the database must answer now (the primary, which start-up has waited for); else the pool
     *                 starts empty and fills when it can (a replica's read pool: a replica that is down is no reason
     *                 not to start)
     */
    public PooledSource(DbConfig config, PhysicalConnections physical, PoolMetrics metrics, MeterRegistry registry,
                        boolean failFast) {
        this.config = config;
        this.physical = physical;
        this.metrics = metrics;
        this.pool = new HikariPool(hikariConfig(config, physical, registry, failFast));
        this.permits = new Semaphore(config.maxPoolSize(), true);
    }

    private static HikariConfig hikariConfig(DbConfig config, PhysicalConnections physical, MeterRegistry registry,
                                             boolean failFast) {
        var hikari = new HikariConfig();
        hikari.setPoolName(config.applicationName());
        hikari.setDataSource(physical);
        hikari.setMinimumIdle(config.minPoolSize());
        hikari.setMaximumPoolSize(config.maxPoolSize());
        hikari.setConnectionTimeout(config.acquireTimeout().toMillis());
        hikari.setValidationTimeout(Math.min(config.acquireTimeout().toMillis(), 5_000));
        hikari.setIdleTimeout(config.maxInactiveConnectionLifetime().toMillis());
        hikari.setMaxLifetime(config.maxLifetime().toMillis());
        // Leak reports come from the Watchdog instead: HikariCP's capture a stack and schedule a task on every borrow.
        hikari.setLeakDetectionThreshold(0);
        hikari.setAutoCommit(true);
        // Database.start has already waited for the primary; if it vanished since, fail now rather than later.
        hikari.setInitializationFailTimeout(failFast ? 1 : -1);
        hikari.setMetricsTrackerFactory((poolName, stats) -> new HikariMeters(registry, poolName, stats));
        return hikari;
    }

    @Override
    public Connection acquire() {
        int queued = waiting.incrementAndGet();
        try {
            if (queued > config.maxWaiting() && pool.getIdleConnections() == 0) {
                metrics.refused();
                throw new PoolExhaustedException(PoolExhaustedException.Reason.TOO_MANY_WAITING,
                        "connection refused at once: " + (queued - 1) + " callers already waiting (DB_MAX_WAITING="
                                + config.maxWaiting() + ", " + state() + ")", null);
            }
            long start = System.nanoTime();
            long timeoutNanos = config.acquireTimeout().toNanos();
            if (!permits.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
                throw timedOut(TimeUnit.NANOSECONDS.toMillis(timeoutNanos), null);
            }
            try {
                long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos - (System.nanoTime() - start)));
                return borrow(left, start, true);
            } catch (RuntimeException | Error e) {
                permits.release();
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PoolExhaustedException(PoolExhaustedException.Reason.ACQUIRE_TIMEOUT,
                    "interrupted while waiting for a connection (" + state() + ")", e);
        } finally {
            waiting.decrementAndGet();
        }
    }

    @Override
    public Connection acquire(Duration timeout) {
        // Probes skip the queue (and the permits): they must answer while user traffic fills the pool.
        return borrow(Math.max(250, timeout.toMillis()), System.nanoTime(), false);
    }

    private Connection borrow(long timeoutMillis, long startNanos, boolean permit) {
        SQLException down = physical.recentConnectFailure(DOWN_EVIDENCE_MAX_AGE_NANOS);
        if (down != null && pool.getTotalConnections() == 0) {
            // Nothing to lend and connecting failed a moment ago (the adder retries every 100 ms): the database is
            // down. Answer at once instead of holding every caller for DB_ACQUIRE_TIMEOUT; once the evidence is
            // older than half a second, callers wait for HikariCP as usual, so demand never stops reaching it.
            throw SqlErrors.unavailable("database unreachable (" + state() + "), last connect error: "
                    + SqlErrors.describe(down), down);
        }
        try {
            Connection connection = pool.getConnection(timeoutMillis);
            // The whole wait, at the gate and in HikariCP, is recorded once (HikariMeters leaves HikariCP's own out).
            metrics.acquired(System.nanoTime() - startNanos);
            lent.incrementAndGet();
            TrackedConnection tracked = TrackedConnection.of(connection);
            tracked.lent(Thread.currentThread());
            loans.put(connection, new Loan(tracked, permit));
            return connection;
        } catch (SQLException e) {
            throw timedOut(timeoutMillis, e);
        }
    }

    /** No connection in time: the database is down (no connection at all, the last connect failed), or busy. */
    private RuntimeException timedOut(long timeoutMillis, SQLException e) {
        metrics.acquireTimedOut();
        // HikariCP learns of a failed connect only once PhysicalConnections stops retrying it: ask it directly.
        Throwable cause = e != null && e.getCause() instanceof SQLException last ? last : physical.lastConnectFailure();
        if (cause != null && pool.getTotalConnections() == 0) {
            return SqlErrors.unavailable("database unreachable: no connection within " + timeoutMillis + " ms ("
                    + state() + "), last connect error: " + SqlErrors.describe((SQLException) cause), cause);
        }
        return new PoolExhaustedException(PoolExhaustedException.Reason.ACQUIRE_TIMEOUT,
                "no connection within " + timeoutMillis + " ms (" + state() + ")", e);
    }

    @Override
    public void release(Connection connection) {
        lent.decrementAndGet();
        Loan loan = loans.remove(connection);
        TrackedConnection tracked = loan == null ? null : loan.tracked();
        if (tracked != null) {
            if (tracked.returned()) {
                Watchdog.leakReturned(tracked);
            }
            if (config.maxQueries() > 0 && tracked.statements() >= config.maxQueries()) {
                tracked.retire(PoolMetrics.MAX_QUERIES);
            }
            if (tracked.retireReason() != null || tracked.broken()) {
                // Evicting while we still hold it closes the physical connection at once; the pool refills itself.
                pool.evictConnection(connection);
            }
        }
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("closing a pooled connection failed: {}", SqlErrors.describe(e));
        } finally {
            if (loan != null && loan.permit()) {
                permits.release();
            }
        }
    }

    @Override
    public void evictAll() {
        physical.evictionRequested();
        pool.softEvictConnections();
    }

    @Override
    public int total() {
        return pool.getTotalConnections();
    }

    @Override
    public int active() {
        return pool.getActiveConnections();
    }

    @Override
    public int idle() {
        return pool.getIdleConnections();
    }

    @Override
    public int waiting() {
        return permits.getQueueLength() + Math.max(0, pool.getThreadsAwaitingConnection());
    }

    /** Connections lent out by this source and not yet given back (HikariCP's active count lags a little). */
    public int lent() {
        return lent.get();
    }

    private String state() {
        return "total=" + pool.getTotalConnections() + ", active=" + pool.getActiveConnections() + ", idle="
                + pool.getIdleConnections() + ", waiting=" + waiting.get();
    }

    @Override
    public void close(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (pool.getActiveConnections() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int stillLent = pool.getActiveConnections();
        if (stillLent > 0) {
            LOG.warn("closing the pool with {} connections still lent out after a {} ms grace period", stillLent,
                    grace.toMillis());
        }
        physical.shuttingDown();
        try {
            pool.shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
