package io.tradingdesk.loadtest;

import static io.tradingdesk.loadtest.ReportFormat.f;
import static io.tradingdesk.loadtest.ReportFormat.row;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code benchmark.md}: the measurements as the reference report's side-by-side tables, with the environment, the
 * targets, the chart, the profile when there is one, the notes and the method. Stateless: {@link #write} makes
 * one instance per report.
 */
final class MarkdownReport {

    private final Results results;
    private final Plan plan;
    private final Environment env;
    private final List<String> notes;
    private final Dataset data;
    private final ModeResults direct;
    private final ModeResults pooled;

    private MarkdownReport(Results results) {
        this.results = results;
        this.plan = results.plan();
        this.env = results.environment();
        this.notes = results.notes();
        this.data = results.data();
        this.direct = results.direct();
        this.pooled = results.pooled();
    }

    static String write(Results results) {
        return new MarkdownReport(results).markdown();
    }

    private String markdown() {
        var md = new StringBuilder();
        md.append("# Connection pooling: before (direct) vs after (pooled)\n\n");
        md.append("Measured ").append(env.date()).append(" (").append(plan.name()).append(" plan) by `./bench")
                .append("quick".equals(plan.name()) ? " --quick" : "").append("` against the real server started as `")
                .append(env.serverCommand()).append("`, first with `DB_POOL_MODE=direct` (a new connection per")
                .append(" query, the reference report's *before*), then `DB_POOL_MODE=pooled` (")
                .append(Plan.POOL_SIZE).append(" connections, the *after*), on the same database.\n\n");
        environment(md);
        targets(md);
        new ComparisonTables(results).appendTo(md);
        CostTables.appendTo(md, results);
        md.append("## Chart\n\n![Throughput and p99 against concurrency](throughput-p99.png)\n\n");
        md.append("Point reads at 10, 50, 100 and 200 concurrent clients, both modes, with pgbench -S as the ceiling.\n\n");
        profile(md);
        if (!notes.isEmpty()) {
            md.append("## Notes\n\n");
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
            md.append('\n');
        }
        md.append("## Method\n\n")
                .append("- Closed loop: each client sends its next request as soon as the previous response arrived;")
                .append(" throughput is completed requests per second of wall-clock time, latency is per request from")
                .append(" send to last byte. Percentiles are over every request of the run.\n")
                .append("- Workloads at ").append(Plan.CONCURRENCY).append(" concurrent clients for ")
                .append(plan.workload().toSeconds()).append(" s each: simple = `GET /api/research/latest?limit=10`,")
                .append(" point = `GET /api/research/{id}` (uniformly random among the seeded ids), write =")
                .append(" `POST /api/pitches`, complex = `GET /api/market/snapshot`.\n")
                .append("- Warm-up before measuring (discarded): pooled ").append(plan.warmupPooled().toSeconds())
                .append(" s, direct ").append(plan.warmupDirect().toSeconds()).append(" s of point reads at ")
                .append(Plan.CONCURRENCY).append(" clients, so that the JIT has compiled the hot paths.\n")
                .append("- Stress: point reads at ").append(Plan.STRESS_CONCURRENCY).append(" clients (4x the pool)")
                .append(" for ").append(plan.stress().toSeconds()).append(" s. Sweep levels 10 and 50 run ")
                .append(plan.sweep().toSeconds()).append(" s each.\n")
                .append("- Connection counters are the run's deltas of `/api/health` (`pool.acquisitions`,")
                .append(" `pool.created`); the acquire mean is the delta of `db_pool_acquire_seconds` sum/count from")
                .append(" `/metrics`; the acquire p99 is the upper edge of the `db_pool_acquire_seconds` histogram bucket that")
                .append(" holds the run's 99th percentile, from the difference of the scrapes before and after it.\n")
                .append("- CPU is read from `/proc` (utime + stime): server = the server process; PostgreSQL = the")
                .append(" postmaster, its live children and the backends it reaped; client = the benchmark JVM plus the")
                .append(" wrk/k6/pgbench processes it waited for. 'cores' = CPU seconds per wall-clock second.\n")
                .append("- pgbench: `pgbench -i -s ").append(Pgbench.SCALE).append("` in its own database, then `pgbench")
                .append(" -S -M prepared -c N -j 2 -T ").append(plan.pgbench().toSeconds()).append("` over TCP with")
                .append(" the same password authentication; tps excludes connection time; percentiles from the")
                .append(" per-transaction log (`-l`). It ran before the servers, on the otherwise idle machine.")
                .append(" The like-for-like ceiling, `pgbench -f` with the point-read endpoint's own SELECT (prepared,")
                .append(" random ids over the seeded range), ran after them, with the same settings.\n")
                .append("- Server CPU per request: the server process's utime + stime from /proc over the measured run,")
                .append(" divided by its requests (µs).\n")
                .append("- Pool-size curve: a fresh pooled server per DB_MAX_POOL_SIZE (").append(Plan.POOL_SIZES)
                .append("), warmed up ").append(plan.poolWarmup().toSeconds()).append(" s with point reads @")
                .append(Plan.CONCURRENCY).append(" (discarded), then ").append(plan.poolMeasure().toSeconds())
                .append(" s measured; the server of ").append(Plan.POOL_SIZE).append(" connections also served `GET ")
                .append(PoolCurve.LIVE_PATH).append("` for as long.\n\n");
        return md.toString();
    }

    private void environment(StringBuilder md) {
        md.append("## Environment\n\n| | |\n|---|---|\n");
        row(md, "Machine", env.nproc() + " CPUs (" + env.cpu() + "), " + env.memory() + " RAM");
        row(md, "OS / kernel", env.os() + " / " + env.kernel());
        row(md, "JDK", env.jdk());
        row(md, "PostgreSQL", env.postgresql());
        row(md, "Database", env.database());
        row(md, "Load driver", env.driver() + "; the report's fixed 5 x 100 rounds: " + env.roundsDriver());
        row(md, "pgbench", Objects.requireNonNullElse(env.pgbench(), "not found"));
        row(md, "Warm-up", "pooled " + plan.warmupPooled().toSeconds() + " s, direct " + plan.warmupDirect().toSeconds()
                + " s of point reads @" + Plan.CONCURRENCY + ", discarded");
        if (data != null) {
            row(md, "Data", String.format(Locale.ROOT, "%,d research notes (ids %d..%d), %d instruments x %d daily bars",
                    data.notes(), data.minNoteId(), data.maxNoteId(), data.instruments(), data.barsPerInstrument()));
        }
        row(md, "Server start", f("direct %.1f s, pooled %.1f s (to /health/ready)", direct.startSeconds,
                pooled.startSeconds));
        row(md, "Total run time", f("%.0f s", env.totalSeconds()));
        row(md, "Load average (1/5/15 min)", "at start " + env.loadAverageAtStart() + ", at end "
                + env.loadAverageAtEnd() + " (anything near or above the CPU count means other work competed)");
        md.append('\n');
    }

    private void targets(StringBuilder md) {
        md.append("## Targets\n\n| Target | Goal | Measured | Met |\n|---|---|---|---|\n");
        for (Targets.Target t : Targets.of(results)) {
            md.append("| ").append(t.name()).append(" | ").append(t.goal()).append(" | ").append(t.measured())
                    .append(" | ").append(t.met() == null ? ("not measured".equals(t.measured()) ? "n/a" : "inconclusive")
                    : t.met() ? "yes" : "**no**").append(" |\n");
        }
        md.append('\n');
    }

    private void profile(StringBuilder md) {
        if (pooled.profileSummary == null) {
            return;
        }
        md.append("## Profile: pooled point reads @").append(Plan.CONCURRENCY).append(" under JFR\n\n");
        if (pooled.profiled != null) {
            md.append("During the profiled run: ").append(pooled.profiled.result().summary()).append("; server ")
                    .append(f("%.2f", pooled.profiled.serverCores())).append(" cores, PostgreSQL ")
                    .append(f("%.2f", pooled.profiled.postgresCores())).append(" cores, load driver ")
                    .append(f("%.2f", pooled.profiled.clientCores())).append(" cores, everything else ")
                    .append(f("%.2f", pooled.profiled.otherCores())).append(" cores. Recording: `")
                    .append(JfrProfiler.RECORDING).append("`.\n\n");
        }
        md.append("```\n").append(pooled.profileSummary).append("\n```\n\n");
    }
}
