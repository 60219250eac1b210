package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tradingdesk.loadtest.LoadDriver.Request;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The driver against a tiny in-process HTTP server whose answers the tests control. */
class LoadDriverTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer server;
    private URI base;
    private final AtomicInteger served = new AtomicInteger();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/ok", ex -> respond(ex, 200, "{}"));
        server.createContext("/busy", ex -> respond(ex, 503, "{\"error\":\"pool exhausted\"}"));
        server.createContext("/slow", ex -> {
            sleep(20);
            respond(ex, 200, "{}");
        });
        server.createContext("/api/pitches", ex -> respond(ex, validPitch(ex) ? 201 : 422, "{\"id\":1}"));
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void a_request_budget_is_spent_exactly_and_failures_are_counted_by_status() {
        try (var driver = new LoadDriver(base)) {
            var next = new AtomicInteger();
            LoadResult r = driver.run(random -> Request.get(next.getAndIncrement() % 2 == 0 ? "/ok" : "/busy"),
                    20, 1_000L);

            assertThat(r.requests()).isEqualTo(1_000);
            assertThat(served.get()).isEqualTo(1_000);
            assertThat(r.failures()).isEqualTo(Map.of("503", 500L));
            assertThat(r.failed()).isEqualTo(500);
            assertThat(r.failureRate()).isEqualTo(0.5);
            assertThat(r.concurrency()).isEqualTo(20);
            assertThat(r.throughput()).isGreaterThan(0);
        }
    }

    @Test
    void a_timed_run_stops_at_its_deadline() {
        try (var driver = new LoadDriver(base)) {
            LoadResult r = driver.run(random -> Request.get("/ok"), 10, Duration.ofMillis(800));

            assertThat(r.elapsed()).isBetween(Duration.ofMillis(700), Duration.ofMillis(3_000));
            assertThat(r.requests()).isGreaterThan(10);
            assertThat(r.failed()).isZero();
            assertThat(r.throughput()).isCloseTo(r.requests() / (r.elapsed().toNanos() / 1e9),
                    org.assertj.core.data.Percentage.withPercentage(0.01));
        }
    }

    @Test
    void latencies_are_measured_in_milliseconds_and_ordered() {
        try (var driver = new LoadDriver(base)) {
            LoadResult r = driver.run(random -> Request.get("/slow"), 5, 100L);

            assertThat(r.minMillis()).isGreaterThanOrEqualTo(19.0);
            assertThat(r.p50Millis()).isBetween(r.minMillis(), r.p95Millis());
            assertThat(r.p95Millis()).isLessThanOrEqualTo(r.p99Millis());
            assertThat(r.p99Millis()).isLessThanOrEqualTo(r.maxMillis());
            assertThat(r.avgMillis()).isBetween(r.minMillis(), r.maxMillis());
            assertThat(r.maxMillis()).isLessThan(5_000.0);
        }
    }

    @Test
    void transport_errors_count_as_failures_by_exception_name() throws IOException {
        int closedPort;
        try (var s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (var driver = new LoadDriver(URI.create("http://127.0.0.1:" + closedPort))) {
            LoadResult r = driver.run(random -> Request.get("/ok"), 2, 10L);

            assertThat(r.requests()).isEqualTo(10);
            assertThat(r.failed()).isEqualTo(10);
            assertThat(r.failures()).containsOnlyKeys("ConnectException");
        }
    }

    @Test
    void generated_pitches_are_valid_json_with_consistent_prices() {
        try (var driver = new LoadDriver(base)) {
            LoadResult r = driver.run(Workload.pitches(200), 8, 2_000L);

            assertThat(r.requests()).isEqualTo(2_000);
            assertThat(r.failures()).isEmpty();
        }
    }

    /** The body POST /api/pitches takes; an unknown field fails the parse. */
    record Pitch(String symbol, String side, String thesis, double entryPrice, double targetPrice, double stopPrice,
                 double confidence) {
    }

    private boolean validPitch(HttpExchange ex) throws IOException {
        if (!"POST".equals(ex.getRequestMethod())
                || !"application/json".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
            return false;
        }
        Pitch p;
        try {
            p = JSON.readValue(ex.getRequestBody().readAllBytes(), Pitch.class);
        } catch (JsonProcessingException e) {
            return false;
        }
        boolean prices = "buy".equals(p.side()) ? p.stopPrice() < p.entryPrice() && p.entryPrice() < p.targetPrice()
                : "sell".equals(p.side()) && p.targetPrice() < p.entryPrice() && p.entryPrice() < p.stopPrice();
        return prices && p.symbol().matches("LT[A-Z]{3}") && p.confidence() >= 0.5 && p.confidence() < 1
                && !p.thesis().isBlank();
    }

    private void respond(HttpExchange ex, int status, String body) throws IOException {
        served.incrementAndGet();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (var out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
