package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report of a made-up run, as Markdown and as JSON: sections, targets, and the JSON document's layout. */
class ReportTest {

    private final Results results = new Results(Plan.QUICK, environment(), new Dataset(1, 100_000, 100_000, 200, 90),
            Map.of(100, result(100, 20_000, 4)), mode(Plan.DIRECT, 100, 400), mode(Plan.POOLED, 5_000, 8),
            List.of("pgbench -S -c 200 gave no result: timeout"), Map.of(100, result(100, 10_000, 5)),
            new PoolCurve.Result(List.of(point(8, 4_000), point(16, 6_000), point(32, 5_500), point(50, 5_000)),
                    new PoolCurve.Point(50, "GET /health/live", result(100, 20_000, 2), 1.0, 50)));

    @Test
    void the_markdown_has_every_section_and_judges_the_targets() {
        String md = MarkdownReport.write(results);

        assertThat(md).startsWith("# Connection pooling: before (direct) vs after (pooled)\n\nMeasured"
                + " 2026-01-02T03:04:05Z (quick plan) by `./bench --quick` against the real server started as"
                + " `java -p app/target/modules -m app`");
        assertThat(md).containsSubsequence("## Environment", "## Targets", "## Query latency", "## Throughput",
                "## Failures", "## Connection efficiency", "## Stress: 200 concurrent clients", "## Sustained load",
                "## Raw-database ceilings", "## Resources", "## Server CPU per request",
                "## Pool size: point reads @100 by DB_MAX_POOL_SIZE", "## Chart", "## Notes", "## Method");
        assertThat(md)
                .contains("| pgbench | not found |")
                .contains("| Data | 100,000 research notes (ids 1..100000), 200 instruments x 90 daily bars |")
                .contains("| pooled vs direct throughput, point @100 | >= 50x | 50.0x (5,000 vs 100 req/s) | yes |")
                .contains("| pooled point reads @100 vs pgbench -S @100, throughput | >= 0.8x"
                        + " | 0.25x (5,000 vs 20,000 req/s) | **no** |")
                .contains("- pgbench -S -c 200 gave no result: timeout")
                .doesNotContain("## Profile");
    }

    @Test
    void the_markdown_reports_cpu_per_request_the_like_for_like_ceiling_and_the_pool_curve() {
        String md = MarkdownReport.write(results);

        // 1 core at 5,000 req/s is 200 us per request; at 100 req/s, 10,000 us.
        assertThat(md).contains("| simple | 100 | 5,000 | **50.0x** | 100 / 5,000 | 3 s | 10,000 / 200 |")
                .contains("| `GET /api/research/{id}` | 100 | 10,000 | 200 | 5,000 |")
                .contains("| `GET /health/live` (pool-curve server, pool 50) | 100 | | 50 | 20,000 |");
        // pooled point reads @100: 5,000 req/s against -S 20,000 and the endpoint's SELECT 10,000 tps.
        assertThat(md).contains("| 100 | 20,000 | 4.00 | 10,000 | 5.00 | 5,000 | 0.25 | **0.50** | 8.00 | 2.00 | 1.60"
                + " | 100 | 400 |");
        assertThat(md).contains("| **16** | 6,000 |").contains("| 8 | 4,000 |")
                .contains("Most throughput at 16 connections (6,000 req/s");
    }

