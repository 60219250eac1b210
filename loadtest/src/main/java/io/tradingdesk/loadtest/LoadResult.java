package io.tradingdesk.loadtest;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one load run measured. Latencies are in milliseconds (fractional), throughput in requests per second over
 * {@code elapsed} (first request sent to last response received). Percentiles are nearest-rank over every request,
 * failed ones included. Immutable and thread-safe.
 *
 * @param concurrency concurrent clients (connections)
 * @param requests    requests completed, successful or not
 * @param failed      requests with a non-2xx status or a transport error
 * @param failures    failed requests by status ({@code "503"}) or error ({@code "timeout"}), sorted by key
 * @param elapsed     wall-clock time of the run
 * @param throughput  requests / elapsed seconds
 */
public record LoadResult(int concurrency, long requests, long failed, Map<String, Long> failures, Duration elapsed,
                         double throughput, double avgMillis, double p50Millis, double p95Millis, double p99Millis,
                         double minMillis, double maxMillis) {

    private static final double NANOS_PER_MILLI = 1_000_000.0;

    public LoadResult {
        failures = Map.copyOf(failures);
    }

    /** Computes the statistics from raw latencies in nanoseconds (the array is sorted in place). */
    static LoadResult of(int concurrency, long[] latencyNanos, Map<String, Long> failures, Duration elapsed) {
        Arrays.sort(latencyNanos);
        int n = latencyNanos.length;
        long failed = failures.values().stream().mapToLong(Long::longValue).sum();
        double seconds = elapsed.toNanos() / 1e9;
        if (n == 0) {
            return new LoadResult(concurrency, 0, failed, failures, elapsed, 0, 0, 0, 0, 0, 0, 0);
        }
        double sum = 0;
        for (long v : latencyNanos) {
            sum += v;
        }
        return new LoadResult(concurrency, n, failed, failures, elapsed,
                seconds > 0 ? n / seconds : 0,
                sum / n / NANOS_PER_MILLI,
                percentile(latencyNanos, 50) / NANOS_PER_MILLI,
                percentile(latencyNanos, 95) / NANOS_PER_MILLI,
                percentile(latencyNanos, 99) / NANOS_PER_MILLI,
                latencyNanos[0] / NANOS_PER_MILLI,
                latencyNanos[n - 1] / NANOS_PER_MILLI);
    }

    /** Nearest-rank percentile of a sorted, non-empty array. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    /** Share of failed requests, 0..1. */
    public double failureRate() {
        return requests == 0 ? 0 : (double) failed / requests;
    }

    /** One line for logs and test output. */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "%d clients: %d requests in %.1f s = %.0f req/s, failed %d %s, latency ms avg %.2f p50 %.2f p95 %.2f"
                        + " p99 %.2f min %.2f max %.2f",
                concurrency, requests, elapsed.toNanos() / 1e9, throughput, failed, new TreeMap<>(failures),
                avgMillis, p50Millis, p95Millis, p99Millis, minMillis, maxMillis);
    }
}
