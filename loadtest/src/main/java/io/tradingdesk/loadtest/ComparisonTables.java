package io.tradingdesk.loadtest;

import static io.tradingdesk.loadtest.ReportFormat.f;
import static io.tradingdesk.loadtest.ReportFormat.failureDetail;
import static io.tradingdesk.loadtest.ReportFormat.faster;
import static io.tradingdesk.loadtest.ReportFormat.mib;
import static io.tradingdesk.loadtest.ReportFormat.ms;
import static io.tradingdesk.loadtest.ReportFormat.num;
import static io.tradingdesk.loadtest.ReportFormat.pct;

import java.util.List;
import java.util.Map;

/**
 * The report's side-by-side tables of direct (before) and pooled (after): latency, throughput, failures, connection
 * efficiency, the stress run, sustained load, the pgbench ceiling and the resources used. A table whose runs are
 * missing is left out. Built per report; not thread-safe.
 */
final class ComparisonTables {

    private final Plan plan;
    private final Environment env;
    private final Map<Integer, LoadResult> pgbench;
    private final Map<Integer, LoadResult> pointRead;
    private final ModeResults direct;
    private final ModeResults pooled;

    ComparisonTables(Results results) {
        this.plan = results.plan();
        this.env = results.environment();
        this.pgbench = results.pgbench();
        this.pointRead = results.pgbenchPointRead();
        this.direct = results.direct();
        this.pooled = results.pooled();
    }

    /** Every table, in the report's order. */
    void appendTo(StringBuilder md) {
        latency(md);
        throughput(md);
        failures(md);
        connections(md);
        stress(md);
        sustained(md);
        ceiling(md);
        resources(md);
    }

    private void latency(StringBuilder md) {
        md.append("## Query latency (").append(Plan.CONCURRENCY).append(" concurrent clients, ms)\n\n");
        md.append("| Query | | avg | p50 | p95 | p99 | min | max |\n|---|---|---|---|---|---|---|---|\n");
        for (Workload w : Workload.values()) {
            Measurement d = direct.workloads.get(w);
            Measurement p = pooled.workloads.get(w);
            if (d == null || p == null) {
                continue;
            }
            LoadResult a = d.result();
            LoadResult b = p.result();
            md.append("| **").append(w.label()).append("** `").append(w.route()).append("` | before (direct) | ")
                    .append(String.join(" | ", ms(a.avgMillis()), ms(a.p50Millis()), ms(a.p95Millis()),
                            ms(a.p99Millis()), ms(a.minMillis()), ms(a.maxMillis()))).append(" |\n");
            md.append("| | after (pooled) | ").append(String.join(" | ", ms(b.avgMillis()), ms(b.p50Millis()),
                    ms(b.p95Millis()), ms(b.p99Millis()), ms(b.minMillis()), ms(b.maxMillis()))).append(" |\n");
            md.append("| | improvement | ").append(String.join(" | ", faster(a.avgMillis(), b.avgMillis()),
                    faster(a.p50Millis(), b.p50Millis()), faster(a.p95Millis(), b.p95Millis()),
                    faster(a.p99Millis(), b.p99Millis()), faster(a.minMillis(), b.minMillis()),
                    faster(a.maxMillis(), b.maxMillis()))).append(" |\n");
        }
        md.append("\n*improvement* = how much lower the pooled latency is (−75 % = four times faster).\n\n");
        md.append("Per-query connection overhead (direct avg − pooled avg):");
        for (Workload w : Workload.values()) {
            Measurement d = direct.workloads.get(w);
            Measurement p = pooled.workloads.get(w);
            if (d != null && p != null) {
                md.append(' ').append(w.label()).append(' ').append(ms(d.result().avgMillis() - p.result().avgMillis()))
                        .append(" ms;");
            }
        }
        Measurement dp = direct.workloads.get(Workload.POINT);
        Measurement pp = pooled.workloads.get(Workload.POINT);
        if (dp != null && pp != null) {
            md.append(" mean time to get a connection during point reads: direct ").append(ms(dp.acquireAvgMillis()))
                    .append(" ms (a TCP connect + scram-sha-256 handshake + session start), pooled ")
                    .append(ms(pp.acquireAvgMillis())).append(" ms.");
        }
        md.append("\n\n");
    }

