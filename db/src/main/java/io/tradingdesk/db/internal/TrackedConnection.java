package io.tradingdesk.db.internal;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One physical connection with the bookkeeping HikariCP does not expose: how many statements it has served (for
 * DB_MAX_QUERIES; HikariCP hands out a new proxy on every borrow, so counting lives with the physical connection),
 * why it was finally closed, which statement is running and by when it must finish (the {@link Watchdog} cancels it
 * after that), and who borrowed it when (for leak reports). Reached through
 * {@code connection.unwrap(TrackedConnection.class)}, which HikariCP's proxy forwards to us.
 *
 * <p>The borrowing thread writes the per-use fields; the watchdog only reads them (and cancels). Everything it reads
 * is volatile; each field is written by one thread at a time.
 */
public final class TrackedConnection extends DelegatingConnection {
    private final PhysicalConnections owner;
    private final long createdNanos = System.nanoTime();
    private final AtomicLong statements = new AtomicLong();
    private volatile long lastReturnedNanos = createdNanos;
    private volatile String retireReason;
    private volatile boolean broken;
    private volatile boolean closed;

    // The statement in flight, its deadline (System.nanoTime) and whether it was cancelled, read by the watchdog.
    private volatile Statement running;
    private volatile long deadlineNanos;
    private volatile boolean cancelSent;
    // The borrower and since when (0 = in the pool), read by the watchdog for leak reports.
    private volatile Thread borrower;
    private volatile long lentNanos;
    private volatile boolean leakReported;

    TrackedConnection(Connection physical, PhysicalConnections owner) {
        super(physical);
        this.owner = owner;
    }

    /** The bookkeeping of a connection from the pool or from direct mode, or {@code null} for a foreign one. */
    public static TrackedConnection of(Connection connection) {
        if (connection instanceof TrackedConnection tracked) {
            return tracked;
        }
        try {
            return connection.unwrap(TrackedConnection.class);
        } catch (SQLException | RuntimeException e) {
            return null;
        }
    }

    public long statements() {
        return statements.get();
    }

    long ageNanos() {
        return System.nanoTime() - createdNanos;
    }

    long idleNanos() {
        return System.nanoTime() - lastReturnedNanos;
    }

    /** The caller on {@code thread} has it from now on. */
    void lent(Thread thread) {
        borrower = thread;
        lentNanos = System.nanoTime();
    }

    /** Back in the pool; returns whether a leak had been reported for this loan. */
    boolean returned() {
        long now = System.nanoTime();
        lastReturnedNanos = now;
        lentNanos = 0;
        borrower = null;
        boolean reported = leakReported;
        leakReported = false;
        return reported;
    }

    /** {@code statement} runs now and must finish within {@code timeoutNanos}; the watchdog cancels it otherwise. */
    public void statementStarted(Statement statement, long timeoutNanos) {
        deadlineNanos = System.nanoTime() + timeoutNanos;
        cancelSent = false;
        running = statement;
    }

    /** The statement of {@link #statementStarted} finished (or failed): nothing to cancel. */
    public void statementFinished() {
        running = null;
    }

    /** The statement running past its deadline at {@code now} and not cancelled yet, or {@code null}. */
    Statement toCancel(long now) {
        Statement statement = running;
        if (statement != null && !cancelSent && now - deadlineNanos > 0) {
            cancelSent = true;
            return statement;
        }
        return null;
    }

    /**
     * Whether the statement still runs {@code graceNanos} after its deadline although it was cancelled: the server
     * or the network no longer answers, and only closing the socket frees the caller. Answers true once.
     */
    boolean toAbort(long now, long graceNanos) {
        Statement statement = running;
        if (statement != null && cancelSent && now - deadlineNanos - graceNanos > 0) {
            running = null;
            return true;
        }
        return false;
    }

    /** The borrower, when the connection has been lent for longer than {@code thresholdNanos} and not reported. */
    Thread leakedBy(long now, long thresholdNanos) {
        long since = lentNanos;
        Thread thread = borrower;
        if (since != 0 && thread != null && !leakReported && now - since > thresholdNanos) {
            leakReported = true;
            return thread;
        }
        return null;
    }

    long lentNanos() {
        return lentNanos;
    }

    /** Records why this connection is being closed on purpose; the first reason given wins. */
    void retire(String reason) {
        if (retireReason == null) {
            retireReason = reason;
        }
    }

    String retireReason() {
        return retireReason;
    }

    /** Marks the connection as broken, seen by a caller through a connection-class SQLSTATE. */
    public void markBroken() {
        broken = true;
    }

    boolean broken() {
        return broken;
    }

    @Override
    public Statement createStatement() throws SQLException {
        statements.incrementAndGet();
        return delegate.createStatement();
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        statements.incrementAndGet();
        return delegate.prepareStatement(sql);
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        statements.incrementAndGet();
        return delegate.prepareCall(sql);
    }

    @Override
    public Statement createStatement(int type, int concurrency) throws SQLException {
        statements.incrementAndGet();
        return delegate.createStatement(type, concurrency);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency) throws SQLException {
        statements.incrementAndGet();
        return delegate.prepareStatement(sql, type, concurrency);
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency) throws SQLException {
        statements.incrementAndGet();
        return delegate.prepareCall(sql, type, concurrency);
    }

    @Override
    public Statement createStatement(int type, int concurrency, int holdability) throws SQLException {
        statements.incrementAndGet();
        return delegate.createStatement(type, concurrency, holdability);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability)
            throws SQLException {
        statements.incrementAndGet();
        return delegate.prepareStatement(sql, type, concurrency, holdability);
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency, int holdability) throws SQLException {
        statements.incrementAndGet();
        return delegate.prepareCall(sql, type, concurrency, holdability);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        statements.incrementAndGet();
        return delegate.prepareStatement(sql, autoGeneratedKeys);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        statements.incrementAndGet();
        return delegate.prepareStatement(sql, columnIndexes);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        statements.incrementAndGet();
        return delegate.prepareStatement(sql, columnNames);
    }

    @Override
    public void close() throws SQLException {
        closedOnce();
        delegate.close();
    }

    /** HikariCP aborts (rather than closes) connections still lent out when its shutdown gives up on them. */
    @Override
    public void abort(Executor executor) throws SQLException {
        closedOnce();
        delegate.abort(executor);
    }

    private void closedOnce() {
        if (!closed) {
            closed = true;
            running = null;
            owner.closed(this);
        }
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }

    @Override
    public String toString() {
        return "TrackedConnection[" + delegate + "]";
    }
}
