package io.tradingdesk.db.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Direct mode: a new physical connection for every borrow, closed on release. The reference report's "before"
 * architecture, with no bound and no queue, so that its costs can be measured as they were. Thread-safe.
 */
public final class DirectSource implements ConnectionSource {
    private final PhysicalConnections physical;
    private final PoolMetrics metrics;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger connecting = new AtomicInteger();

    public DirectSource(PhysicalConnections physical, PoolMetrics metrics) {
        this.physical = physical;
        this.metrics = metrics;
    }

    @Override
    public Connection acquire() {
        long start = System.nanoTime();
        connecting.incrementAndGet();
        try {
            Connection connection = physical.getConnection();
            metrics.acquired(System.nanoTime() - start);
            open.incrementAndGet();
            return connection;
        } catch (SQLException e) {
            throw SqlErrors.translate(e);
        } finally {
            connecting.decrementAndGet();
        }
    }

    @Override
    public Connection acquire(Duration timeout) {
        return acquire();
    }

    @Override
    public void release(Connection connection) {
        open.decrementAndGet();
        try {
            connection.close();
        } catch (SQLException e) {
            // The connection is gone either way; nothing to hand back.
        }
    }

    @Override
    public void evictAll() {
        // Nothing is kept between queries.
    }

    @Override
    public int total() {
        return open.get();
    }

    @Override
    public int active() {
        return open.get();
    }

    @Override
    public int idle() {
        return 0;
    }

    @Override
    public int waiting() {
        return connecting.get();
    }

    @Override
    public void close(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (open.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
