package io.tradingdesk.app.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tradingdesk.app.AppProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (the distribution's {@code /usr/bin/prometheus}, or {@code PROMETHEUS_BINARY}) on a free port of
 * 127.0.0.1 with its data in a temporary directory, scraping one target every second and evaluating the given rule
 * file every second; and the few calls of its HTTP API the tests need. Not thread-safe; one per test.
 */
final class PrometheusServer implements AutoCloseable {
    static final Path DEFAULT_BINARY = Path.of("/usr/bin/prometheus");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One active alert as /api/v1/alerts lists it: state is "pending" or "firing". */
    record Alert(String name, String state, Map<String, String> labels) {
    }

    /** One series of a range query: its labels and its (unix seconds, value) samples. */
    record Series(Map<String, String> labels, List<double[]> samples) {
    }

    private final Process process;
    private final Path log;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    /** The binary to run: PROMETHEUS_BINARY if set, else Debian's /usr/bin/prometheus. */
    static Path binary() {
        String configured = System.getenv("PROMETHEUS_BINARY");
        return configured != null && !configured.isBlank() ? Path.of(configured) : DEFAULT_BINARY;
    }

    /**
     * Starts Prometheus in {@code directory} (configuration, TSDB and log go there) scraping {@code target}
     * ("127.0.0.1:port") as job "trading-desk", with {@code rules} as its only rule file, both every second; waits
     * until it is ready.
     */
    static PrometheusServer start(Path directory, String target, Path rules, Duration readyTimeout)
            throws IOException, InterruptedException {
        int port = AppProcess.freePort();
        Path config = directory.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: trading-desk
                    metrics_path: /metrics
                    static_configs:
                      - targets: ['%s']
                """.formatted(rules.toAbsolutePath(), target));
        Path log = directory.resolve("prometheus.log");
        Process process = new ProcessBuilder(binary().toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + directory.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        var server = new PrometheusServer(process, log, port);
        server.awaitReady(readyTimeout);
        return server;
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("prometheus exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // keep polling
            }
            Thread.sleep(100);
        }
        throw new AssertionError("prometheus not ready within " + timeout + ":\n" + log());
    }

    /** Waits until the target's last scrape succeeded. */
    void awaitTargetUp(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String health = "none";
        while (System.nanoTime() < deadline) {
            JsonNode targets = api("/api/v1/targets?state=active").path("activeTargets");
            health = targets.isEmpty() ? "none" : targets.get(0).path("health").asText();
            if (health.equals("up")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("target not scraped within " + timeout + " (health " + health + "):\n" + log());
    }

    /** The active (pending or firing) alerts. */
    List<Alert> alerts() throws IOException, InterruptedException {
        var out = new ArrayList<Alert>();
        for (JsonNode alert : api("/api/v1/alerts").path("alerts")) {
            Map<String, String> labels = strings(alert.path("labels"));
            out.add(new Alert(labels.get("alertname"), alert.path("state").asText(), labels));
        }
        return out;
    }

    /** The state of alert {@code name} ("pending", "firing"), or "inactive" when it is not active. */
    String alertState(String name) throws IOException, InterruptedException {
        String state = "inactive";
        for (Alert alert : alerts()) {
            if (alert.name().equals(name) && !state.equals("firing")) {
                state = alert.state();
            }
        }
        return state;
    }

    /** A range query from {@code start} to {@code end} (unix seconds) at {@code step} seconds. */
    List<Series> queryRange(String expr, double start, double end, double step) throws IOException, InterruptedException {
        JsonNode data = api("/api/v1/query_range?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)
                + "&start=" + String.format(Locale.ROOT, "%.3f", start)
                + "&end=" + String.format(Locale.ROOT, "%.3f", end)
                + "&step=" + String.format(Locale.ROOT, "%.3f", step));
        var out = new ArrayList<Series>();
        for (JsonNode series : data.path("result")) {
            var samples = new ArrayList<double[]>();
            for (JsonNode sample : series.path("values")) {
                samples.add(new double[] {sample.get(0).asDouble(), Double.parseDouble(sample.get(1).asText())});
            }
            out.add(new Series(strings(series.path("metric")), samples));
        }
        return out;
    }

    /** An instant query's result; fails with Prometheus's error message for invalid PromQL. */
    JsonNode query(String expr) throws IOException, InterruptedException {
        return api("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)).path("result");
    }

    private JsonNode api(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = get(pathAndQuery);
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200 || !body.path("status").asText().equals("success")) {
            throw new AssertionError("prometheus " + pathAndQuery + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return body.path("data");
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(5)).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, String> strings(JsonNode object) {
        var out = new LinkedHashMap<String, String>();
        object.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    @Override
    public void close() throws InterruptedException {
        http.close();
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
