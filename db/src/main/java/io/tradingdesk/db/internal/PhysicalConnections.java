package io.tradingdesk.db.internal;

import io.tradingdesk.db.DbConfig;
import io.tradingdesk.db.PoolMode;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Opens physical connections with the pgjdbc settings that suit a pool, and keeps count of every connection opened
 * and closed, with the reason each was closed. HikariCP gets its connections from here (as its DataSource), so the
 * counts cover what HikariCP does on its own (max lifetime, idle timeout, broken connections) too.
 *
 * <p>Thread-safe.
 */
public final class PhysicalConnections implements DataSource {
    private static final long RECONNECT_BEAT_MILLIS = 100;
    private final org.postgresql.Driver driver = new org.postgresql.Driver();
    private final String jdbcUrl;
    private final Properties properties;
    private final PoolMetrics metrics;
    private final PoolMode mode;
    private final long maxLifetimeNanos;
    private final long idleTimeoutNanos;
    // Open connections, so that an eviction marks exactly the connections that existed when it was asked for.
    private final Set<TrackedConnection> open = ConcurrentHashMap.newKeySet();
    private final long reconnectWindowNanos;
    private volatile SQLException lastConnectFailure;
    private volatile long lastConnectFailureNanos;
    private volatile boolean shuttingDown;

    public PhysicalConnections(DbConfig config, PoolMetrics metrics) {
        this.jdbcUrl = config.url().jdbcUrl();
        this.properties = driverProperties(config);
        this.metrics = metrics;
        this.mode = config.poolMode();
        this.maxLifetimeNanos = config.maxLifetime().toNanos();
        this.idleTimeoutNanos = config.maxInactiveConnectionLifetime().toNanos();
        this.reconnectWindowNanos = config.connectTimeout().toNanos();
    }

    /**
     * The pgjdbc properties of every connection. The one place to change how connections behave, PgBouncer included.
     */
    static Properties driverProperties(DbConfig config) {
        var props = new Properties();
        props.putAll(config.url().properties());
        if (config.url().user() != null) {
            props.setProperty("user", config.url().user());
        }
        if (config.url().password() != null) {
            props.setProperty("password", config.url().password());
        }
        props.setProperty("ApplicationName", config.applicationName());
        // Multi-row INSERT batches become one statement on the wire: executeMany of 5,000 bars is one round trip.
        props.setProperty("reWriteBatchedInserts", "true");
        // Behind PgBouncer in transaction mode a named server-side statement may land on another server session:
        // threshold 0 keeps every statement unnamed. Otherwise the driver prepares after 5 uses, caching 512 per connection.
        props.setProperty("prepareThreshold", config.pgbouncer() ? "0" : "5");
        props.setProperty("preparedStatementCacheQueries", config.pgbouncer() ? "0" : "512");
        props.setProperty("preparedStatementCacheSizeMiB", "8");
        int connectSeconds = (int) Math.max(1, config.connectTimeout().toSeconds());
        props.putIfAbsent("connectTimeout", Integer.toString(connectSeconds));
        // pgjdbc reads without a deadline by default, and a half-open socket would hang its caller forever
        // (HikariCP#2186). No socketTimeout, though: on a virtual thread it puts a timer on every read. The Watchdog
        // aborts the connection of a statement still running well past its deadline instead (Watchdog.ABORT_AFTER).
        props.setProperty("socketTimeout", "0");
        if (config.poolMode() == PoolMode.POOLED) {
            // pgjdbc enforces loginTimeout with a helper thread per connect: fine for a pool that connects rarely,
            // but it would add a thread start to every query in direct mode and skew the before/after comparison.
            props.setProperty("loginTimeout", Integer.toString(connectSeconds));
        }
        props.setProperty("tcpKeepAlive", "true");
        return props;
    }

    /** A connection outside the statistics, for the start-up wait and administrative work. */
    public Connection openUntracked() throws SQLException {
        Connection connection = driver.connect(jdbcUrl, properties);
        if (connection == null) {
            throw new SQLException("pgjdbc did not accept the URL", "08001");
        }
        return connection;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection physical = openRetrying();
        metrics.connectionCreated();
        var tracked = new TrackedConnection(physical, this);
        open.add(tracked);
        return tracked;
    }

