package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Thresholds parsed and judged as k6 does, and the limits read from the k6 lib. */
class K6ThresholdTest {

    private static final Map<String, String> MEASURE = Map.of("scenario", "s", "phase", "measure", "kind", "simple");
    private static final Map<String, String> WARMUP = Map.of("scenario", "w", "phase", "warmup", "kind", "simple");

    @Test
    void a_threshold_parses_as_k6_parses_it() {
        K6Threshold t = K6Threshold.parse("http_req_duration{kind:simple,phase:measure}", "p(99.9) <= 250");

        assertThat(t.metric()).isEqualTo("http_req_duration");
        assertThat(t.selector()).containsExactly(Map.entry("kind", "simple"), Map.entry("phase", "measure"));
        assertThat(t.method()).isEqualTo("p");
        assertThat(t.percentile()).isEqualTo(99.9);
        assertThat(t.operator()).isEqualTo("<=");
        assertThat(t.limit()).isEqualTo(250);
    }

    @Test
    void what_k6_refuses_at_start_up_is_refused() {
        assertThatThrownBy(() -> K6Threshold.parse("http_req_duration", "p95<50")).hasMessageContaining("expression");
        assertThatThrownBy(() -> K6Threshold.parse("http_req_duration{kind:simple", "avg<5"))
                .hasMessageContaining("selector");
        assertThatThrownBy(() -> K6Threshold.parse("http_req_failed", "p(95)<1")).hasMessageContaining("rate has no");
        assertThatThrownBy(() -> K6Threshold.parse("dropped_iterations", "avg<1")).hasMessageContaining("counter");
        assertThatThrownBy(() -> K6Threshold.parse("no_such_metric", "count<1")).hasMessageContaining("unknown");
    }

    @Test
    void percentiles_interpolate_between_ranks_as_k6s_trend_sink() {
        double[] oneToTen = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        // rank 0.95 * 9 = 8.55: 9 + 0.55 * (10 - 9)
        assertThat(K6Metrics.percentile(oneToTen, 95)).isCloseTo(9.55, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(K6Metrics.percentile(oneToTen, 50)).isCloseTo(5.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(K6Metrics.percentile(new double[] {7}, 99)).isEqualTo(7);
        assertThat(K6Metrics.percentile(new double[0], 99)).isZero();
    }

    @Test
    void a_threshold_on_the_measured_phase_sees_only_the_measured_samples() {
        var metrics = new K6Metrics();
        K6Metrics.Recorder r = metrics.recorder();
        for (int i = 0; i < 100; i++) {
            r.add("http_req_duration", WARMUP, 900);
            r.add("http_req_duration", MEASURE, 10 + i % 10);
            r.add("http_req_failed", WARMUP, 1);
            r.add("http_req_failed", MEASURE, 0);
        }

        var measured = K6Threshold.parse("http_req_duration{kind:simple,phase:measure}", "p(95)<50").judge(metrics);
        var all = K6Threshold.parse("http_req_duration{kind:simple}", "p(95)<50").judge(metrics);
        var failed = K6Threshold.parse("http_req_failed{phase:measure}", "rate==0").judge(metrics);

        assertThat(measured.passed()).isTrue();
        assertThat(measured.samples()).isEqualTo(100);
        assertThat(measured.observed()).isLessThan(20);
        assertThat(measured.headroom()).isGreaterThan(0.6);
        assertThat(all.passed()).isFalse();
        assertThat(all.samples()).isEqualTo(200);
        assertThat(failed.passed()).isTrue();
    }

    @Test
    void counters_sum_their_samples_and_rates_count_the_non_zero_share() {
        var metrics = new K6Metrics();
        K6Metrics.Recorder r = metrics.recorder();
        r.add("dropped_iterations", Map.of("scenario", "rate"), 1);
        r.add("dropped_iterations", Map.of("scenario", "rate"), 1);
        for (int i = 0; i < 1000; i++) {
            r.add("checks", MEASURE, i == 0 ? 0 : 1);
        }

        assertThat(K6Threshold.parse("dropped_iterations{scenario:rate}", "count==0").judge(metrics).observed())
                .isEqualTo(2);
        var checks = K6Threshold.parse("checks{phase:measure}", "rate>0.999").judge(metrics);
        assertThat(checks.observed()).isEqualTo(0.999);
        assertThat(checks.passed()).as("0.999 is not > 0.999").isFalse();
    }

    @Test
    void the_limits_are_read_from_the_k6_lib_and_build_the_scripts_expressions() {
        K6Limits limits = K6Limits.read(Path.of(System.getProperty("loadtest.k6Dir", "k6")));

        assertThat(limits.reportAverage("simple")).isEqualTo(100);
        assertThat(limits.reportAverage("write")).isEqualTo(200);
        assertThat(limits.reportAverage("complex")).isEqualTo(500);
        assertThat(limits.checksRate()).isEqualTo("0.999");
        assertThat(limits.latency("writes", "write")).hasSize(3).first().isEqualTo("avg<200");
        assertThat(limits.percentiles("mixed", "trade_flow")).singleElement().asString().startsWith("p(95)<");
    }

    @Test
    void a_limits_block_that_is_not_strict_json_is_refused_with_the_file_named() {
        String text = "// limits:begin\nexport const LIMITS = { report: {} };\n// limits:end\n";

        assertThatThrownBy(() -> K6Limits.parse(text, "lib/thresholds.js"))
                .hasMessageStartingWith("lib/thresholds.js: LIMITS is not strict JSON");
        assertThatThrownBy(() -> K6Limits.parse("export const LIMITS = {};", "x.js"))
                .hasMessageContaining("no '// limits:begin'");
    }
}
