package io.tradingdesk.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the measurements as the reference report's side-by-side tables ({@code benchmark.md}) and as raw numbers
 * ({@code benchmark.json}), with the targets we hold ourselves to. Built once from finished results; not
 * thread-safe.
 */
final class Report {

    /** A target from the issue, its measured value, and whether it was met. */
    record Target(String name, String goal, String measured, Boolean met) {
    }

    private final Benchmark.Plan plan;
    private final Map<String, Object> env;
    private final List<String> notes;
    private final Dataset data;
    private final Map<Integer, LoadResult> pgbench;
    private final ModeResults direct;
    private final ModeResults pooled;

    Report(Benchmark.Plan plan, Map<String, Object> env, List<String> notes, Dataset data,
           Map<Integer, LoadResult> pgbench, ModeResults direct, ModeResults pooled) {
        this.plan = plan;
        this.env = env;
        this.notes = notes;
        this.data = data;
        this.pgbench = pgbench;
        this.direct = direct;
        this.pooled = pooled;
    }

    List<Target> targets() {
        var out = new ArrayList<Target>();
        Measurement pPoint = pooled.workloads.get(Workload.POINT);
        LoadResult ceiling = pgbench.get(Benchmark.CONCURRENCY);
        if (pPoint != null && ceiling != null) {
            double ratio = pPoint.result().throughput() / ceiling.throughput();
            out.add(new Target("pooled point reads @100 vs pgbench -S @100, throughput", ">= 0.8x",
                    f("%.2fx (%s vs %s req/s)", ratio, num(pPoint.result().throughput()), num(ceiling.throughput())),
                    ratio >= 0.8));
            double p99 = pPoint.result().p99Millis() / ceiling.p99Millis();
            out.add(new Target("pooled point reads @100 vs pgbench -S @100, p99", "<= 2.5x",
                    f("%.2fx (%s vs %s ms)", p99, ms(pPoint.result().p99Millis()), ms(ceiling.p99Millis())), p99 <= 2.5));
        } else {
            out.add(new Target("pooled point reads vs pgbench -S", ">= 0.8x throughput, <= 2.5x p99", "not measured",
                    null));
        }
        for (Workload w : List.of(Workload.SIMPLE, Workload.POINT)) {
            Measurement d = direct.workloads.get(w);
            Measurement p = pooled.workloads.get(w);
            if (d != null && p != null) {
                double x = p.result().throughput() / d.result().throughput();
                out.add(new Target("pooled vs direct throughput, " + w.label() + " @100", ">= 50x",
                        f("%.1fx (%s vs %s req/s)", x, num(p.result().throughput()), num(d.result().throughput())),
                        x >= 50));
            }
        }
        if (pooled.stress != null && pPoint != null) {
            LoadResult s = pooled.stress.result();
            out.add(new Target("pooled @200 (pool of 50): failures", "0",
                    s.failed() + " of " + s.requests() + failureDetail(s), s.failed() == 0));
            double x = s.throughput() / pPoint.result().throughput();
            out.add(new Target("pooled @200 throughput vs @100", ">= 0.9x",
                    f("%.2fx (%s vs %s req/s)", x, num(s.throughput()), num(pPoint.result().throughput())), x >= 0.9));
        }
        if (!pooled.timedRounds.isEmpty()) {
            double cv = pooled.timedRoundsCv();
            out.add(new Target("pooled sustained CV, timed run in " + pooled.timedRounds.size() + " rounds", "< 0.1",
                    f("%.3f", cv), cv < 0.1));
        }
        if (!pooled.fixedRounds.isEmpty()) {
            double cv = pooled.fixedRoundsCv();
            out.add(new Target("pooled sustained CV, " + pooled.fixedRounds.size() + " x " + Benchmark.ROUND_REQUESTS
                    + " requests (the report's)", "< 0.1", f("%.3f", cv), cv < 0.1));
        }
        double acq = 0;
        double created = 0;
        for (Measurement m : mainRuns(pooled)) {
            acq += m.acquisitions();
            created += m.created();
        }
        if (acq > 0) {
            double reuse = 1 - created / acq;
            out.add(new Target("pooled connection reuse over the measured runs", "> 99 %",
                    f("%.3f %% (%s connections opened for %s acquisitions)", reuse * 100, num(created), num(acq)),
                    reuse > 0.99));
        }
        double worst = Double.NaN;
        var where = new ArrayList<String>();
        for (int level : List.of(10, 50)) {
            Measurement m = pooled.sweep.get(level);
            if (m != null && !Double.isNaN(m.acquireP99BoundMillis())) {
                worst = Double.isNaN(worst) ? m.acquireP99BoundMillis() : Math.max(worst, m.acquireP99BoundMillis());
                where.add("@" + level + ": p99 <= " + ms(m.acquireP99BoundMillis()) + " ms, mean "
                        + ms(m.acquireAvgMillis()) + " ms");
            }
        }
        if (!Double.isNaN(worst)) {
            // The run's own distribution, from the difference of two scrapes of the cumulative acquire histogram;
            // the bound is the upper edge of the bucket that holds the 99th percentile.
            out.add(new Target("pool acquire p99 when not saturated (<= 50 clients)", "< 1 ms",
                    String.join("; ", where), worst <= 1));
        }
        return out;
    }

