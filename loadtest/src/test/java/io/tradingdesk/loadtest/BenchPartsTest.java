package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The benchmark's small parts: statistics, JSON, the wrk summary, request factories. */
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

    @Test
    void json_round_trips_maps_lists_numbers_and_escapes() {
        Object parsed = Json.parse("{\"a\": [1, 2.5, -3e2], \"b\": {\"c\": \"x\\\"y\\n\\u00e9\"}, \"d\": null, \"e\": true}");

        assertThat(Json.number(parsed, "a")).isNaN();
        assertThat(Json.at(parsed, "a")).isEqualTo(List.of(1.0, 2.5, -300.0));
        assertThat(Json.at(parsed, "b.c")).isEqualTo("x\"y\né");
        assertThat(Json.at(parsed, "d")).isNull();
        assertThat(Json.at(parsed, "missing.path")).isNull();
        assertThat(Json.parse(Json.write(parsed))).isEqualTo(parsed);
        assertThat(Json.write(Map.of("n", 12.345678912, "i", 42.0, "nan", Double.NaN)))
                .contains("\"n\": 12.345679").contains("\"i\": 42").contains("\"nan\": null");
    }

    @Test
    void malformed_json_is_rejected_with_its_position() {
        assertThatThrownBy(() -> Json.parse("{\"a\": }")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at 6");
    }

    @Test
    void the_wrk_summary_maps_errors_and_statuses_to_failures() {
        Object json = Json.parse("""
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
        var before = new TreeMap<Double, Double>(Map.of(
                0.0001, 0.0, 0.001, 0.0, 0.005, 0.0, 0.01, 1000.0, Double.POSITIVE_INFINITY, 1000.0));
        var after = new TreeMap<Double, Double>(Map.of(
                0.0001, 995.0, 0.001, 1000.0, 0.005, 1000.0, 0.01, 2000.0, Double.POSITIVE_INFINITY, 2000.0));
        assertThat(Benchmark.acquireP99BoundMillis(before, after)).isEqualTo(0.1);
        assertThat(Benchmark.acquireP99BoundMillis(after, after)).isNaN();
    }
}
