package io.tradingdesk.loadtest;

import static io.tradingdesk.loadtest.ReportFormat.f;
import static io.tradingdesk.loadtest.ReportFormat.failureDetail;
import static io.tradingdesk.loadtest.ReportFormat.ms;
import static io.tradingdesk.loadtest.ReportFormat.num;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The targets we hold the pooled server to (issue #4), judged against a finished run: throughput and p99 against
 * pgbench, pooled against direct, no failures and no slowdown at 4x the pool, steady rounds, connection reuse, and
 * the acquire time while the pool is not saturated. Stateless.
 */
final class Targets {

    /**
     * A target, its measured value, and whether it was met. Immutable.
     *
     * @param met null when the measurements do not decide it
     */
    record Target(@JsonProperty("target") String name, String goal, String measured, Boolean met) {
    }

    private Targets() {
    }

    /** The targets in the report's order; one that could not be measured says so instead of being left out. */
    static List<Target> of(Results results) {
        ModeResults direct = results.direct();
        ModeResults pooled = results.pooled();
        Map<Integer, LoadResult> pgbench = results.pgbench();
        var out = new ArrayList<Target>();
        Measurement pPoint = pooled.workloads.get(Workload.POINT);
        LoadResult ceiling = pgbench.get(Plan.CONCURRENCY);
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
            out.add(new Target("pooled sustained CV, " + pooled.fixedRounds.size() + " x " + Plan.ROUND_REQUESTS
                    + " requests (the report's)", "< 0.1", f("%.3f", cv), cv < 0.1));
        }
        double acq = 0;
        double created = 0;
        for (Measurement m : pooled.mainRuns()) {
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
}