    @Test
    void the_json_lists_environment_plan_data_results_targets_and_notes_in_order() throws Exception {
        JsonNode json = new ObjectMapper().readTree(JsonReport.write(results));

        assertThat(json.fieldNames()).toIterable().containsExactly("environment", "plan", "dataset", "pgbench",
                "pgbenchPointRead", "direct", "pooled", "poolCurve", "targets", "notes");
        assertThat(json.at("/pgbenchPointRead/100/throughput").asDouble()).isEqualTo(10_000.0);
        assertThat(json.at("/poolCurve/points/1/poolSize").asInt()).isEqualTo(16);
        assertThat(json.at("/poolCurve/live/serverCpuMicrosPerRequest").asDouble()).isEqualTo(50.0);
        assertThat(json.at("/pooled/workloads/point/serverCpuMicrosPerRequest").asDouble()).isEqualTo(200.0);
        assertThat(json.path("environment").fieldNames()).toIterable()
                .startsWith("date", "loadAverageAtStart", "plan", "nproc")
                .endsWith("serverCommand", "modulePath", "totalSeconds", "loadAverageAtEnd")
                .doesNotContain("pgbench");
        assertThat(json.at("/environment/totalSeconds").asDouble()).isEqualTo(95.5);
        assertThat(json.at("/plan/workloadSeconds").asInt()).isEqualTo(3);
        assertThat(json.at("/dataset/maxNoteId").asLong()).isEqualTo(100_000);
        assertThat(json.at("/pgbench/100/throughput").asDouble()).isEqualTo(20_000.0);
        assertThat(json.at("/pooled/workloads").fieldNames()).toIterable()
                .containsExactly("simple", "point", "write", "complex");
        assertThat(json.at("/pooled/workloads/point/result/elapsedSeconds").asDouble()).isEqualTo(1.0);
        assertThat(json.at("/pooled/workloads/point/poolAfter/total").asInt()).isEqualTo(50);
        assertThat(json.at("/pooled/warmup").isNull()).isTrue();
        assertThat(json.at("/pooled/workloads/point/acquireP99BoundMillis").isNull()).as("NaN").isTrue();
        assertThat(json.at("/targets/0/target").asText())
                .isEqualTo("pooled point reads @100 vs pgbench -S @100, throughput");
        assertThat(json.at("/targets/0/met").asBoolean()).isFalse();
        assertThat(json.at("/notes/0").asText()).startsWith("pgbench -S -c 200");
    }

    private static Environment environment() {
        return new Environment("2026-01-02T03:04:05Z", "0.10 0.20 0.30", "quick", 2, "Test CPU", "1.0 GiB", "6.1",
                "Debian", "Temurin 25", "PostgreSQL 17", "throwaway cluster", "wrk 4.1.0", "LoadDriver", 50, 10, 3,
                3, "java -p app/target/modules -m app", "app/target/modules", null, 95.5, "0.50 0.40 0.30");
    }

    private static ModeResults mode(String name, double throughput, double p99) {
        var mode = new ModeResults(name);
        for (Workload w : Workload.values()) {
            mode.workloads.put(w, measurement(name, w.label(), w, result(100, throughput, p99)));
        }
        mode.stress = measurement(name, "stress", Workload.POINT, result(200, throughput, p99 * 2));
        mode.sweep.put(100, mode.workloads.get(Workload.POINT));
        mode.sweep.put(200, mode.stress);
        for (int i = 0; i < Plan.FIXED_ROUNDS; i++) {
            mode.fixedRounds.add(result(100, throughput, p99));
        }
        mode.startSeconds = 2.5;
        return mode;
    }

    private static Measurement measurement(String mode, String name, Workload w, LoadResult r) {
        var pool = JsonNodeFactory.instance.objectNode().put("total", 50).put("refused", 0).put("acquireTimeouts", 0);
        return new Measurement(mode, name, w, r, 1_000, Plan.DIRECT.equals(mode) ? 1_000 : 0, 0.02, Double.NaN, pool,
                1.0, 0.5, 0.3, 0.1);
    }

    private static PoolCurve.Point point(int size, double throughput) {
        return new PoolCurve.Point(size, "GET /api/research/{id}", result(100, throughput, 10), 1.5,
                1.5 / throughput * 1e6);
    }

    private static LoadResult result(int concurrency, double throughput, double p99) {
        return new LoadResult(concurrency, (long) throughput, 0, Map.of(), Duration.ofSeconds(1), throughput, p99 / 2,
                p99 / 2, p99, p99, p99 / 10, p99 * 2);
    }
}
