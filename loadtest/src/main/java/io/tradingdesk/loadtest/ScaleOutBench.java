package io.tradingdesk.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scale-out figures ({@code ./desk bench-scaleout [--quick]}): the point read ({@code GET /api/research/{id}},
 * 100 concurrent) against 1 instance connected directly to PostgreSQL, 1 instance through PgBouncer (no HAProxy),
 * and 3, 2 and 1 instances behind HAProxy + PgBouncer (default_pool_size 10); for each, req/s, p99, the most
 * PostgreSQL sessions of the service (sampled every 100 ms) and the CPU each part used per request. Writes
 * {@code results/<date>/scaleout.md} and prints it. On a 2-core machine throughput cannot scale with instances:
 * what the table shows is the session count staying flat and what HAProxy and PgBouncer cost per request.
 */
public final class ScaleOutBench {
    private static final int CLIENTS = 100;

    private record Row(String setup, LoadResult result, int sessions, double cpuInstances, double cpuBouncer,
                       double cpuHaproxy, double cpuPostgres, double cpuDriver) {
    }

    private ScaleOutBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        Duration warm = Duration.ofSeconds(quick ? 3 : 10);
        Duration measure = Duration.ofSeconds(quick ? 8 : 20);
        Path out = Path.of("results", LocalDate.now().toString()).toAbsolutePath();
        Files.createDirectories(out);
        Path deploy = Path.of(System.getProperty("deploy.directory", "deploy")).toAbsolutePath();
        var progress = new Progress();
        var rows = new ArrayList<Row>();
        long started = System.nanoTime();
        try (LoadTool tool = LoadTool.select(Optional.empty(), Path.of("loadtest"), out)) {
            progress.say("scale-out benchmark, driver " + tool.name() + ", " + CLIENTS + " clients, point read");
            var base = Topology.Options.defaults(out.resolve("scaleout-logs"), deploy).withLogLevel("WARN");
            try (Topology t = Topology.start(base.withInstances(1).withBouncerPoolSize(0), progress)) {
                Dataset data = seed(t, progress);
                rows.add(measure("1 instance, directly to PostgreSQL (pool 50)", t, t.instance(0).baseUri(), tool,
                        data, warm, measure, progress));
            }
            try (Topology t = Topology.start(base.withInstances(3), progress)) {
                Dataset data = seed(t, progress);
                for (int n = 3; n >= 1; n--) {
                    rows.add(measure(n + " instance" + (n > 1 ? "s" : "") + " behind HAProxy + PgBouncer", t,
                            t.baseUri(), tool, data, warm, measure, progress));
                    if (n > 1) {
                        t.stopInstance(n - 1);
                        t.haproxy().awaitAll("UP", Duration.ofSeconds(1));
                    }
                }
                rows.add(measure("1 instance through PgBouncer, no HAProxy", t, t.instance(0).baseUri(), tool, data,
                        warm, measure, progress));
            }
        }
        String md = report(rows, quick, (System.nanoTime() - started) / 1e9);
        Files.writeString(out.resolve("scaleout.md"), md);
        System.out.println(md);
        progress.say("report in " + out.resolve("scaleout.md"));
        System.exit(0);
    }

    private static Dataset seed(Topology t, Progress progress) {
        try (Connection c = t.serviceDatabase()) {
            progress.say("seeding 20,000 notes, 50 instruments x 30 days");
            return Seeder.seed(c, 50, 30, 20_000);
        } catch (SQLException e) {
            throw new IllegalStateException("seeding failed: " + e.getMessage(), e);
        }
    }

    private static Row measure(String setup, Topology t, URI target, LoadTool tool, Dataset data, Duration warm,
                               Duration measure, Progress progress) throws Exception {
        progress.say(setup + ": warming " + warm.toSeconds() + " s");
        tool.run(target, Workload.POINT, data, CLIENTS, warm);
        List<Long> instances = t.instancePids();
        long bouncer = t.bouncer() == null ? -1 : t.bouncer().pid().orElse(-1L);
        long postmaster = BenchCluster.postmasterPid(t.postgres());
        long self = ProcessHandle.current().pid();
        double[] before = {sum(instances), cpu(bouncer), ProcStats.cpuSeconds(t.haproxy().pid()),
            ProcStats.clusterCpuSeconds(postmaster), ProcStats.cpuSecondsWithReapedChildren(self)};
        var max = new AtomicInteger();
        var running = new AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            try (Connection c = t.observer()) {
                for (int i = 0; running.get() && i < 10_000; i++) {
                    max.accumulateAndGet(Topology.serviceSessions(c), Math::max);
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                progress.say("session sampler stopped: " + e);
            }
        });
        progress.say(setup + ": measuring " + measure.toSeconds() + " s");
        LoadResult r = tool.run(target, Workload.POINT, data, CLIENTS, measure);
        running.set(false);
        sampler.join(5_000);
        double[] after = {sum(instances), cpu(bouncer), ProcStats.cpuSeconds(t.haproxy().pid()),
            ProcStats.clusterCpuSeconds(postmaster), ProcStats.cpuSecondsWithReapedChildren(self)};
        boolean viaHaproxy = target.getPort() == t.haproxy().port();
        progress.say(String.format("%s: %.0f req/s, p99 %.1f ms, %d failed", setup, r.throughput(), r.p99Millis(),
                r.failed()));
        return new Row(setup, r, max.get(), after[0] - before[0], bouncer < 0 ? Double.NaN : after[1] - before[1],
                viaHaproxy ? after[2] - before[2] : Double.NaN, after[3] - before[3], after[4] - before[4]);
    }

    private static double sum(List<Long> pids) {
        return pids.stream().mapToDouble(ProcStats::cpuSeconds).filter(v -> !Double.isNaN(v)).sum();
    }

    private static double cpu(long pid) {
        return pid < 0 ? Double.NaN : ProcStats.cpuSeconds(pid);
    }

    private static String report(List<Row> rows, boolean quick, double seconds) {
        var sb = new StringBuilder("# Scale-out figures\n\n");
        sb.append(String.format("%s run of %s, %d clients, point read (GET /api/research/{id}), %s; load average at"
                        + " the end %s; %.0f s in all. CPU columns: microseconds of CPU per request (user + system)"
                        + " of each part.%n%n", quick ? "Quick" : "Full", LocalDate.now(), CLIENTS,
                "PgBouncer default_pool_size 10, instances of pool 50", ProcStats.loadAverage(), seconds));
        sb.append("| setup | req/s | p99 ms | failed | PostgreSQL sessions (max) | instances | PgBouncer | HAProxy"
                + " | PostgreSQL | load driver |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row row : rows) {
            LoadResult r = row.result();
            double n = Math.max(1, r.requests());
            sb.append(String.format("| %s | %,.0f | %.1f | %d | %d | %s | %s | %s | %s | %s |%n", row.setup(),
                    r.throughput(), r.p99Millis(), r.failed(), row.sessions(), micros(row.cpuInstances(), n),
                    micros(row.cpuBouncer(), n), micros(row.cpuHaproxy(), n), micros(row.cpuPostgres(), n),
                    micros(row.cpuDriver(), n)));
        }
        return sb.toString();
    }

    private static String micros(double seconds, double requests) {
        return Double.isNaN(seconds) ? "-" : String.format("%.0f", seconds * 1e6 / requests);
    }

    static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
