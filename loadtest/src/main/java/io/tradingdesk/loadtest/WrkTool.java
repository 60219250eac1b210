package io.tradingdesk.loadtest;

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
        var cmd = new ArrayList<>(List.of(wrk.toString(), "-t", Integer.toString(Math.min(2, concurrency)),
                "-c", Integer.toString(concurrency), "-d", duration.toSeconds() + "s", "--latency",
                "--timeout", "30s", "-s", scripts.resolve(workload.wrkScript()).toString(),
                baseUri + workload.urlPath()));
        String[] args = workload.wrkArgs(data);
        if (args.length > 0) {
            cmd.add("--");
            cmd.addAll(List.of(args));
        }
        String out = exec(cmd, duration.plusSeconds(60));
        String line = out.lines().filter(l -> l.startsWith(MARKER)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + MARKER.strip() + " line from wrk:\n" + out));
        return parse(concurrency, Json.parse(line.substring(MARKER.length())));
    }

    /** Maps the done() summary onto a LoadResult; transport errors are counted by kind, statuses by code. */
    static LoadResult parse(int concurrency, Object json) {
        long requests = (long) Json.number(json, "requests");
        Map<String, Long> failures = new TreeMap<>();
        for (String kind : List.of("connect", "read", "write", "timeout")) {
            long n = (long) Json.number(json, "errors." + kind);
            if (n > 0) {
                failures.put(kind, n);
            }
        }
        if (Json.at(json, "statuses") instanceof Map<?, ?> statuses) {
            statuses.forEach((code, n) -> failures.put(String.valueOf(code), ((Number) n).longValue()));
        }
        double seconds = Json.number(json, "durationMicros") / 1e6;
        return new LoadResult(concurrency, requests, failures.values().stream().mapToLong(Long::longValue).sum(),
                failures, Duration.ofNanos((long) (seconds * 1e9)), seconds > 0 ? requests / seconds : 0,
                Json.number(json, "latencyMicros.mean") / MICROS_PER_MILLI,
                Json.number(json, "latencyMicros.p50") / MICROS_PER_MILLI,
                Json.number(json, "latencyMicros.p95") / MICROS_PER_MILLI,
                Json.number(json, "latencyMicros.p99") / MICROS_PER_MILLI,
                Json.number(json, "latencyMicros.min") / MICROS_PER_MILLI,
                Json.number(json, "latencyMicros.max") / MICROS_PER_MILLI);
    }

    private static String exec(List<String> cmd, Duration timeout) {
        return Command.run(cmd, timeout).output();
    }
}
