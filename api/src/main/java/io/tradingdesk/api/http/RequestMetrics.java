package io.tradingdesk.api.http;

import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs once per finished request (Javalin's request logger, so also for 404s and mapped errors): records the
 * {@code http.server.requests} timer tagged with method, route template and status, and writes one DEBUG line.
 * Routes are templates ({@code /api/research/{id}}), never raw paths, so ids cannot explode the series count;
 * requests no route matched share the route {@code unmatched}. Thread-safe.
 */
public final class RequestMetrics {
    /** Context attribute holding the matched route template, set by the route wrapper. */
    public static final String ROUTE = "tradingdesk.route";
    private static final String UNMATCHED = "unmatched";
    private static final Logger LOG = LoggerFactory.getLogger("io.tradingdesk.api.requests");

    private final MeterRegistry registry;
    // Timer.builder(...).register() allocates an id per call; the set of (method, route, status) is small and fixed.
    private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();

    public RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void record(Context ctx, Float millis) {
        String route = ctx.attribute(ROUTE);
        if (route == null) {
            route = UNMATCHED;
        }
        String method = ctx.method().name();
        int status = ctx.statusCode();
        String finalRoute = route;
        timers.computeIfAbsent(method + ' ' + route + ' ' + status, key -> Timer.builder("http.server.requests")
                        .description("HTTP requests by method, route template and status")
                        .tag("method", method)
                        .tag("route", finalRoute)
                        .tag("status", Integer.toString(status))
                        .register(registry))
                .record((long) (millis * 1_000_000L), TimeUnit.NANOSECONDS);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} {} {} ms", method, route, status, String.format("%.1f", millis));
        }
    }
}