    private void throughput(StringBuilder md) {
        md.append("## Throughput (").append(Plan.CONCURRENCY).append(" concurrent clients)\n\n");
        md.append("| Query | Before req/s | After req/s | Improvement | Requests before / after | Run")
                .append(" | Server CPU µs/request before / after |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (Workload w : Workload.values()) {
            Measurement d = direct.workloads.get(w);
            Measurement p = pooled.workloads.get(w);
            if (d == null || p == null) {
                continue;
            }
            md.append("| ").append(w.label()).append(" | ").append(num(d.result().throughput())).append(" | ")
                    .append(num(p.result().throughput())).append(" | **")
                    .append(f("%.1fx", p.result().throughput() / d.result().throughput())).append("** | ")
                    .append(num(d.result().requests())).append(" / ").append(num(p.result().requests())).append(" | ")
                    .append(plan.workload().toSeconds()).append(" s | ").append(num(d.serverCpuMicrosPerRequest()))
                    .append(" / ").append(num(p.serverCpuMicrosPerRequest())).append(" |\n");
        }
        md.append("\n*Server CPU µs/request*: the server process's CPU time (utime + stime from /proc) over the run,")
                .append(" divided by the requests it completed.\n\n");
    }

    private void failures(StringBuilder md) {
        md.append("## Failures\n\n| Run | Before (direct) | After (pooled) |\n|---|---|---|\n");
        for (Workload w : Workload.values()) {
            failureRow(md, w.label() + " @" + Plan.CONCURRENCY, direct.workloads.get(w), pooled.workloads.get(w));
        }
        failureRow(md, "stress: point @" + Plan.STRESS_CONCURRENCY, direct.stress, pooled.stress);
        md.append("\nA failure is any response that is not 2xx (a 503 is the pool refusing work) or a transport error.\n\n");
    }

    private static void failureRow(StringBuilder md, String name, Measurement d, Measurement p) {
        if (d == null || p == null) {
            return;
        }
        md.append("| ").append(name).append(" | ").append(failureCell(d.result())).append(" | ")
                .append(failureCell(p.result())).append(" |\n");
    }

    private static String failureCell(LoadResult r) {
        return f("%s / %s (%.2f %%)", num(r.failed()), num(r.requests()), r.failureRate() * 100) + failureDetail(r);
    }

    private void connections(StringBuilder md) {
        md.append("## Connection efficiency\n\n");
        md.append("| Run | Mode | Queries (acquisitions) | Connections opened (setups) | Reuse rate | Pool total after")
                .append(" | Acquire mean | Acquire p99 (this run, bucket bound) |\n|---|---|---|---|---|---|---|---|\n");
        for (Workload w : Workload.values()) {
            connectionRow(md, w.label() + " @" + Plan.CONCURRENCY, direct.workloads.get(w));
            connectionRow(md, w.label() + " @" + Plan.CONCURRENCY, pooled.workloads.get(w));
        }
        connectionRow(md, "stress @" + Plan.STRESS_CONCURRENCY, direct.stress);
        connectionRow(md, "stress @" + Plan.STRESS_CONCURRENCY, pooled.stress);
        for (ModeResults mode : List.of(direct, pooled)) {
            double acq = 0;
            double created = 0;
            for (Measurement m : mode.mainRuns()) {
                acq += m.acquisitions();
                created += m.created();
            }
            md.append("| **all of the above** | ").append(mode.mode).append(" | ").append(num(acq)).append(" | ")
                    .append(num(created)).append(" | ").append(acq > 0 ? pct(1 - created / acq) : "n/a")
                    .append(" | | | |\n");
        }
        md.append("\nThe report's *before* opened one connection per query (0 % reuse); its *after* claimed 70-95 %.\n\n");
    }

    private static void connectionRow(StringBuilder md, String name, Measurement m) {
        if (m == null) {
            return;
        }
        md.append("| ").append(name).append(" | ").append(m.mode()).append(" | ").append(num(m.acquisitions()))
                .append(" | ").append(num(m.created())).append(" | ").append(pct(m.reuseRate())).append(" | ")
                .append(num(m.poolNumber("total"))).append(" | ").append(ms(m.acquireAvgMillis())).append(" ms | ")
                .append("<= ").append(ms(m.acquireP99BoundMillis())).append(" ms |\n");
    }

