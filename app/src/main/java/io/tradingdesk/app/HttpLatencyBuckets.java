package io.tradingdesk.app;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;
import java.util.Arrays;

/**
 * Gives the {@code http.server.requests} timer cumulative buckets, exported as
 * {@code http_server_requests_seconds_bucket}: the Prometheus rules and the Grafana dashboard in {@code deploy/}
 * compute per-route p50/p95/p99 from them, which a plain timer (count, sum, max) cannot give. The alert and k6
 * thresholds (0.1, 0.5 and 1 s) sit on bucket edges, so "p99 above the threshold" is exact there, not interpolated.
 * The edges reach past the default {@code DB_COMMAND_TIMEOUT} (60 s). Registered on the registry before the API
 * creates its timers. Stateless and thread-safe.
 */
final class HttpLatencyBuckets implements MeterFilter {
    private static final String HTTP_REQUESTS = "http.server.requests";
    private static final Duration[] EDGES = {
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(60)};
    // Timers take their service-level objectives in nanoseconds.
    private static final double[] EDGES_NANOS = Arrays.stream(EDGES).mapToDouble(Duration::toNanos).toArray();

    @Override
    public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (!id.getName().equals(HTTP_REQUESTS)) {
            return config;
        }
        return DistributionStatisticConfig.builder().serviceLevelObjectives(EDGES_NANOS).build().merge(config);
    }
}