    private static List<Measurement> mainRuns(ModeResults mode) {
        var runs = new ArrayList<>(mode.workloads.values());
        if (mode.stress != null) {
            runs.add(mode.stress);
        }
        return runs;
    }

    String markdown() {
        var md = new StringBuilder();
        md.append("# Connection pooling: before (direct) vs after (pooled)\n\n");
        md.append("Measured ").append(env.get("date")).append(" (").append(plan.name()).append(" plan) by `./bench")
                .append("quick".equals(plan.name()) ? " --quick" : "").append("` against the real server started as `")
                .append(env.get("serverCommand")).append("`, first with `DB_POOL_MODE=direct` (a new connection per")
                .append(" query, the reference report's *before*), then `DB_POOL_MODE=pooled` (")
                .append(Benchmark.POOL_SIZE).append(" connections, the *after*), on the same database.\n\n");
        environment(md);
        targetsSection(md);
        latency(md);
        throughput(md);
        failures(md);
        connections(md);
        stress(md);
        sustained(md);
        ceiling(md);
        resources(md);
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
                .append("- Workloads at ").append(Benchmark.CONCURRENCY).append(" concurrent clients for ")
                .append(plan.workload().toSeconds()).append(" s each: simple = `GET /api/research/latest?limit=10`,")
                .append(" point = `GET /api/research/{id}` (uniformly random among the seeded ids), write =")
                .append(" `POST /api/pitches`, complex = `GET /api/market/snapshot`.\n")
                .append("- Warm-up before measuring (discarded): pooled ").append(plan.warmupPooled().toSeconds())
                .append(" s, direct ").append(plan.warmupDirect().toSeconds()).append(" s of point reads at ")
                .append(Benchmark.CONCURRENCY).append(" clients, so that the JIT has compiled the hot paths.\n")
                .append("- Stress: point reads at ").append(Benchmark.STRESS_CONCURRENCY).append(" clients (4x the pool)")
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
                .append(" per-transaction log (`-l`). It ran before the servers, on the otherwise idle machine.\n\n");
        return md.toString();
    }