    private void stress(StringBuilder md) {
        if (direct.stress == null || pooled.stress == null) {
            return;
        }
        md.append("## Stress: ").append(Plan.STRESS_CONCURRENCY).append(" concurrent clients, pool of ")
                .append(Plan.POOL_SIZE).append(" (point reads)\n\n");
        md.append("| Metric | Before (direct) | After (pooled) |\n|---|---|---|\n");
        LoadResult d = direct.stress.result();
        LoadResult p = pooled.stress.result();
        md.append("| Success rate | ").append(pct(1 - d.failureRate())).append(" | ").append(pct(1 - p.failureRate()))
                .append(" |\n");
        md.append("| Failures | ").append(failureCell(d)).append(" | ").append(failureCell(p)).append(" |\n");
        md.append("| Throughput | ").append(num(d.throughput())).append(" req/s | ").append(num(p.throughput()))
                .append(" req/s |\n");
        md.append("| vs ").append(Plan.CONCURRENCY).append(" clients | ").append(ratio(d, direct)).append(" | ")
                .append(ratio(p, pooled)).append(" |\n");
        md.append("| Latency avg / p99 / max | ").append(ms(d.avgMillis())).append(" / ").append(ms(d.p99Millis()))
                .append(" / ").append(ms(d.maxMillis())).append(" ms | ").append(ms(p.avgMillis())).append(" / ")
                .append(ms(p.p99Millis())).append(" / ").append(ms(p.maxMillis())).append(" ms |\n");
        md.append("| Server connections after | ").append(num(direct.stress.poolNumber("total"))).append(" | ")
                .append(num(pooled.stress.poolNumber("total"))).append(" (max ").append(Plan.POOL_SIZE)
                .append(") |\n");
        md.append("| Refused / timed out waiting (since start) | ").append(num(direct.stress.poolNumber("refused")))
                .append(" / ").append(num(direct.stress.poolNumber("acquireTimeouts"))).append(" | ")
                .append(num(pooled.stress.poolNumber("refused"))).append(" / ")
                .append(num(pooled.stress.poolNumber("acquireTimeouts"))).append(" |\n\n");
    }

    private static String ratio(LoadResult stress, ModeResults mode) {
        Measurement base = mode.workloads.get(Workload.POINT);
        return base == null ? "n/a" : f("%.2fx", stress.throughput() / base.result().throughput());
    }

    private void sustained(StringBuilder md) {
        md.append("## Sustained load (point reads, ").append(Plan.CONCURRENCY).append(" clients)\n\n");
        md.append("The report's test, ").append(Plan.FIXED_ROUNDS).append(" rounds of ")
                .append(Plan.ROUND_REQUESTS).append(" requests (throughput = 100 / round wall time), and a ")
                .append(plan.timed().toSeconds()).append(" s run in ").append(Plan.TIMED_ROUNDS)
                .append(" equal rounds.\n\n");
        md.append("| Rounds | Mode | Throughput per round (req/s) | Mean | CV | Failures |\n|---|---|---|---|---|---|\n");
        for (ModeResults mode : List.of(direct, pooled)) {
            roundsRow(md, Plan.FIXED_ROUNDS + " x " + Plan.ROUND_REQUESTS + " requests", mode.mode,
                    mode.fixedRounds, mode.fixedRoundsCv());
        }
        for (ModeResults mode : List.of(direct, pooled)) {
            roundsRow(md, plan.timed().toSeconds() + " s in " + Plan.TIMED_ROUNDS + " rounds", mode.mode,
                    mode.timedRounds.stream().map(Measurement::result).toList(), mode.timedRoundsCv());
        }
        md.append('\n');
    }

    private static void roundsRow(StringBuilder md, String name, String mode, List<LoadResult> rounds, double cv) {
        if (rounds.isEmpty()) {
            return;
        }
        double[] t = rounds.stream().mapToDouble(LoadResult::throughput).toArray();
        long failed = rounds.stream().mapToLong(LoadResult::failed).sum();
        long total = rounds.stream().mapToLong(LoadResult::requests).sum();
        md.append("| ").append(name).append(" | ").append(mode).append(" | ")
                .append(String.join(", ", rounds.stream().map(r -> num(r.throughput())).toList())).append(" | ")
                .append(num(Stats.mean(t))).append(" | ").append(f("%.3f", cv)).append(" | ").append(failed)
                .append(" / ").append(total).append(" |\n");
    }

