package io.tradingdesk.db.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps one physical connection so the pool's bookkeeping can see what HikariCP does not expose: how many statements
 * the connection has served (for DB_MAX_QUERIES; HikariCP hands out a new proxy on every borrow, so counting must
 * live with the physical connection) and why it was finally closed. Reached through
 * {@code connection.unwrap(TrackedConnection.class)}, which HikariCP's proxy forwards to us.
 *
 * <p>The borrowing thread updates the counters; HikariCP's hand-off publishes them to the next borrower.
 */
public final class TrackedConnection implements InvocationHandler {
    private final Connection physical;
    private final PhysicalConnections owner;
    private final long createdNanos = System.nanoTime();
    private final AtomicLong statements = new AtomicLong();
    private volatile long lastReturnedNanos = createdNanos;
    private volatile String retireReason;
    private volatile boolean broken;
    private volatile boolean closed;

    private TrackedConnection(Connection physical, PhysicalConnections owner) {
        this.physical = physical;
        this.owner = owner;
    }

    static Connection wrap(Connection physical, PhysicalConnections owner) {
        var handler = new TrackedConnection(physical, owner);
        return (Connection) Proxy.newProxyInstance(TrackedConnection.class.getClassLoader(),
                new Class<?>[] {Connection.class, org.postgresql.PGConnection.class}, handler);
    }

    /** The bookkeeping of a connection from the pool or from direct mode, or {@code null} for a foreign one. */
    public static TrackedConnection of(Connection connection) {
        try {
            return connection.unwrap(TrackedConnection.class);
        } catch (Exception e) {
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

    void returned() {
        lastReturnedNanos = System.nanoTime();
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
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "prepareStatement", "createStatement", "prepareCall" -> statements.incrementAndGet();
            case "unwrap" -> {
                if (args[0] == TrackedConnection.class) {
                    return this;
                }
                if (((Class<?>) args[0]).isInstance(proxy)) {
                    return proxy;
                }
            }
            case "isWrapperFor" -> {
                if (args[0] == TrackedConnection.class || ((Class<?>) args[0]).isInstance(proxy)) {
                    return true;
                }
            }
            // HikariCP aborts (rather than closes) connections still lent out when its shutdown gives up on them.
            case "close", "abort" -> {
                if (!closed) {
                    closed = true;
                    owner.closed(this);
                }
            }
            case "equals" -> {
                return proxy == args[0];
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "toString" -> {
                return "TrackedConnection[" + physical + "]";
            }
            default -> { }
        }
        try {
            return method.invoke(physical, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