    private void environment(StringBuilder md) {
        md.append("## Environment\n\n| | |\n|---|---|\n");
        row(md, "Machine", env.get("nproc") + " CPUs (" + env.get("cpu") + "), " + env.get("memory") + " RAM");
        row(md, "OS / kernel", env.get("os") + " / " + env.get("kernel"));
        row(md, "JDK", env.get("jdk"));
        row(md, "PostgreSQL", env.get("postgresql"));
        row(md, "Database", env.get("database"));
        row(md, "Load driver", env.get("driver") + "; the report's fixed 5 x 100 rounds: " + env.get("roundsDriver"));
        row(md, "pgbench", env.getOrDefault("pgbench", "not found"));
        row(md, "Warm-up", "pooled " + plan.warmupPooled().toSeconds() + " s, direct " + plan.warmupDirect().toSeconds()
                + " s of point reads @" + Benchmark.CONCURRENCY + ", discarded");
        if (data != null) {
            row(md, "Data", String.format(Locale.ROOT, "%,d research notes (ids %d..%d), %d instruments x %d daily bars",
                    data.notes(), data.minNoteId(), data.maxNoteId(), data.instruments(), data.barsPerInstrument()));
        }
        row(md, "Server start", f("direct %.1f s, pooled %.1f s (to /health/ready)", direct.startSeconds,
                pooled.startSeconds));
        row(md, "Total run time", f("%.0f s", (Double) env.getOrDefault("totalSeconds", Double.NaN)));
        row(md, "Load average (1/5/15 min)", "at start " + env.get("loadAverageAtStart") + ", at end "
                + env.get("loadAverageAtEnd") + " (anything near or above the CPU count means other work competed)");
        md.append('\n');
    }

    private void targetsSection(StringBuilder md) {
        md.append("## Targets\n\n| Target | Goal | Measured | Met |\n|---|---|---|---|\n");
        for (Target t : targets()) {
            md.append("| ").append(t.name()).append(" | ").append(t.goal()).append(" | ").append(t.measured())
                    .append(" | ").append(t.met() == null ? ("not measured".equals(t.measured()) ? "n/a" : "inconclusive")
                    : t.met() ? "yes" : "**no**").append(" |\n");
        }
        md.append('\n');
    }