    /**
     * In pooled mode only HikariCP's connection adder calls {@link #getConnection()}, and it backs off exponentially
     * after every failed connect (10 ms doubling up to 5 s), so after a database restart the pool could stay empty for
     * up to 5 s while the server already accepts connections. Retrying a refused connect here on a short beat, for
     * up to DB_CONNECT_TIMEOUT, keeps HikariCP's failure count and back-off low: the pool refills within about
     * {@value #RECONNECT_BEAT_MILLIS} ms of the server's return. Direct mode connects on the caller's thread: no retry.
     */
    private Connection openRetrying() throws SQLException {
        long deadline = System.nanoTime() + reconnectWindowNanos;
        while (true) {
            try {
                Connection connection = openUntracked();
                lastConnectFailure = null;
                return connection;
            } catch (SQLException e) {
                lastConnectFailureNanos = System.nanoTime();
                lastConnectFailure = e;
                if (mode != PoolMode.POOLED || shuttingDown || !SqlErrors.isConnectionFailure(e.getSQLState())
                        || System.nanoTime() + RECONNECT_BEAT_MILLIS * 1_000_000 > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(RECONNECT_BEAT_MILLIS);
                } catch (InterruptedException interrupted) {
                    // The pool is shutting down its adder: report the connect failure, keep the interrupt.
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The connections open now, for the watchdog; a live view (safe to iterate while it changes). */
    Iterable<TrackedConnection> open() {
        return open;
    }

    /** The failure of the latest connect attempt, or {@code null} when it succeeded (or none was made yet). */
    SQLException lastConnectFailure() {
        return lastConnectFailure;
    }

    /** {@link #lastConnectFailure()} if it happened within the last {@code maxAgeNanos}, else {@code null}. */
    SQLException recentConnectFailure(long maxAgeNanos) {
        SQLException failure = lastConnectFailure;
        return failure != null && System.nanoTime() - lastConnectFailureNanos <= maxAgeNanos ? failure : null;
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("credentials come from DATABASE_URL");
    }

    void closed(TrackedConnection connection) {
        open.remove(connection);
        metrics.connectionClosed(reasonFor(connection));
    }

    private String reasonFor(TrackedConnection connection) {
        if (mode == PoolMode.DIRECT) {
            return PoolMetrics.DIRECT;
        }
        // Broken first: the connection that made us evict all the others is itself broken, not evicted.
        if (connection.broken()) {
            return PoolMetrics.BROKEN;
        }
        if (connection.retireReason() != null) {
            return connection.retireReason();
        }
        if (shuttingDown) {
            return PoolMetrics.SHUTDOWN;
        }
        // HikariCP shortens each connection's lifetime by up to 2.5 % (its own jitter, so connections do not all
        // retire together), and its housekeeper retires idle connections on a 30 s beat: allow for both.
        if (maxLifetimeNanos > 0 && connection.ageNanos() >= maxLifetimeNanos * 97 / 100) {
            return PoolMetrics.MAX_LIFETIME;
        }
        if (idleTimeoutNanos > 0 && connection.idleNanos() >= idleTimeoutNanos * 9 / 10) {
            return PoolMetrics.IDLE;
        }
        // HikariCP closes a connection on its own otherwise only when it failed validation or threw a
        // connection-class SQLSTATE, which it may do before our caller has marked it broken.
        return PoolMetrics.BROKEN;
    }

    void shuttingDown() {
        shuttingDown = true;
    }

    /** Marks the connections open now (not those opened later) as evicted, for when they are closed. */
    void evictionRequested() {
        open.forEach(connection -> connection.retire(PoolMetrics.EVICTED));
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // HikariCP logs through SLF4J; nothing to do.
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // Set through the driver properties instead, so every connection gets the same value.
    }

    @Override
    public int getLoginTimeout() {
        return Integer.parseInt(properties.getProperty("loginTimeout", "0"));
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper for " + iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
