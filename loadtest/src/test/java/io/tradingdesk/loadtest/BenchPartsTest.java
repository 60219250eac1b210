package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The benchmark's small parts: statistics, benchmark.json's format, the wrk and k6 summaries, request factories. */
class BenchPartsTest {

    @Test
    void percentiles_are_nearest_rank() {
        long[] latencies = new long[100];
        for (int i = 0; i < 100; i++) {
            latencies[i] = (100 - i) * 1_000_000L; // 100 ms down to 1 ms, unsorted on purpose
        }
        LoadResult r = LoadResult.of(4, latencies, Map.of(), Duration.ofSeconds(2));

        assertThat(r.p50Millis()).isEqualTo(50.0);
        assertThat(r.p95Millis()).isEqualTo(95.0);
        assertThat(r.p99Millis()).isEqualTo(99.0);
        assertThat(r.minMillis()).isEqualTo(1.0);
        assertThat(r.maxMillis()).isEqualTo(100.0);
        assertThat(r.avgMillis()).isEqualTo(50.5);
        assertThat(r.throughput()).isEqualTo(50.0);
    }

    @Test
    void an_empty_run_has_zero_statistics() {
        LoadResult r = LoadResult.of(1, new long[0], Map.of("ConnectException", 0L), Duration.ZERO);

        assertThat(r.requests()).isZero();
        assertThat(r.throughput()).isZero();
        assertThat(r.failureRate()).isZero();
    }

    @Test
    void coefficient_of_variation_uses_the_sample_standard_deviation() {
        assertThat(Stats.cv(new double[] {100, 100, 100})).isZero();
        assertThat(Stats.cv(new double[] {90, 110})).isCloseTo(Math.sqrt(200) / 100, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Stats.cv(new double[0])).isNaN();
    }

    record Sample(double rounded, double whole, double notMeasured, long count, String text, List<Integer> levels,
                  Map<String, Long> none, List<String> nothing, Boolean undecided) {
    }

    @Test
    void benchmark_json_is_indented_by_two_with_doubles_rounded_to_eight_digits_and_null_for_nan() {
        String json = JsonReport.toJson(new Sample(12.345678912, 42.0, Double.NaN, 7, "a \"quoted\"\nline",
                List.of(10, 50), Map.of(), List.of(), null));

        assertThat(json).isEqualTo("""
                {
                  "rounded": 12.345679,
                  "whole": 42,
                  "notMeasured": null,
                  "count": 7,
                  "text": "a \\"quoted\\"\\nline",
                  "levels": [
                    10,
                    50
                  ],
                  "none": {},
                  "nothing": [],
                  "undecided": null
                }
                """);
    }

    @Test
    void small_doubles_are_written_as_plain_decimals() {
        assertThat(JsonReport.toJson(List.of(0.000012345678912, 1e-9, -2.5))).isEqualTo("""
                [
                  0.000012345679,
                  0.000000001,
                  -2.5
                ]
                """);
    }

    @Test
    void the_pool_snapshot_is_read_by_key_and_missing_numbers_are_nan() {
        var pool = JsonNodeFactory.instance.objectNode().put("total", 50).put("mode", "pooled");

        assertThat(Measurement.poolNumber(pool, "total")).isEqualTo(50.0);
        assertThat(Measurement.poolNumber(pool, "mode")).isNaN();
        assertThat(Measurement.poolNumber(pool, "refused")).isNaN();
    }

    @Test
    void the_wrk_summary_maps_errors_and_statuses_to_failures() {
        var json = WrkTool.readSummary("""
                {"requests":1000,"durationMicros":2000000,"bytes":1,
                 "errors":{"connect":0,"read":2,"write":0,"status":5,"timeout":1},
                 "non2xx":7,"statuses":{"503":5,"302":2},
                 "latencyMicros":{"mean":1500.0,"stdev":1.0,"min":200,"max":90000,"p50":1200,"p95":4000,"p99":8000}}
                """);

        LoadResult r = WrkTool.parse(100, json);

        assertThat(r.requests()).isEqualTo(1000);
        assertThat(r.throughput()).isEqualTo(500.0);
        assertThat(r.failures()).isEqualTo(Map.of("503", 5L, "302", 2L, "read", 2L, "timeout", 1L));
        assertThat(r.failed()).isEqualTo(10);
        assertThat(r.avgMillis()).isEqualTo(1.5);
        assertThat(r.p99Millis()).isEqualTo(8.0);
        assertThat(r.maxMillis()).isEqualTo(90.0);
    }