    private void latency(StringBuilder md) {
        md.append("## Query latency (").append(Benchmark.CONCURRENCY).append(" concurrent clients, ms)\n\n");
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
        md.append("## Throughput (").append(Benchmark.CONCURRENCY).append(" concurrent clients)\n\n");
        md.append("| Query | Before req/s | After req/s | Improvement | Requests before / after | Run |\n")
                .append("|---|---|---|---|---|---|\n");
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
                    .append(plan.workload().toSeconds()).append(" s |\n");
        }
        md.append('\n');
    }

    private void failures(StringBuilder md) {
        md.append("## Failures\n\n| Run | Before (direct) | After (pooled) |\n|---|---|---|\n");
        for (Workload w : Workload.values()) {
            failureRow(md, w.label() + " @" + Benchmark.CONCURRENCY, direct.workloads.get(w), pooled.workloads.get(w));
        }
        failureRow(md, "stress: point @" + Benchmark.STRESS_CONCURRENCY, direct.stress, pooled.stress);
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

    private static String failureDetail(LoadResult r) {
        return r.failures().isEmpty() ? "" : " " + new java.util.TreeMap<>(r.failures());
    }

    private void connections(StringBuilder md) {
        md.append("## Connection efficiency\n\n");
        md.append("| Run | Mode | Queries (acquisitions) | Connections opened (setups) | Reuse rate | Pool total after")
                .append(" | Acquire mean | Acquire p99 (this run, bucket bound) |\n|---|---|---|---|---|---|---|---|\n");
        for (Workload w : Workload.values()) {
            connectionRow(md, w.label() + " @" + Benchmark.CONCURRENCY, direct.workloads.get(w));
            connectionRow(md, w.label() + " @" + Benchmark.CONCURRENCY, pooled.workloads.get(w));
        }
        connectionRow(md, "stress @" + Benchmark.STRESS_CONCURRENCY, direct.stress);
        connectionRow(md, "stress @" + Benchmark.STRESS_CONCURRENCY, pooled.stress);
        for (ModeResults mode : List.of(direct, pooled)) {
            double acq = 0;
            double created = 0;
            for (Measurement m : mainRuns(mode)) {
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
        md.append("## Stress: ").append(Benchmark.STRESS_CONCURRENCY).append(" concurrent clients, pool of ")
                .append(Benchmark.POOL_SIZE).append(" (point reads)\n\n");
        md.append("| Metric | Before (direct) | After (pooled) |\n|---|---|---|\n");
        LoadResult d = direct.stress.result();
        LoadResult p = pooled.stress.result();
        md.append("| Success rate | ").append(pct(1 - d.failureRate())).append(" | ").append(pct(1 - p.failureRate()))
                .append(" |\n");
        md.append("| Failures | ").append(failureCell(d)).append(" | ").append(failureCell(p)).append(" |\n");
        md.append("| Throughput | ").append(num(d.throughput())).append(" req/s | ").append(num(p.throughput()))
                .append(" req/s |\n");
        md.append("| vs ").append(Benchmark.CONCURRENCY).append(" clients | ").append(ratio(d, direct)).append(" | ")
                .append(ratio(p, pooled)).append(" |\n");
        md.append("| Latency avg / p99 / max | ").append(ms(d.avgMillis())).append(" / ").append(ms(d.p99Millis()))
                .append(" / ").append(ms(d.maxMillis())).append(" ms | ").append(ms(p.avgMillis())).append(" / ")
                .append(ms(p.p99Millis())).append(" / ").append(ms(p.maxMillis())).append(" ms |\n");
        md.append("| Server connections after | ").append(num(direct.stress.poolNumber("total"))).append(" | ")
                .append(num(pooled.stress.poolNumber("total"))).append(" (max ").append(Benchmark.POOL_SIZE)
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
        md.append("## Sustained load (point reads, ").append(Benchmark.CONCURRENCY).append(" clients)\n\n");
        md.append("The report's test, ").append(Benchmark.FIXED_ROUNDS).append(" rounds of ")
                .append(Benchmark.ROUND_REQUESTS).append(" requests (throughput = 100 / round wall time), and a ")
                .append(plan.timed().toSeconds()).append(" s run in ").append(Benchmark.TIMED_ROUNDS)
                .append(" equal rounds.\n\n");
        md.append("| Rounds | Mode | Throughput per round (req/s) | Mean | CV | Failures |\n|---|---|---|---|---|---|\n");
        for (ModeResults mode : List.of(direct, pooled)) {
            roundsRow(md, Benchmark.FIXED_ROUNDS + " x " + Benchmark.ROUND_REQUESTS + " requests", mode.mode,
                    mode.fixedRounds, mode.fixedRoundsCv());
        }
        for (ModeResults mode : List.of(direct, pooled)) {
            roundsRow(md, plan.timed().toSeconds() + " s in " + Benchmark.TIMED_ROUNDS + " rounds", mode.mode,
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
        md.append("## Raw-database ceiling: pgbench -S vs point reads over HTTP\n\n");
        if (pgbench.isEmpty()) {
            md.append("Not measured (pgbench not found).\n\n");
            return;
        }
        md.append("| Clients | pgbench tps | pgbench p99 ms | pooled req/s | pooled / pgbench | pooled p99 ms | p99 ratio")
                .append(" | direct req/s | direct p99 ms |\n|---|---|---|---|---|---|---|---|---|\n");
        for (int level : Benchmark.SWEEP) {
            LoadResult pg = pgbench.get(level);
            Measurement p = pooled.sweep.get(level);
            Measurement d = direct.sweep.get(level);
            if (pg == null) {
                continue;
            }
            md.append("| ").append(level).append(" | ").append(num(pg.throughput())).append(" | ")
                    .append(ms(pg.p99Millis())).append(" | ");
            if (p != null) {
                md.append(num(p.result().throughput())).append(" | **")
                        .append(f("%.2f", p.result().throughput() / pg.throughput())).append("** | ")
                        .append(ms(p.result().p99Millis())).append(" | ")
                        .append(f("%.2f", p.result().p99Millis() / pg.p99Millis())).append(" | ");
            } else {
                md.append("| | | | ");
            }
            if (d != null) {
                md.append(num(d.result().throughput())).append(" | ").append(ms(d.result().p99Millis())).append(" |\n");
            } else {
                md.append(" | |\n");
            }
        }
        md.append("\npgbench runs one prepared primary-key SELECT per transaction with no HTTP, JSON or pool in the")
                .append(" way: what PostgreSQL alone can do on this machine. On a small machine pgbench, the server,")
                .append(" PostgreSQL and the load driver all share the same cores, so see the CPU split below.\n\n");
    }

    private void resources(StringBuilder md) {
        md.append("## Resources\n\n| | Before (direct) | After (pooled) |\n|---|---|---|\n");
        md.append("| Server peak RSS (VmHWM) | ").append(mib(direct.peakRssKib)).append(" | ").append(mib(pooled.peakRssKib))
                .append(" |\n");
        md.append("| Server CPU time, whole run | ").append(f("%.1f s", direct.serverCpuSeconds)).append(" | ")
                .append(f("%.1f s", pooled.serverCpuSeconds)).append(" |\n\n");
        md.append("CPU per run, in cores (CPU seconds per second; this machine has ").append(env.get("nproc"))
                .append("). *other* is what the rest of the machine used meanwhile (busy CPU in /proc/stat minus the")
                .append(" three columns before it): well above zero means other work competed with the benchmark.\n\n")
                .append("| Run | Mode | req/s | server | PostgreSQL | load driver | other | server CPU ms per request |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (Workload w : Workload.values()) {
            cpuRow(md, w.label() + " @" + Benchmark.CONCURRENCY, direct.workloads.get(w));
            cpuRow(md, w.label() + " @" + Benchmark.CONCURRENCY, pooled.workloads.get(w));
        }
        cpuRow(md, "stress @" + Benchmark.STRESS_CONCURRENCY, direct.stress);
        cpuRow(md, "stress @" + Benchmark.STRESS_CONCURRENCY, pooled.stress);
        md.append('\n');
    }

    private static void cpuRow(StringBuilder md, String name, Measurement m) {
        if (m == null) {
            return;
        }
        double perRequest = m.serverCores() / m.result().throughput() * 1000;
        md.append("| ").append(name).append(" | ").append(m.mode()).append(" | ").append(num(m.result().throughput()))
                .append(" | ").append(f("%.2f", m.serverCores())).append(" | ").append(f("%.2f", m.postgresCores()))
                .append(" | ").append(f("%.2f", m.clientCores())).append(" | ").append(f("%.2f", m.otherCores()))
                .append(" | ").append(f("%.3f", perRequest))
                .append(" |\n");
    }

    private void profile(StringBuilder md) {
        if (pooled.profileSummary == null) {
            return;
        }
        md.append("## Profile: pooled point reads @").append(Benchmark.CONCURRENCY).append(" under JFR\n\n");
        if (pooled.profiled != null) {
            md.append("During the profiled run: ").append(pooled.profiled.result().summary()).append("; server ")
                    .append(f("%.2f", pooled.profiled.serverCores())).append(" cores, PostgreSQL ")
                    .append(f("%.2f", pooled.profiled.postgresCores())).append(" cores, load driver ")
                    .append(f("%.2f", pooled.profiled.clientCores())).append(" cores, everything else ")
                    .append(f("%.2f", pooled.profiled.otherCores())).append(" cores. Recording: `pooled-point.jfr`.\n\n");
        }
        md.append("```\n").append(pooled.profileSummary).append("\n```\n\n");
    }

    // ---- formatting ------------------------------------------------------------------------------------------

    private static void row(StringBuilder md, String k, Object v) {
        md.append("| ").append(k).append(" | ").append(v).append(" |\n");
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    static String ms(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        return a >= 100 ? f("%.0f", v) : a >= 10 ? f("%.1f", v) : a >= 1 ? f("%.2f", v) : f("%.3f", v);
    }

    static String num(double v) {
        return Double.isNaN(v) ? "n/a" : f("%,.0f", v);
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : f("%.2f %%", v * 100);
    }

    static String mib(long kib) {
        return kib < 0 ? "n/a" : f("%.0f MiB", kib / 1024.0);
    }

    /** Latency change from before to after as a percentage (negative = faster). */
    static String faster(double before, double after) {
        if (Double.isNaN(before) || Double.isNaN(after) || before == 0) {
            return "n/a";
        }
        return f("%+.0f %%", (after - before) / before * 100);
    }
}
