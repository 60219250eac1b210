package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The k6 scripts' scenarios, run by the Java runner against a freshly started server (the real one, {@code java -p
 * app/target/modules -m app}, default configuration) while a CPU hog takes one core's share for k6's own CPU, and
 * judged by the scripts' own thresholds from lib/thresholds.js: {@code ./bench --k6-thresholds}, scaled down.
 *
 * <p>Every duration of the scripts (measured scenarios, round spacing, arrival-rate and soak lengths) is multiplied
 * by {@link #SCALE} = 0.1 and the warm-up lasts {@link #WARMUP} = 10 s (as {@code k6 run -e WARMUP=10s} would), so
 * that the eight scripts take about three minutes instead of twenty-five; VU counts, rates and request counts stay,
 * and so does the warm-up's exclusion: the warm-up runs first, tagged phase:warmup, and every threshold selects
 * phase:measure. One server serves all scripts here, in the scripts' order (the full command starts one per
 * script).
 *
 * <p>What must hold on any machine: the warm-up came first and no threshold saw it; no request failed, every check
 * passed, no arrival was dropped, no 503; every threshold was judged. Whether the latency thresholds hold is a
 * matter of speed, measured by {@code ./bench --k6-thresholds} at full length (its results are in
 * docs/benchmark.md); here the outcomes are printed, not asserted.
 * A throwaway cluster of its own (as the benchmark's), so that PostgreSQL's CPU is its own and other work can be told
 * apart.
 */
@Tag("load")
class K6ThresholdsIT {

    /** Every duration of the scripts but the warm-up times this: mixed.js's 11.5 min soak becomes 69 s. */
    static final double SCALE = 0.1;
    /**
     * The warm-up, as {@code k6 run -e WARMUP=10s} sets it: a third of the scripts' own, a JIT's worth on a busy
     * 2-core machine for the first script (the later ones find the shared server warm).
     */
    static final Duration WARMUP = Duration.ofSeconds(10);

    private static final Path K6 = Path.of(System.getProperty("loadtest.k6Dir", "k6")).toAbsolutePath();
    private static final Path LOGS = Path.of("target", "k6-thresholds-it").toAbsolutePath();

    private static BenchCluster cluster;
    private static List<K6ThresholdCheck.ScriptResult> results;

    @BeforeAll
    static void runEveryScript() throws IOException {
        Files.createDirectories(LOGS);
        cluster = BenchCluster.start();
        cluster.createDatabase("k6");
        var target = new K6ThresholdCheck.Target(cluster.serverDatabaseUrl("k6"), () -> cluster.connect("k6"),
                cluster.postmasterPid());
        var settings = new K6ThresholdCheck.Settings(SCALE, WARMUP, true, false, List.of(K6Script.values()));
        results = new K6ThresholdCheck(K6, settings, LOGS, new Progress()).run(target);
        var header = new K6ThresholdReport.Header("K6ThresholdsIT", Environment.machine(), cluster.description(),
                Runtime.version().toString(), ProcStats.loadAverage(), ProcStats.loadAverage(), 0, settings);
        Files.writeString(LOGS.resolve("k6-thresholds.md"), K6ThresholdReport.markdown(header, results));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void every_script_warmed_up_first_and_its_thresholds_saw_only_the_measured_requests() {
        K6Limits limits = K6Limits.read(K6);
        assertThat(results).extracting(K6ThresholdCheck.ScriptResult::script).containsExactly(K6Script.values());
        for (var r : results) {
            String name = r.script().scriptName();
            assertThat(r.warmupRequests()).as(name + " warm-up requests").isPositive();
            assertThat(r.measuredRequests()).as(name + " measured requests").isPositive();
            var warmup = r.scenarios().get("warmup");
            assertThat(warmup.phase()).isEqualTo(K6Scenario.WARMUP);
            // the warm-up's end: its length and graceful stop, after which k6 interrupts what still runs
            Duration warmupEnd = r.script().scenarios(SCALE, WARMUP).getFirst().end();
            r.scenarios().values().stream().filter(s -> s != warmup).forEach(s -> {
                assertThat(s.phase()).as(name + " " + s.name()).isEqualTo(K6Scenario.MEASURE);
                assertThat(s.started()).as(name + " " + s.name() + " starts after the warm-up")
                        .isGreaterThanOrEqualTo(warmupEnd);
            });
            assertThat(r.outcomes()).extracting(o -> o.threshold().key() + " " + o.threshold().expression())
                    .as(name + ": the script's own thresholds")
                    .containsExactlyElementsOf(r.script().parsedThresholds(limits).stream()
                            .map(t -> t.key() + " " + t.expression()).toList());
            for (var o : r.outcomes()) {
                Map<String, String> selector = o.threshold().selector();
                assertThat(selector.get("phase") == null ? "" : selector.get("phase")).as(o.threshold().key())
                        .isNotEqualTo(K6Scenario.WARMUP);
                assertThat(K6Scenario.MEASURE.equals(selector.get("phase"))
                        || (selector.containsKey("scenario") && !"warmup".equals(selector.get("scenario"))))
                        .as(o.threshold().key() + " selects measured requests").isTrue();
                if (o.threshold().key().startsWith("http_req_failed{phase:measure}")) {
                    assertThat(o.samples()).as(name + ": every measured request, no warm-up one")
                            .isEqualTo(r.measuredRequests());
                }
            }
        }
    }

    /**
     * Whether a threshold depends on how fast the machine is: latencies, and the request count of a round (100
     * requests must fit in the round's slot, 0.8 s at this scale).
     */
    private static boolean timing(K6Threshold.Outcome o) {
        String metric = o.threshold().metric();
        return K6Metrics.type(metric) == K6Metrics.Type.TREND || "http_reqs".equals(metric);
    }

    @Test
    void no_request_failed_every_check_passed_and_nothing_was_dropped_or_refused() {
        var failed = new ArrayList<String>();
        for (var r : results) {
            for (var o : r.outcomes()) {
                if (!timing(o) && !o.passed()) {
                    failed.add(r.script().scriptName() + ": " + o.threshold().key() + " " + o.threshold().expression()
                            + " observed " + o.observed());
                }
            }
        }
        assertThat(failed).isEmpty();
    }

    /**
     * Speed is the benchmark's business ({@code ./bench --k6-thresholds}, full length, on a quiet machine), not CI's:
     * here every threshold of every script must have been judged on measured requests (parsed by k6's grammar, its
     * sub-metric found, samples counted), and the latency outcomes are printed with the machine's load beside them.
     */
    @Test
    void every_threshold_of_every_script_was_judged_on_measured_requests() {
        assertThat(Set.copyOf(results.stream().map(K6ThresholdCheck.ScriptResult::script).toList()))
                .hasSize(K6Script.values().length);
        for (var r : results) {
            assertThat(r.outcomes()).as("%s's thresholds", r.script().scriptName()).isNotEmpty();
            for (var o : r.outcomes()) {
                if (timing(o)) {
                    // A counter of failures may rightly count none; a latency or request count needs requests.
                    assertThat(o.samples()).as("%s: %s had measured samples", r.script().scriptName(),
                            o.threshold().key()).isPositive();
                    System.out.printf("%s: %s %s observed %.1f, %s (other work %.2f cores, load %s)%n",
                            r.script().scriptName(), o.threshold().key(), o.threshold().expression(), o.observed(),
                            o.passed() ? "held" : "missed",
                            r.measuredCpu() == null ? Double.NaN : r.measuredCpu().other(), ProcStats.loadAverage());
                }
            }
        }
    }
}
