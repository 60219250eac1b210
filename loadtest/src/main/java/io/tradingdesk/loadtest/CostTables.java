package io.tradingdesk.loadtest;

import static io.tradingdesk.loadtest.ReportFormat.f;
import static io.tradingdesk.loadtest.ReportFormat.failureDetail;
import static io.tradingdesk.loadtest.ReportFormat.ms;
import static io.tradingdesk.loadtest.ReportFormat.num;

import java.util.Comparator;

/**
 * The report's cost tables: the server's CPU per request of every workload (the unit the performance goals are
 * stated in), with {@code /health/live} as the floor, and the pool-size curve. A table whose runs are missing is
 * left out. Stateless.
 */
final class CostTables {

    private CostTables() {
    }

    /** Both sections, in the report's order. */
    static void appendTo(StringBuilder md, Results results) {
        cpuPerRequest(md, results);
        poolCurve(md, results.poolCurve());
    }

    static void cpuPerRequest(StringBuilder md, Results results) {
        ModeResults direct = results.direct();
        ModeResults pooled = results.pooled();
        PoolCurve.Result curve = results.poolCurve();
        md.append("## Server CPU per request\n\n");
        md.append("The server process's CPU time (utime + stime, /proc/<pid>/stat) over each measured run, divided by")
                .append(" the requests it completed, in microseconds; lower is better. `GET /health/live` touches no")
                .append(" database: it is what HTTP, routing and a small JSON answer cost on their own.\n\n");
        md.append("| Request | Clients | direct µs | pooled µs | pooled req/s |\n|---|---|---|---|---|\n");
        for (Workload w : Workload.values()) {
            Measurement d = direct.workloads.get(w);
            Measurement p = pooled.workloads.get(w);
            if (d == null && p == null) {
                continue;
            }
            md.append("| `").append(w.route()).append("` | ").append(Plan.CONCURRENCY).append(" | ")
                    .append(d == null ? "n/a" : num(d.serverCpuMicrosPerRequest())).append(" | ")
                    .append(p == null ? "n/a" : num(p.serverCpuMicrosPerRequest())).append(" | ")
                    .append(p == null ? "n/a" : num(p.result().throughput())).append(" |\n");
        }
        if (direct.stress != null || pooled.stress != null) {
            md.append("| `").append(Workload.POINT.route()).append("` | ").append(Plan.STRESS_CONCURRENCY).append(" | ")
                    .append(direct.stress == null ? "n/a" : num(direct.stress.serverCpuMicrosPerRequest()))
                    .append(" | ").append(pooled.stress == null ? "n/a" : num(pooled.stress.serverCpuMicrosPerRequest()))
                    .append(" | ").append(pooled.stress == null ? "n/a" : num(pooled.stress.result().throughput()))
                    .append(" |\n");
        }
        if (curve.live() != null) {
            PoolCurve.Point live = curve.live();
            md.append("| `").append(live.route()).append("` (pool-curve server, pool ").append(live.poolSize())
                    .append(") | ").append(Plan.CONCURRENCY).append(" | | ")
                    .append(num(live.serverCpuMicrosPerRequest())).append(" | ").append(num(live.result().throughput()))
                    .append(" |\n");
        }
        md.append('\n');
    }

    static void poolCurve(StringBuilder md, PoolCurve.Result curve) {
        if (curve.points().isEmpty()) {
            return;
        }
        PoolCurve.Point best = curve.points().stream()
                .max(Comparator.comparingDouble(p -> p.result().throughput())).orElseThrow();
        md.append("## Pool size: point reads @").append(Plan.CONCURRENCY).append(" by DB_MAX_POOL_SIZE\n\n");
        md.append("A fresh pooled server per size (DB_MIN_POOL_SIZE = DB_MAX_POOL_SIZE, DB_MAX_WAITING = ")
                .append(4 * Plan.CONCURRENCY).append(" so that small pools queue rather than refuse), warmed up with")
                .append(" point reads, then measured with the same.\n\n");
        md.append("| DB_MAX_POOL_SIZE | req/s | avg ms | p99 ms | failures | server cores | server CPU µs/request |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (PoolCurve.Point p : curve.points()) {
            LoadResult r = p.result();
            md.append("| ").append(p == best ? "**" + p.poolSize() + "**" : p.poolSize()).append(" | ")
                    .append(num(r.throughput())).append(" | ").append(ms(r.avgMillis())).append(" | ")
                    .append(ms(r.p99Millis())).append(" | ").append(num(r.failed())).append(failureDetail(r))
                    .append(" | ").append(f("%.2f", p.serverCores())).append(" | ")
                    .append(num(p.serverCpuMicrosPerRequest())).append(" |\n");
        }
        md.append("\nMost throughput at ").append(best.poolSize()).append(" connections (")
                .append(num(best.result().throughput())).append(" req/s, p99 ").append(ms(best.result().p99Millis()))
                .append(" ms) on this machine, in this run; differences within a few per cent are noise on a shared")
                .append(" machine.\n\n");
    }
}
