package io.tradingdesk.db.internal;

import io.tradingdesk.db.DbConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What read routing needs to know about every host of {@code DATABASE_READ_URL}, kept fresh in the background so that
 * a request decides from memory, without a round trip: whether the host answers, whether it is a replica (in
 * recovery) or a primary (a promoted one, after a failover), how far it has replayed, and how far it is behind the
 * primary in time and bytes ({@link WalHistory}: honest when the primary is idle).
 *
 * <p>One virtual thread per host and one for the primary probe every {@value #BEAT_MILLIS} ms, each on a connection of
 * its own outside the pools: to each replica host, and to the primary through {@code DATABASE_URL}, so that after a
 * failover it finds the new primary the way the pool does. A state older than {@value #STALE_AFTER_MILLIS} ms counts
 * as down (its probe is stuck). Thread-safe: states are immutable and published through volatile fields.
 */
public final class ReplicaMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaMonitor.class);
    static final long BEAT_MILLIS = 100;
    /**
     * A probe that has not answered for this long is stuck (a half-open connection, a starved machine): its host
     * leaves routing until it answers. Generous, as a probe that fails marks its host down at once anyway.
     */
    static final long STALE_AFTER_MILLIS = 5_000;
    private static final long STALE_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(STALE_AFTER_MILLIS);
    /** Ten minutes of a primary that writes on every beat. */
    private static final int HISTORY = 6_000;
    private static final String PRIMARY_SQL = "SELECT pg_current_wal_lsn()::text";
    private static final String REPLICA_SQL = """
            SELECT pg_is_in_recovery(),
                   (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text""";

    /**
     * One host as its last probe saw it.
     *
     * @param up            the probe answered
     * @param failedRead    a read on the host met a dead connection since the probe (the next probe clears it)
     * @param standby       the host is in recovery (a replica); false for a primary (promoted, or listed by mistake)
     * @param replayed      the LSN replayed (a primary: its current WAL position); 0 when unknown
     * @param lagNanos      how long the primary has had WAL beyond {@code replayed}; 0 for a primary
     * @param lagBytes      bytes of WAL the primary had beyond {@code replayed}
     * @param observedNanos System.nanoTime of the probe
     * @param error         why it is down (no secrets), or {@code null}
     */
    public record HostState(boolean up, boolean failedRead, boolean standby, long replayed, long lagNanos,
                            long lagBytes, long observedNanos, String error) {
        static final HostState UNKNOWN = new HostState(false, false, false, 0, 0, 0, Long.MIN_VALUE / 2,
                "not probed yet");

        /** Up, no read has failed on it since, and seen recently enough to be believed. */
        public boolean usable(long now) {
            return up && !failedRead && now - observedNanos <= STALE_AFTER_NANOS;
        }
    }

    private final Driver driver = new Driver();
    private final WalHistory history = new WalHistory(HISTORY);
    private final Probe primary;
    private final List<Probe> replicas = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param config    the service's configuration ({@code DATABASE_URL} for the primary probe)
     * @param hosts     the hosts of {@code DATABASE_READ_URL}, in order
     * @param poolNames the application name of each host's read pool; its probe connects as that name + "-monitor"
     */
    public ReplicaMonitor(DbConfig config, List<String> hosts, List<String> poolNames) {
        primary = new Probe("primary", config.url().jdbcUrl(),
                properties(config, config.applicationName()), null);
        for (int i = 0; i < hosts.size(); i++) {
            DbConfig host = config.readPoolFor(hosts.get(i), poolNames.get(i));
            replicas.add(new Probe(hosts.get(i), host.url().jdbcUrl(), properties(host, poolNames.get(i)), i));
        }
    }

    private static Properties properties(DbConfig config, String name) {
        Properties props = PhysicalConnections.driverProperties(config);
        props.setProperty("ApplicationName", shorten(name + "-monitor"));
        // A background thread, a few statements a second: a socket timeout costs nothing here, and it keeps a
        // half-open connection from freezing a host's state (which then turns stale, hence down).
        int seconds = (int) Math.max(2, config.connectTimeout().toSeconds());
        props.setProperty("socketTimeout", Integer.toString(seconds));
        props.setProperty("loginTimeout", Integer.toString(seconds));
        return props;
    }

    private static String shorten(String name) {
        return name.length() <= 63 ? name : name.substring(0, 63);
    }

    /** Starts the probes; the first states arrive within a beat. */
    public ReplicaMonitor start() {
        for (Probe probe : all()) {
            threads.add(Thread.ofVirtual().name("db-replica-monitor-" + probe.name).start(() -> run(probe)));
        }
        return this;
    }

    /** The state of host {@code index} (in {@code DATABASE_READ_URL}'s order). */
    public HostState state(int index) {
        return replicas.get(index).state;
    }

    /** Whether the primary answered its latest probe, recently enough to be believed. */
    public boolean primaryUp(long now) {
        return primary.state.usable(now);
    }

    /**
     * A read on host {@code index} met a dead connection: count the host down now rather than at its next probe,
     * which brings it back when it answers again.
     */
    public void markDown(int index, String why) {
        Probe probe = replicas.get(index);
        HostState was = probe.state;
        if (was.up && !was.failedRead) {
            probe.state = new HostState(true, true, was.standby, was.replayed, was.lagNanos, was.lagBytes,
                    was.observedNanos, why);
            LOG.warn("replica {} taken out of read routing until its probe answers again: {}", probe.name, why);
        }
    }

    private void run(Probe probe) {
        while (!closed) {
            long started = System.nanoTime();
            try {
                probe(probe);
            } catch (RuntimeException e) {
                // Never let one bad beat end the probe.
                LOG.warn("replica monitor: probing {} failed unexpectedly: {}", probe.name, e.toString());
            }
            long sleep = BEAT_MILLIS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            try {
                Thread.sleep(Math.max(1, sleep));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void probe(Probe probe) {
        if (closed) {
            return;
        }
        try {
            if (probe.connection == null) {
                probe.connection = driver.connect(probe.url, probe.properties);
            }
            try (Statement statement = probe.connection.createStatement()) {
                if (probe.index == null) {
                    try (ResultSet rs = statement.executeQuery(PRIMARY_SQL)) {
                        rs.next();
                        long now = System.nanoTime();
                        long position = lsn(rs.getString(1));
                        history.record(position, now);
                        probe.publish(new HostState(true, false, false, position, 0, 0, now, null));
                    }
                } else {
                    try (ResultSet rs = statement.executeQuery(REPLICA_SQL)) {
                        rs.next();
                        long now = System.nanoTime();
                        boolean standby = rs.getBoolean(1);
                        long replayed = lsn(rs.getString(2));
                        probe.publish(standby
                                ? new HostState(true, false, true, replayed, history.lagNanos(replayed, now),
                                        history.lagBytes(replayed), now, null)
                                : new HostState(true, false, false, replayed, 0, 0, now, null));
                    }
                }
            }
        } catch (SQLException e) {
            probe.closeConnection();
            if (closed) {
                return;
            }
            probe.publish(new HostState(false, false, probe.state.standby, probe.state.replayed,
                    probe.state.lagNanos, probe.state.lagBytes, System.nanoTime(), SqlErrors.describe(e)));
        }
    }

    private static long lsn(String text) {
        if (text == null) {
            return 0;
        }
        int slash = text.indexOf('/');
        return Long.parseLong(text, 0, slash, 16) << 32 | Long.parseLong(text, slash + 1, text.length(), 16);
    }

    private List<Probe> all() {
        var all = new ArrayList<Probe>();
        all.add(primary);
        all.addAll(replicas);
        return all;
    }

    /** Stops the probes and closes their connections; waits up to a few seconds for them. Idempotent. */
    @Override
    public void close() {
        closed = true;
        threads.forEach(Thread::interrupt);
        for (Thread thread : threads) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        all().forEach(Probe::closeConnection);
    }

    /** One probed server; its connection is used by its own thread only, its state read by any. */
    private static final class Probe {
        final String name;
        final String url;
        final Properties properties;
        /** Position in DATABASE_READ_URL, or {@code null} for the primary. */
        final Integer index;
        Connection connection;
        volatile HostState state = HostState.UNKNOWN;

        Probe(String name, String url, Properties properties, Integer index) {
            this.name = name;
            this.url = url;
            this.properties = properties;
            this.index = index;
        }

        void publish(HostState next) {
            HostState was = state;
            state = next;
            if (was == HostState.UNKNOWN || was.up != next.up) {
                String what = index == null ? "primary (DATABASE_URL)" : "replica " + name;
                if (next.up) {
                    LOG.info("{} answers: {}", what, next.standby || index == null ? "in read routing"
                            : "not in recovery (a primary): serves reads as one");
                } else {
                    LOG.warn("{} does not answer: {}", what, next.error);
                }
            }
        }

        void closeConnection() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    // Gone either way.
                }
                connection = null;
            }
        }
    }
}
