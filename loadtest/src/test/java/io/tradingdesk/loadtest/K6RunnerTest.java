package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tradingdesk.loadtest.K6Scenario.ConstantArrivalRate;
import io.tradingdesk.loadtest.K6Scenario.ConstantVus;
import io.tradingdesk.loadtest.K6Scenario.SharedIterations;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Java runner of the k6 scenarios against a tiny in-process server that is slow while "cold": the warm-up's
 * requests are tagged and left out of the thresholds exactly as k6 leaves them out, and the executors keep k6's
 * counts (shared iterations, dropped arrivals).
 */
class K6RunnerTest {

    private static final String LATEST = "{\"items\":[" + String.join(",", Collections.nCopies(10,
            "{\"id\":1,\"symbol\":\"LTAAA\",\"createdAt\":\"2026-01-01T00:00:00Z\"}")) + "]}";

    private HttpServer server;
    private URI base;
    private final AtomicInteger coldAnswers = new AtomicInteger();
    private final AtomicInteger served = new AtomicInteger();
    private volatile int delayMillis;
    private volatile String body = LATEST;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/api/research/latest", ex -> {
            served.incrementAndGet();
            sleep(coldAnswers.getAndDecrement() > 0 ? 1_000 : delayMillis);
            respond(ex, body);
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void the_cold_warm_up_is_tagged_and_left_out_of_the_measured_thresholds() {
        // The server's first 8 answers take a second each (a cold JIT, an empty cache): 4 VUs use them up within
        // the 2 s warm-up, whose graceful stop lets the last ones finish; the measured scenario gets fast answers.
        coldAnswers.set(8);
        var warmup = new K6Scenario("warmup", new ConstantVus(4, Duration.ofSeconds(2), Duration.ofMillis(1_500)),
                Duration.ZERO, "default", K6Scenario.WARMUP);
        var measured = new K6Scenario("simple_reads", new ConstantVus(4, Duration.ofMillis(500), Duration.ofSeconds(1)),
                Duration.ofMillis(3_500), "default", K6Scenario.MEASURE);
        var iterations = new K6Iterations(new Dataset(1, 10, 10, 1, 1));
        var runner = new K6Runner(base, exec -> iterations.simpleReads(), line -> { });

        K6Metrics metrics = runner.run(List.of(warmup, measured));

        var onMeasured = K6Threshold.parse("http_req_duration{kind:simple,phase:measure}", "max<500").judge(metrics);
        var onAll = K6Threshold.parse("http_req_duration{kind:simple}", "max<500").judge(metrics);
        var checks = K6Threshold.parse("checks{phase:measure}", "rate>0.999").judge(metrics);
        var failed = K6Threshold.parse("http_req_failed{phase:measure}", "rate==0").judge(metrics);
        long warm = metrics.aggregate("http_reqs", Map.of("phase", "warmup")).count();
        long measuredRequests = metrics.aggregate("http_reqs", Map.of("phase", "measure")).count();

        assertThat(warm).isGreaterThanOrEqualTo(8);
        assertThat(measuredRequests).isPositive();
        assertThat(onMeasured.samples()).isEqualTo(measuredRequests);
        assertThat(onMeasured.passed()).as("measured max %s ms", onMeasured.observed()).isTrue();
        assertThat(onAll.observed()).as("the warm-up's slow answers").isGreaterThanOrEqualTo(1_000);
        assertThat(onAll.passed()).isFalse();
        assertThat(checks.passed()).isTrue();
        assertThat(failed.passed()).isTrue();
        assertThat(runner.scenarioRuns()).containsOnlyKeys("warmup", "simple_reads");
        assertThat(runner.scenarioRuns().get("simple_reads").started()).isGreaterThanOrEqualTo(Duration.ofMillis(3_500));
    }

    @Test
    void shared_iterations_make_exactly_their_requests_and_a_wrong_answer_fails_the_checks() {
        body = "{\"items\":[]}";
        var round = new K6Scenario("round_1", new SharedIterations(10, 100, Duration.ofSeconds(10),
                Duration.ofSeconds(1)), Duration.ZERO, "default", K6Scenario.MEASURE);
        var iterations = new K6Iterations(new Dataset(1, 10, 10, 1, 1));
        var runner = new K6Runner(base, exec -> iterations.simpleReads(), line -> { });

        K6Metrics metrics = runner.run(List.of(round));

        assertThat(K6Threshold.parse("http_reqs{scenario:round_1}", "count>=100").judge(metrics).observed())
                .isEqualTo(100);
        assertThat(served.get()).isEqualTo(100);
        var checks = K6Threshold.parse("checks{phase:measure}", "rate>0.999").judge(metrics);
        assertThat(checks.passed()).isFalse();
        assertThat(checks.observed()).isEqualTo(0.5);
        assertThat(runner.scenarioRuns().get("round_1").iterations()).isEqualTo(100);
    }

    @Test
    void an_arrival_that_finds_no_free_vu_is_dropped_and_counted_under_the_scenario_name() {
        delayMillis = 200;
        var rate = new K6Scenario("sustained_rate", new ConstantArrivalRate(50, Duration.ofSeconds(1), 1, 2,
                Duration.ofSeconds(1)), Duration.ZERO, "default", K6Scenario.MEASURE);
        var iterations = new K6Iterations(new Dataset(1, 10, 10, 1, 1));
        var runner = new K6Runner(base, exec -> iterations.latestNotes(), line -> { });

        K6Metrics metrics = runner.run(List.of(rate));

        var dropped = K6Threshold.parse("dropped_iterations{scenario:sustained_rate}", "count==0").judge(metrics);
        assertThat(dropped.passed()).isFalse();
        // 50 arrivals in 1 s, 2 VUs busy 200 ms each: about 10 served, the rest dropped
        assertThat(dropped.observed()).isBetween(25.0, 48.0);
        assertThat(runner.scenarioRuns().get("sustained_rate").dropped()).isEqualTo((long) dropped.observed());
        assertThat(served.get() + (long) dropped.observed()).isEqualTo(50);
    }

    private static void respond(HttpExchange ex, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, bytes.length);
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
