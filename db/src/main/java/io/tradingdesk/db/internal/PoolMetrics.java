package io.tradingdesk.db.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The pool's own counters, kept in LongAdders (cheap under contention) and published as Micrometer meters that share
 * the {@code db.pool} prefix and a {@code pool} tag; HikariCP's tracker adds its {@code hikaricp.connections.*}
 * meters beside them. Thread-safe.
 */
public final class PoolMetrics {
    public static final String MAX_LIFETIME = "max_lifetime";
    public static final String IDLE = "idle";
    public static final String MAX_QUERIES = "max_queries";
    public static final String BROKEN = "broken";
    public static final String EVICTED = "evicted";
    public static final String SHUTDOWN = "shutdown";
    public static final String DIRECT = "direct";
    private static final Duration[] ACQUIRE_BUCKETS = {
            Duration.ofNanos(10_000), Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000),
            Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
            Duration.ofSeconds(5), Duration.ofSeconds(10)};
    static final List<String> CLOSE_REASONS = List.of(MAX_LIFETIME, IDLE, MAX_QUERIES, BROKEN, EVICTED, SHUTDOWN, DIRECT);

    private final LongAdder acquisitions = new LongAdder();
    private final LongAdder acquireTimeouts = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder created = new LongAdder();
    private final LongAdder queries = new LongAdder();
    private final Map<String, LongAdder> closed = new LinkedHashMap<>();
    private final Timer acquireTimer;
    private final MeterRegistry registry;
    private final Tags tags;

    public PoolMetrics(MeterRegistry registry, String poolName) {
        this.registry = registry;
        this.tags = Tags.of("pool", poolName);
        for (String reason : CLOSE_REASONS) {
            var adder = new LongAdder();
            closed.put(reason, adder);
            FunctionCounter.builder("db.pool.connections.closed", adder, LongAdder::sum)
                    .tags(tags).tag("reason", reason)
                    .description("Physical connections closed, by reason").register(registry);
        }
        counter("db.pool.acquisitions", acquisitions, "Connections handed out to callers");
        counter("db.pool.acquire.timeouts", acquireTimeouts, "Callers that got no connection within DB_ACQUIRE_TIMEOUT");
        counter("db.pool.acquire.refused", refused, "Callers refused at once because DB_MAX_WAITING were waiting");
        counter("db.pool.connections.created", created, "Physical connections opened");
        counter("db.pool.queries", queries, "Statements run through the query helpers");
        acquireTimer = Timer.builder("db.pool.acquire")
                .description("Time for a caller to get a connection")
                .tags(tags)
                .publishPercentiles(0.5, 0.95, 0.99)
                .distributionStatisticExpiry(Duration.ofMinutes(1))
                // Cumulative buckets (Prometheus db_pool_acquire_seconds_bucket): the difference of two scrapes gives
                // the distribution of any interval exactly, which the sliding percentiles above cannot.
                .serviceLevelObjectives(ACQUIRE_BUCKETS)
                .register(registry);
        gauge("db.pool.reuse.rate", this, PoolMetrics::reuseRate, "1 - connections created / acquisitions");
    }

    private void counter(String name, LongAdder adder, String description) {
        FunctionCounter.builder(name, adder, LongAdder::sum).tags(tags).description(description).register(registry);
    }

    /** Publishes a gauge under the pool's tags; the object is held strongly so the gauge never goes stale. */
    public <T> void gauge(String name, T state, ToDoubleFunction<T> value, String description) {
        Gauge.builder(name, state, value).tags(tags).description(description).strongReference(true).register(registry);
    }

    void connectionCreated() {
        created.increment();
    }

    void connectionClosed(String reason) {
        closed.get(reason).increment();
    }

    void acquired(long nanos) {
        acquisitions.increment();
        acquireTimer.record(nanos, TimeUnit.NANOSECONDS);
    }

    void acquireTimedOut() {
        acquireTimeouts.increment();
    }

    void refused() {
        refused.increment();
    }

    public void queryServed() {
        queries.increment();
    }

    public long acquisitions() {
        return acquisitions.sum();
    }

    public long acquireTimeouts() {
        return acquireTimeouts.sum();
    }

    public long refusedCount() {
        return refused.sum();
    }

    public long created() {
        return created.sum();
    }

    public long queries() {
        return queries.sum();
    }

    public Map<String, Long> closedByReason() {
        var out = new LinkedHashMap<String, Long>();
        closed.forEach((reason, adder) -> out.put(reason, adder.sum()));
        return out;
    }

    public long closedTotal() {
        return closed.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public double reuseRate() {
        long acquired = acquisitions.sum();
        return acquired == 0 ? 0.0 : Math.max(0.0, 1.0 - (double) created.sum() / acquired);
    }

    /** Acquire-time percentiles in milliseconds: p50, p95, p99 (0 when nothing was recorded in the window). */
    public double[] acquirePercentilesMillis() {
        var out = new double[3];
        ValueAtPercentile[] values = acquireTimer.takeSnapshot().percentileValues();
        for (int i = 0; i < values.length && i < 3; i++) {
            out[i] = values[i].value(TimeUnit.MILLISECONDS);
        }
        return out;
    }
}
