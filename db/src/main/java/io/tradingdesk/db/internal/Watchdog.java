package io.tradingdesk.db.internal;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One background thread per pool that looks at every open connection on a short beat and
 * <ul>
 *   <li>cancels the statement that has run past its deadline ({@code DB_COMMAND_TIMEOUT}; the health probe's own),
 *       with the driver's cancel request, which the server answers by cancelling with SQLSTATE 57014 and which
 *       PgBouncer forwards to the right server session; the connection stays usable; and when a cancelled statement
 *       still runs 15 s later (a dead peer, a half-open socket), closes its connection under it, so no caller hangs
 *       on a read forever (pgjdbc's socketTimeout would do that by putting a timer on every read);</li>
 *   <li>reports a connection lent out for longer than {@code DB_LEAK_DETECTION_THRESHOLD}, once per loan, with the
 *       borrowing thread and where it is now.</li>
 * </ul>
 * pgjdbc's own query timeout schedules and cancels a task on one driver-wide {@code java.util.Timer} for every
 * statement, and HikariCP's leak detection captures a stack and schedules a task on every borrow: this keeps both
 * guarantees at the cost of two volatile writes per statement and per borrow. A deadline is enforced within one
 * beat (at most 100 ms, less for shorter timeouts). Thread-safe.
 */
public final class Watchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);
    private static final long MAX_BEAT_NANOS = 100_000_000L;
    private static final long MIN_BEAT_NANOS = 5_000_000L;
    /** How long after its cancel a statement may still run before its connection is aborted (a dead peer). */
    static final long ABORT_AFTER_NANOS = 15_000_000_000L;

    private final PhysicalConnections connections;
    private final long leakThresholdNanos;
    private final ScheduledExecutorService beat;

    /**
     * @param commandTimeout the shortest deadline it must keep well (the beat is a tenth of it, 5..100 ms)
     * @param leakThreshold  zero = no leak reports
     */
    public Watchdog(PhysicalConnections connections, String poolName, Duration commandTimeout, Duration leakThreshold) {
        this.connections = connections;
        this.leakThresholdNanos = leakThreshold.isZero() ? 0 : leakThreshold.toNanos();
        long beatNanos = Math.max(MIN_BEAT_NANOS, Math.min(MAX_BEAT_NANOS, commandTimeout.toNanos() / 10));
        this.beat = Executors.newSingleThreadScheduledExecutor(runnable -> {
            var thread = new Thread(runnable, "db-watchdog-" + poolName);
            thread.setDaemon(true);
            return thread;
        });
        beat.scheduleWithFixedDelay(this::look, beatNanos, beatNanos, TimeUnit.NANOSECONDS);
    }

    private void look() {
        try {
            long now = System.nanoTime();
            for (TrackedConnection connection : connections.open()) {
                Statement overdue = connection.toCancel(now);
                if (overdue != null) {
                    // The cancel request opens a connection of its own: never let it hold up the beat.
                    Thread.startVirtualThread(() -> cancel(overdue));
                } else if (connection.toAbort(now, ABORT_AFTER_NANOS)) {
                    Thread.startVirtualThread(() -> abort(connection));
                }
                if (leakThresholdNanos > 0) {
                    Thread borrower = connection.leakedBy(now, leakThresholdNanos);
                    if (borrower != null) {
                        reportLeak(connection, borrower, now);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("watchdog beat failed; next beat goes on: {}", e.toString());
        }
    }

    private static void cancel(Statement statement) {
        try {
            statement.cancel();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("cancelling a statement past its deadline failed: {}", e.toString());
        }
    }

    /** The socket is closed under the stuck read: the caller gets a connection failure, the pool a replacement. */
    private static void abort(TrackedConnection connection) {
        LOG.warn("a statement still runs {} s after it was cancelled: the server or the network does not answer;"
                + " closing its connection", TimeUnit.NANOSECONDS.toSeconds(ABORT_AFTER_NANOS));
        connection.markBroken();
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            LOG.debug("aborting a stuck connection failed: {}", e.toString());
        }
    }

    private void reportLeak(TrackedConnection connection, Thread borrower, long now) {
        long heldMillis = TimeUnit.NANOSECONDS.toMillis(now - connection.lentNanos());
        String where = Arrays.stream(borrower.getStackTrace()).limit(12).map(StackTraceElement::toString)
                .reduce((a, b) -> a + " <- " + b).orElse("(no stack)");
        LOG.warn("possible connection leak: held for {} ms (DB_LEAK_DETECTION_THRESHOLD={} ms) by {}; now at {}",
                heldMillis, TimeUnit.NANOSECONDS.toMillis(leakThresholdNanos), borrower, where);
    }

    /** Logs, once per loan, when a connection reported as leaked comes back. */
    static void leakReturned(TrackedConnection connection) {
        LOG.info("a connection reported as a possible leak came back to the pool: {}", connection);
    }

    @Override
    public void close() {
        beat.shutdownNow();
    }
}
