package io.tradingdesk.api.http;

import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs once per finished request (Javalin's request logger, so also for 404s and mapped errors): records the
 * {@code http.server.requests} timer tagged with method, route template and status, and writes one DEBUG line.
 * Routes are templates ({@code /api/research/{id}}), never raw paths, so ids cannot explode the series count;
 * requests no route matched share the route {@code unmatched}.
 *
 * <p>The timer has cumulative buckets ({@code http_server_requests_seconds_bucket}), from which the Prometheus
 * rules and the dashboard in {@code deploy/} compute per-route percentiles; the alert and k6 thresholds (0.1, 0.5,
 * 1 s) sit on bucket edges, so "p99 above the threshold" is exact there. The edges reach past the default
 * {@code DB_COMMAND_TIMEOUT} (60 s). Each route finds its timer for a status by an array index, with no key built
 * per request. Thread-safe.
 */
public final class RequestMetrics {
    private static final String ROUTE = "tradingdesk.route";
    private static final String UNMATCHED = "unmatched";
    private static final Logger LOG = LoggerFactory.getLogger("io.tradingdesk.api.requests");
    private static final Duration[] EDGES = {
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(60)};

    private final MeterRegistry registry;
    // Requests no route matched (404, 405, Jetty's own refusals): by method and status, rare enough for a map.
    private final ConcurrentMap<String, Timer> unmatched = new ConcurrentHashMap<>();

    public RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The timers of one route, one per status, made on first use. */
    public final class Route {
        private final String method;
        private final String path;
        private final AtomicReferenceArray<Timer> byStatus = new AtomicReferenceArray<>(600);

        private Route(String method, String path) {
            this.method = method;
            this.path = path;
        }

        /** Marks {@code ctx} as served by this route, for {@link #record}. */
        public void matched(Context ctx) {
            ctx.attribute(ROUTE, this);
        }

        private Timer timer(int status) {
            if (status < 0 || status >= byStatus.length()) {
                return newTimer(method, path, status);
            }
            Timer timer = byStatus.get(status);
            if (timer == null) {
                timer = newTimer(method, path, status);
                byStatus.compareAndSet(status, null, timer);
            }
            return timer;
        }
    }

    /** The timers of {@code method path}; create one per route at start-up. */
    public Route route(String method, String path) {
        return new Route(method, path);
    }

    public void record(Context ctx, Float millis) {
        Route route = ctx.attribute(ROUTE);
        int status = ctx.statusCode();
        long nanos = (long) (millis * 1_000_000L);
        String method = ctx.method().name();
        if (route != null) {
            route.timer(status).record(nanos, TimeUnit.NANOSECONDS);
        } else {
            unmatched.computeIfAbsent(method + ' ' + status, key -> newTimer(method, UNMATCHED, status))
                    .record(nanos, TimeUnit.NANOSECONDS);
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} {} {} ms", method, route == null ? UNMATCHED : route.path, status,
                    String.format("%.1f", millis));
        }
    }

    private Timer newTimer(String method, String path, int status) {
        // Registration returns the existing timer for the same tags: racing first requests share one.
        return Timer.builder("http.server.requests")
                .description("HTTP requests by method, route template and status")
                .tag("method", method)
                .tag("route", path)
                .tag("status", Integer.toString(status))
                .serviceLevelObjectives(EDGES)
                .register(registry);
    }
}
