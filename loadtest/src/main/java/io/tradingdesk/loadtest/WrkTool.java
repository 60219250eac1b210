package io.tradingdesk.loadtest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * wrk ({@code -t2 -c<N> -d<D>s --latency}) with the Lua scripts in {@code loadtest/wrk/}; reads the
 * {@code BENCH_JSON} line their {@code done()} prints. Two threads, because the machine the benchmark was sized for
 * has two cores and wrk's threads are event loops, not clients.
 */
final class WrkTool implements LoadTool {

    private static final String MARKER = "BENCH_JSON ";
    private static final double MICROS_PER_MILLI = 1_000.0;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The line {@code done()} in {@code wrk/common.lua} prints after {@value #MARKER}; durations in microseconds. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Summary(long requests, long durationMicros, Errors errors, Map<String, Long> statuses,
                   Latency latencyMicros) {

        /** Transport errors by kind; wrk's own {@code status} count is left out, statuses come from response(). */
        @JsonIgnoreProperties(ignoreUnknown = true)
        record Errors(long connect, long read, long write, long timeout) {
        }

        @JsonIgnoreProperties(ignoreUnknown = true)
        record Latency(double mean, double min, double max, double p50, double p95, double p99) {
        }
    }

    private final Path wrk;
    private final Path scripts;
    private final String version;

    WrkTool(Path wrk, Path scripts) {
        this.wrk = wrk;
        this.scripts = scripts;
        if (!Files.isRegularFile(scripts.resolve("common.lua"))) {
            throw new IllegalStateException("wrk scripts not found in " + scripts.toAbsolutePath());
        }
        String v = exec(List.of(wrk.toString(), "--version"), Duration.ofSeconds(10)).lines().findFirst().orElse("wrk");
        this.version = v.replaceAll("\\s+\\[.*$", "").replaceAll("Copyright.*$", "").strip();
    }

    @Override
    public String name() {
        return version;
    }

    @Override
    public LoadResult run(URI baseUri, Workload workload, Dataset data, int concurrency, Duration duration) {
        return run(baseUri + workload.urlPath(), workload.wrkScript(), workload.wrkArgs(data), concurrency, duration);
    }

    /** A fixed GET with get.lua. */
    @Override
    public LoadResult runPath(URI baseUri, String path, int concurrency, Duration duration) {
        return run(baseUri + path, "get.lua", new String[0], concurrency, duration);
    }

    private LoadResult run(String url, String script, String[] args, int concurrency, Duration duration) {
        var cmd = new ArrayList<>(List.of(wrk.toString(), "-t", Integer.toString(Math.min(2, concurrency)),
                "-c", Integer.toString(concurrency), "-d", duration.toSeconds() + "s", "--latency",
                "--timeout", "30s", "-s", scripts.resolve(script).toString(), url));
        if (args.length > 0) {
            cmd.add("--");
            cmd.addAll(List.of(args));
        }
        String out = exec(cmd, duration.plusSeconds(60));
        String line = out.lines().filter(l -> l.startsWith(MARKER)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + MARKER.strip() + " line from wrk:\n" + out));
        return parse(concurrency, readSummary(line.substring(MARKER.length())));
    }

    static Summary readSummary(String json) {
        try {
            return JSON.readValue(json, Summary.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable " + MARKER.strip() + " line from wrk: " + e.getOriginalMessage()
                    + "\n" + json, e);
        }
    }

    /** Maps the done() summary onto a LoadResult; transport errors are counted by kind, statuses by code. */
    static LoadResult parse(int concurrency, Summary summary) {
        Map<String, Long> failures = new TreeMap<>();
        if (summary.errors() != null) {
            Summary.Errors e = summary.errors();
            addIfAny(failures, "connect", e.connect());
            addIfAny(failures, "read", e.read());
            addIfAny(failures, "write", e.write());
            addIfAny(failures, "timeout", e.timeout());
        }
        if (summary.statuses() != null) {
            failures.putAll(summary.statuses());
        }
        double seconds = summary.durationMicros() / 1e6;
        Summary.Latency latency = summary.latencyMicros() != null ? summary.latencyMicros()
                : new Summary.Latency(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        long requests = summary.requests();
        return new LoadResult(concurrency, requests, failures.values().stream().mapToLong(Long::longValue).sum(),
                failures, Duration.ofNanos((long) (seconds * 1e9)), seconds > 0 ? requests / seconds : 0,
                latency.mean() / MICROS_PER_MILLI, latency.p50() / MICROS_PER_MILLI, latency.p95() / MICROS_PER_MILLI,
                latency.p99() / MICROS_PER_MILLI, latency.min() / MICROS_PER_MILLI, latency.max() / MICROS_PER_MILLI);
    }

    private static void addIfAny(Map<String, Long> failures, String kind, long count) {
        if (count > 0) {
            failures.put(kind, count);
        }
    }

    private static String exec(List<String> cmd, Duration timeout) {
        return Command.run(cmd, timeout).output();
    }
}
