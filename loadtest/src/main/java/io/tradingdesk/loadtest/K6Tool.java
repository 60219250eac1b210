package io.tradingdesk.loadtest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * k6 running the project's own scripts ({@code loadtest/k6/*.js}) with BASE_URL, VUS, DURATION, OUT_DIR and
 * {@code WARMUP=0s} in the environment: the script's own constant-VUs scenario, without its warm-up (the benchmark
 * warms the server itself); reads the JSON summary the scripts' {@code handleSummary} writes. Latencies are those
 * of the workload's request class in the measured scenario ({@code http_req_duration{kind:...,phase:measure}}), so
 * setup()'s seeding is left out. A threshold failure (exit 99) still yields numbers; they are reported, not judged,
 * here.
 */
final class K6Tool implements LoadTool {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The part of k6's end-of-test summary (what handleSummary gets, written unchanged) that the report uses. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Summary(Map<String, Metric> metrics) {

        /** A metric's aggregated values: avg, med, p(95), count, passes, ...; NaN for one k6 did not compute. */
        @JsonIgnoreProperties(ignoreUnknown = true)
        record Metric(Map<String, Double> values) {
            double value(String name) {
                Double v = values == null ? null : values.get(name);
                return v == null ? Double.NaN : v;
            }
        }

        /** The named metric, or one without values when the summary has none of that name. */
        Metric metric(String name) {
            Metric m = metrics == null ? null : metrics.get(name);
            return m == null ? new Metric(Map.of()) : m;
        }

        boolean has(String name) {
            return metrics != null && metrics.containsKey(name);
        }
    }

    private final Path k6;
    private final Path scripts;
    private final Path workDir;

    /** {@code scripts} is the folder of the k6 scripts, {@code loadtest/k6}; k6 runs in it. */
    K6Tool(Path k6, Path scripts, Path workDir) {
        this.k6 = k6;
        this.scripts = scripts;
        this.workDir = workDir;
    }

    @Override
    public String name() {
        return exec(List.of(k6.toString(), "version"), Duration.ofSeconds(10), workDir).lines().findFirst()
                .orElse("k6").strip();
    }

    @Override
    public LoadResult run(URI baseUri, Workload workload, Dataset data, int concurrency, Duration duration) {
        String script = workload.k6Script();
        String name = script.replace(".js", "");
        Path out = workDir.resolve("k6-" + name + "-" + concurrency);
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String d = duration.toSeconds() + "s";
        exec(List.of(k6.toString(), "run", "--quiet", "-e", "WARMUP=0s",
                        "-e", "BASE_URL=" + baseUri, "-e", "VUS=" + concurrency, "-e", "DURATION=" + d,
                        "-e", "OUT_DIR=" + out.toAbsolutePath(), "-e", "INSTRUMENTS=" + data.instruments(),
                        scripts.resolve(script).toString()),
                duration.plusMinutes(6), scripts);
        Path summary = out.resolve(name + ".json");
        try {
            return parse(concurrency, workload, JSON.readValue(summary.toFile(), Summary.class), duration);
        } catch (IOException e) {
            throw new UncheckedIOException("k6 wrote no readable summary " + summary + ": " + e.getMessage(), e);
        }
    }

    static LoadResult parse(int concurrency, Workload workload, Summary summary, Duration duration) {
        String kind = switch (workload) {
            case SIMPLE, POINT -> "simple";
            case WRITE -> "write";
            case COMPLEX -> "complex";
        };
        String byKind = "http_req_duration{kind:" + kind + ",phase:measure}";
        Summary.Metric latency = summary.metric(summary.has(byKind) ? byKind : "http_req_duration");
        long iterations = (long) summary.metric("iterations").value("count");
        long failed = (long) summary.metric("http_req_failed").value("passes");
        Map<String, Long> failures = new TreeMap<>();
        if (failed > 0) {
            failures.put("http_req_failed", failed);
        }
        double seconds = duration.toNanos() / 1e9;
        return new LoadResult(concurrency, iterations, failed, failures, duration, iterations / seconds,
                latency.value("avg"), latency.value("med"), latency.value("p(95)"), latency.value("p(99)"),
                latency.value("min"), latency.value("max"));
    }

    private static String exec(List<String> cmd, Duration timeout, Path dir) {
        return Command.run(new ProcessBuilder(cmd).directory(dir.toFile()), timeout).output();
    }
}
