package io.tradingdesk.db.internal;

import com.zaxxer.hikari.metrics.IMetricsTracker;
import com.zaxxer.hikari.metrics.PoolStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * HikariCP's meters under HikariCP's own names ({@code hikaricp.connections}, {@code .idle}, {@code .active},
 * {@code .pending}, {@code .min}, {@code .max}, {@code .usage}, {@code .creation}, {@code .timeout}; tag
 * {@code pool}), which the dashboards read, with one difference from HikariCP's Micrometer tracker: the time to
 * acquire a connection is recorded once, by the pool, in its {@code db.pool.acquire} histogram
 * ({@link PoolMetrics}), instead of in a second timer with its own sliding percentiles on every borrow. The usage and creation timers keep
 * count, sum and max only. Thread-safe.
 */
final class HikariMeters implements IMetricsTracker {
    private final MeterRegistry registry;
    private final Timer usage;
    private final Timer creation;
    private final Counter timeouts;
    private final List<Meter> meters = new ArrayList<>();

    HikariMeters(MeterRegistry registry, String poolName, PoolStats stats) {
        this.registry = registry;
        gauge("hikaricp.connections", "Total connections", stats, PoolStats::getTotalConnections, poolName);
        gauge("hikaricp.connections.idle", "Idle connections", stats, PoolStats::getIdleConnections, poolName);
        gauge("hikaricp.connections.active", "Active connections", stats, PoolStats::getActiveConnections, poolName);
        gauge("hikaricp.connections.pending", "Pending threads", stats, PoolStats::getPendingThreads, poolName);
        gauge("hikaricp.connections.max", "Max connections", stats, PoolStats::getMaxConnections, poolName);
        gauge("hikaricp.connections.min", "Min connections", stats, PoolStats::getMinConnections, poolName);
        usage = Timer.builder("hikaricp.connections.usage").description("Connection usage time")
                .tag("pool", poolName).register(registry);
        creation = Timer.builder("hikaricp.connections.creation").description("Connection creation time")
                .tag("pool", poolName).register(registry);
        timeouts = Counter.builder("hikaricp.connections.timeout").description("Connection timeout total count")
                .tag("pool", poolName).register(registry);
        meters.addAll(List.of(usage, creation, timeouts));
    }

    private void gauge(String name, String description, PoolStats stats, ToDoubleFunction<PoolStats> value,
                       String poolName) {
        meters.add(Gauge.builder(name, stats, value).description(description).tag("pool", poolName)
                .strongReference(true).register(registry));
    }

    /** Not kept: the pool records the whole wait (its fair gate and HikariCP) in {@code db.pool.acquire}. */
    @Override
    public void recordConnectionAcquiredNanos(long elapsedAcquiredNanos) {
        // see PooledSource.borrow
    }

    @Override
    public void recordConnectionUsageMillis(long elapsedBorrowedMillis) {
        usage.record(elapsedBorrowedMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void recordConnectionCreatedMillis(long connectionCreatedMillis) {
        creation.record(connectionCreatedMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void recordConnectionTimeout() {
        timeouts.increment();
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