    @Test
    void the_k6_summary_gives_the_latency_of_the_workloads_request_class() throws Exception {
        var summary = new ObjectMapper().readValue("""
                {"root_group": {"name": "", "checks": []}, "metrics": {
                  "iterations": {"type": "counter", "contains": "default", "values": {"count": 3000, "rate": 1000}},
                  "http_req_failed": {"type": "rate", "values": {"rate": 0.001, "passes": 3, "fails": 2997}},
                  "http_req_duration": {"type": "trend", "values": {"avg": 99, "med": 99, "min": 99, "max": 99}},
                  "http_req_duration{kind:simple,phase:measure}": {"type": "trend",
                    "values": {"avg": 2.5, "med": 2, "p(95)": 6, "p(99)": 9.5, "min": 0.4, "max": 40},
                    "thresholds": {"p(95)<50": {"ok": true}}}}}
                """, K6Tool.Summary.class);

        LoadResult point = K6Tool.parse(100, Workload.POINT, summary, Duration.ofSeconds(3));
        LoadResult write = K6Tool.parse(100, Workload.WRITE, summary, Duration.ofSeconds(3));

        assertThat(point.requests()).isEqualTo(3000);
        assertThat(point.throughput()).isEqualTo(1000.0);
        assertThat(point.failures()).isEqualTo(Map.of("http_req_failed", 3L));
        assertThat(point.avgMillis()).isEqualTo(2.5);
        assertThat(point.p95Millis()).isEqualTo(6.0);
        assertThat(point.p99Millis()).isEqualTo(9.5);
        assertThat(point.maxMillis()).isEqualTo(40.0);
        assertThat(write.avgMillis()).as("no kind:write metric: all requests").isEqualTo(99.0);
        assertThat(write.p99Millis()).as("a percentile k6 did not compute").isNaN();
    }

    @Test
    void symbols_follow_the_load_test_universe() {
        assertThat(Workload.symbolAt(0)).isEqualTo("LTAAA");
        assertThat(Workload.symbolAt(1)).isEqualTo("LTAAB");
        assertThat(Workload.symbolAt(26)).isEqualTo("LTABA");
        assertThat(Workload.symbolAt(199)).isEqualTo("LTAHR");
    }

    @Test
    void point_reads_stay_within_the_seeded_ids() {
        var factory = Workload.pointReads(5, 7);
        var random = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            String path = factory.next(random).path();
            assertThat(path).matches("/api/research/[567]");
        }
        assertThatThrownBy(() -> Workload.pointReads(7, 5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void acquireP99IsTheBucketHoldingTheRunsOwnNinetyNinthPercentile() {
        // Before the run: 1,000 slow acquisitions (all above 5 ms); during it: 1,000 fast ones, 995 under 0.1 ms.
        var before = new AcquireHistogram(1000, 8, new TreeMap<>(Map.of(
                0.0001, 0.0, 0.001, 0.0, 0.005, 0.0, 0.01, 1000.0, Double.POSITIVE_INFINITY, 1000.0)));
        var after = new AcquireHistogram(2000, 8.05, new TreeMap<>(Map.of(
                0.0001, 995.0, 0.001, 1000.0, 0.005, 1000.0, 0.01, 2000.0, Double.POSITIVE_INFINITY, 2000.0)));
        assertThat(after.p99BoundMillisSince(before)).isEqualTo(0.1);
        assertThat(after.p99BoundMillisSince(after)).isNaN();
        assertThat(after.meanMillisSince(before)).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(after.meanMillisSince(AcquireHistogram.NONE)).isNaN();
    }

    @Test
    void the_acquire_histogram_is_read_from_the_prometheus_text() {
        var h = AcquireHistogram.parse("""
                # HELP db_pool_acquire_seconds Time to get a connection
                # TYPE db_pool_acquire_seconds histogram
                db_pool_acquire_seconds_bucket{pool="main",le="1.0E-4"} 995.0
                db_pool_acquire_seconds_bucket{pool="main",le="0.001"} 1000.0
                db_pool_acquire_seconds_bucket{pool="main",le="+Inf"} 1000.0
                db_pool_acquire_seconds_count{pool="main"} 1000.0
                db_pool_acquire_seconds_sum{pool="main"} 0.05
                hikaricp_connections_pending{pool="main"} 0.0
                """);

        assertThat(h.count()).isEqualTo(1000.0);
        assertThat(h.sum()).isEqualTo(0.05);
        assertThat(h.buckets()).containsExactly(Map.entry(1.0E-4, 995.0), Map.entry(0.001, 1000.0),
                Map.entry(Double.POSITIVE_INFINITY, 1000.0));
        assertThat(AcquireHistogram.parse("jvm_threads_live 12").count()).isNaN();
    }
}
