package io.tradingdesk.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one-command before/after benchmark: the same workloads against the real server, first with a new database
 * connection per query ({@code DB_POOL_MODE=direct}, the reference report's "before"), then pooled ({@code pooled},
 * 50 connections), plus PostgreSQL's own pgbench as the ceiling a pooled service can approach (select-only, and the
 * point-read endpoint's own SELECT), and the pool-size curve (8, 16, 32, 50 connections).
 *
 * <pre>
 *   java -Dapp.modulePath=app/target/modules -p loadtest/target/modules -m loadtest [--quick] [--out results]
 *        [--driver k6|wrk|java] [--profile]
 *   ... -m loadtest --pool-curve [--quick]        only the pool-size curve
 *   ... -m loadtest --k6-thresholds [--scale F]   the k6 scripts' scenarios and thresholds (K6ThresholdsCommand)
 * </pre>
 *
 * Writes {@code <out>/<yyyy-MM-dd>/benchmark.json}, {@code benchmark.md} and {@code throughput-p99.png}, and prints
 * the markdown. The database is a throwaway scram-sha-256 cluster of its own (or {@code BENCH_DATABASE_URL}); the
 * server runs as a child process from {@code app.modulePath} with {@code LOG_LEVEL=WARN}. All load goes to 127.0.0.1
 * and every step is bounded in time: under 12 minutes in total, under 3 with {@code --quick}. This class only puts
 * the steps in order; each step is a class of its own.
 */
public final class Benchmark {

    private final Options options;
    private final Plan plan;
    private final Path outDir;
    private final Progress progress = new Progress();
    private final List<String> notes = new ArrayList<>();
    private final ModeResults direct = new ModeResults(Plan.DIRECT);
    private final ModeResults pooled = new ModeResults(Plan.POOLED);
    private Dataset data;

    private Benchmark(Options options) {
        this.options = options;
        this.plan = options.plan();
        this.outDir = options.outRoot().resolve(LocalDate.now().toString()).toAbsolutePath();
    }

    public static void main(String[] args) {
        // Before anything touches AWT: the chart is drawn without a display.
        System.setProperty("java.awt.headless", "true");
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(Options.USAGE);
            return;
        }
        try {
            switch (options.task()) {
                case K6_THRESHOLDS -> System.exit(K6ThresholdsCommand.run(options, new Progress()));
                case POOL_CURVE -> PoolCurveCommand.run(options, new Progress());
                case BENCHMARK -> new Benchmark(options).run();
            }
        } catch (RuntimeException e) {
            System.err.println();
            System.err.println("bench: FAILED: " + e.getMessage());
            e.printStackTrace(System.err);
            System.exit(1);
        }
    }

    private void run() {
        long started = System.nanoTime();
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + outDir + ": " + e.getMessage(), e);
        }
        progress.say("benchmark (" + plan.name() + " plan) -> " + outDir);
        Environment environment;
        PgbenchCeiling.Result ceiling;
        PoolCurve.Result poolCurve;
        Map<Integer, LoadResult> pointReadCeiling;
        try (BenchCluster cluster = BenchCluster.start();
             LoadTool tool = LoadTool.select(options.driver(), Path.of("loadtest"), outDir);
             var rounds = new LoadTool.JavaTool()) {
            progress.say("database: " + cluster.description());
            progress.say("load driver: " + tool.name());
            environment = Environment.describe(plan, cluster, tool, rounds);
            cluster.createDatabase("bench");
            ceiling = PgbenchCeiling.measure(cluster, plan, outDir, progress, notes);
            var measurer = new Measurer(tool, cluster.postmasterPid(), progress);
            var profiler = new JfrProfiler(options, ceiling.byClients(), measurer, plan.profile(), outDir, progress,
                    notes);
            var modeRun = new ModeRun(plan, cluster, () -> dataset(cluster), measurer, rounds, profiler, outDir,
                    progress);
            for (ModeResults mode : List.of(direct, pooled)) {
                modeRun.run(mode);
            }
            poolCurve = PoolCurve.measure(plan, cluster, () -> dataset(cluster), tool, outDir, progress, notes);
            pointReadCeiling = PgbenchCeiling.measureEndpoint(cluster, plan, data, outDir, progress, notes);
        }
        if (ceiling.version() != null) {
            environment = environment.withPgbench(ceiling.version());
        }
        environment = environment.finished((System.nanoTime() - started) / 1e9, ProcStats.loadAverage());
        // The chart first, so that the report can say when it could not be drawn.
        try {
            Chart.write(outDir.resolve("throughput-p99.png"), direct, pooled, ceiling.byClients());
        } catch (RuntimeException | LinkageError e) {
            notes.add("chart not drawn: " + e);
            progress.say("chart not drawn: " + e);
        }
        var results = new Results(plan, environment, data, ceiling.byClients(), direct, pooled, notes,
                pointReadCeiling, poolCurve);
        String markdown = MarkdownReport.write(results);
        write("benchmark.md", markdown);
        write("benchmark.json", JsonReport.write(results));
        System.out.println();
        System.out.println(markdown);
        progress.say(String.format("done in %.0f s; report in %s", (System.nanoTime() - started) / 1e9, outDir));
    }

    /** The data set, seeded with SQL on first use: the first server to start has migrated the schema by then. */
    private Dataset dataset(BenchCluster cluster) {
        if (data == null) {
            progress.say("seeding " + Plan.NOTES + " research notes, " + Plan.INSTRUMENTS + " instruments x "
                    + Plan.DAYS + " daily bars (SQL)");
            long t0 = System.nanoTime();
            try (Connection c = cluster.connect("bench")) {
                data = Seeder.seed(c, Plan.INSTRUMENTS, Plan.DAYS, Plan.NOTES);
            } catch (SQLException e) {
                throw new IllegalStateException("seeding failed: " + e.getMessage(), e);
            }
            progress.say(String.format("seeded in %.1f s: notes %d..%d", (System.nanoTime() - t0) / 1e9,
                    data.minNoteId(), data.maxNoteId()));
        }
        return data;
    }

    private void write(String name, String content) {
        try {
            Files.writeString(outDir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + outDir.resolve(name) + ": " + e.getMessage(), e);
        }
    }
}
