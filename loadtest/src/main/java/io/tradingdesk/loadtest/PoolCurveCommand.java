package io.tradingdesk.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;

/**
 * {@code ./bench --pool-curve}: only the pool-size curve of the benchmark ({@link PoolCurve}), on a throwaway cluster
 * of its own (or {@code BENCH_DATABASE_URL}) seeded like the benchmark's. Writes {@code pool-curve.md} next to where
 * the benchmark's report goes and prints it. Used from one thread.
 */
final class PoolCurveCommand {

    private PoolCurveCommand() {
    }

    static void run(Options options, Progress progress) {
        long started = System.nanoTime();
        Plan plan = options.plan();
        Path outDir = options.outRoot().resolve(LocalDate.now().toString()).toAbsolutePath();
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + outDir + ": " + e.getMessage(), e);
        }
        String date = OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString();
        String loadAtStart = ProcStats.loadAverage();
        var notes = new ArrayList<String>();
        PoolCurve.Result curve;
        String tool;
        String database;
        try (BenchCluster cluster = BenchCluster.start();
             LoadTool driver = LoadTool.select(options.driver(), Path.of("loadtest"), outDir)) {
            tool = driver.name();
            database = cluster.description();
            progress.say("pool-size curve (" + plan.name() + " plan), database: " + database + ", driver: " + tool);
            cluster.createDatabase("bench");
            Dataset[] data = new Dataset[1];
            curve = PoolCurve.measure(plan, cluster, () -> {
                if (data[0] == null) {
                    try (Connection c = cluster.connect("bench")) {
                        data[0] = Seeder.seed(c, Plan.INSTRUMENTS, Plan.DAYS, Plan.NOTES);
                    } catch (SQLException e) {
                        throw new IllegalStateException("seeding failed: " + e.getMessage(), e);
                    }
                }
                return data[0];
            }, driver, outDir, progress, notes);
        }
        var md = new StringBuilder("# Pool-size curve\n\nMeasured ").append(date).append(" by `./bench --pool-curve")
                .append("quick".equals(plan.name()) ? " --quick" : "").append("` on ").append(Environment.machine())
                .append("; driver ").append(tool).append("; ").append(database).append("; load average at start ")
                .append(loadAtStart).append(", at end ").append(ProcStats.loadAverage()).append(".\n\n");
        CostTables.poolCurve(md, curve);
        if (curve.live() != null) {
            md.append("`GET ").append(PoolCurve.LIVE_PATH).append("` @").append(Plan.CONCURRENCY).append(": ")
                    .append(ReportFormat.num(curve.live().result().throughput())).append(" req/s, ")
                    .append(ReportFormat.num(curve.live().serverCpuMicrosPerRequest()))
                    .append(" µs of server CPU per request.\n\n");
        }
        notes.forEach(n -> md.append("- ").append(n).append('\n'));
        try {
            Files.writeString(outDir.resolve("pool-curve.md"), md.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write pool-curve.md: " + e.getMessage(), e);
        }
        System.out.println();
        System.out.println(md);
        progress.say(String.format("done in %.0f s; report in %s", (System.nanoTime() - started) / 1e9, outDir));
    }
}