    private void ceiling(StringBuilder md) {
        md.append("## Raw-database ceilings: pgbench vs point reads over HTTP\n\n");
        if (pgbench.isEmpty() && pointRead.isEmpty()) {
            md.append("Not measured (pgbench not found).\n\n");
            return;
        }
        md.append("| Clients | pgbench -S tps | -S p99 ms | point-read SELECT tps | SELECT p99 ms | pooled req/s")
                .append(" | pooled / -S | **pooled / SELECT** | pooled p99 ms | p99 vs -S | p99 vs SELECT | direct req/s")
                .append(" | direct p99 ms |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (int level : Plan.SWEEP) {
            LoadResult s = pgbench.get(level);
            LoadResult e = pointRead.get(level);
            Measurement p = pooled.sweep.get(level);
            Measurement d = direct.sweep.get(level);
            if (s == null && e == null) {
                continue;
            }
            LoadResult pr = p == null ? null : p.result();
            md.append("| ").append(level).append(" | ").append(s == null ? "n/a" : num(s.throughput())).append(" | ")
                    .append(s == null ? "n/a" : ms(s.p99Millis())).append(" | ")
                    .append(e == null ? "n/a" : num(e.throughput())).append(" | ")
                    .append(e == null ? "n/a" : ms(e.p99Millis())).append(" | ")
                    .append(pr == null ? "n/a" : num(pr.throughput())).append(" | ")
                    .append(ratio(pr == null ? Double.NaN : pr.throughput(), s == null ? Double.NaN : s.throughput()))
                    .append(" | **")
                    .append(ratio(pr == null ? Double.NaN : pr.throughput(), e == null ? Double.NaN : e.throughput()))
                    .append("** | ").append(pr == null ? "n/a" : ms(pr.p99Millis())).append(" | ")
                    .append(ratio(pr == null ? Double.NaN : pr.p99Millis(), s == null ? Double.NaN : s.p99Millis()))
                    .append(" | ")
                    .append(ratio(pr == null ? Double.NaN : pr.p99Millis(), e == null ? Double.NaN : e.p99Millis()))
                    .append(" | ").append(d == null ? "n/a" : num(d.result().throughput())).append(" | ")
                    .append(d == null ? "n/a" : ms(d.result().p99Millis())).append(" |\n");
        }
        md.append("\n`pgbench -S` runs pgbench's own prepared primary-key SELECT on `pgbench_accounts` (")
                .append("scale ").append(Pgbench.SCALE).append("); the *point-read SELECT* is the endpoint's own")
                .append(" statement, prepared, on the seeded `research_notes` with random ids over the same range as")
                .append(" the HTTP point reads (`").append(PgbenchCeiling.POINT_READ).append("`): the like-for-like")
                .append(" ceiling, what PostgreSQL alone does for one `GET /api/research/{id}`, without HTTP, JSON")
                .append(" or the pool. -S ran before any server on the otherwise idle machine, the point-read SELECT")
                .append(" after the servers, once the data was seeded. On a small machine pgbench, the server,")
                .append(" PostgreSQL and the load driver all share the same cores, so see the CPU split below.\n\n");
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "n/a" : f("%.2f", a / b);
    }

    private void resources(StringBuilder md) {
        md.append("## Resources\n\n| | Before (direct) | After (pooled) |\n|---|---|---|\n");
        md.append("| Server peak RSS (VmHWM) | ").append(mib(direct.peakRssKib)).append(" | ").append(mib(pooled.peakRssKib))
                .append(" |\n");
        md.append("| Server CPU time, whole run | ").append(f("%.1f s", direct.serverCpuSeconds)).append(" | ")
                .append(f("%.1f s", pooled.serverCpuSeconds)).append(" |\n\n");
        md.append("CPU per run, in cores (CPU seconds per second; this machine has ").append(env.nproc())
                .append("). *other* is what the rest of the machine used meanwhile (busy CPU in /proc/stat minus the")
                .append(" three columns before it): well above zero means other work competed with the benchmark.\n\n")
                .append("| Run | Mode | req/s | server | PostgreSQL | load driver | other | server CPU µs per request |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (Workload w : Workload.values()) {
            cpuRow(md, w.label() + " @" + Plan.CONCURRENCY, direct.workloads.get(w));
            cpuRow(md, w.label() + " @" + Plan.CONCURRENCY, pooled.workloads.get(w));
        }
        cpuRow(md, "stress @" + Plan.STRESS_CONCURRENCY, direct.stress);
        cpuRow(md, "stress @" + Plan.STRESS_CONCURRENCY, pooled.stress);
        md.append('\n');
    }

    private static void cpuRow(StringBuilder md, String name, Measurement m) {
        if (m == null) {
            return;
        }
        double perRequest = m.serverCpuMicrosPerRequest();
        md.append("| ").append(name).append(" | ").append(m.mode()).append(" | ").append(num(m.result().throughput()))
                .append(" | ").append(f("%.2f", m.serverCores())).append(" | ").append(f("%.2f", m.postgresCores()))
                .append(" | ").append(f("%.2f", m.clientCores())).append(" | ").append(f("%.2f", m.otherCores()))
                .append(" | ").append(num(perRequest))
                .append(" |\n");
    }
}
