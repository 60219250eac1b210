package io.tradingdesk.loadtest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Supplier;

/**
 * Everything measured against one server mode, in order: start the server ({@code DB_POOL_MODE} direct or pooled,
 * pool of {@value Plan#POOL_SIZE}), warm it up, the four workloads at {@value Plan#CONCURRENCY} clients, the stress
 * run at {@value Plan#STRESS_CONCURRENCY}, the rest of the concurrency sweep, the sustained rounds, the profile if
 * wanted, and the server's peak memory and CPU before it is stopped. Used from one thread.
 */
final class ModeRun {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final Plan plan;
    private final BenchCluster cluster;
    private final Supplier<Dataset> data;
    private final Measurer measurer;
    private final LoadTool.JavaTool rounds;
    private final JfrProfiler profiler;
    private final Path outDir;
    private final Progress progress;

    /**
     * @param data     the seeded data set; asked for once the first server is ready (it migrates the schema)
     * @param rounds   the driver of the fixed-size rounds: they need an exact request count, which only it keeps
     */
    ModeRun(Plan plan, BenchCluster cluster, Supplier<Dataset> data, Measurer measurer, LoadTool.JavaTool rounds,
            JfrProfiler profiler, Path outDir, Progress progress) {
        this.plan = plan;
        this.cluster = cluster;
        this.data = data;
        this.measurer = measurer;
        this.rounds = rounds;
        this.profiler = profiler;
        this.outDir = outDir;
        this.progress = progress;
    }

    /** Fills {@code mode}; the server is stopped when this returns or throws. */
    void run(ModeResults mode) {
        Path log = outDir.resolve("server-" + mode.mode + ".log");
        boolean pooled = Plan.POOLED.equals(mode.mode);
        var env = new LinkedHashMap<String, String>();
        env.put("DATABASE_URL", cluster.serverDatabaseUrl("bench"));
        env.put("DB_POOL_MODE", mode.mode);
        env.put("DB_MAX_POOL_SIZE", Integer.toString(Plan.POOL_SIZE));
        if (pooled) {
            env.put("DB_MIN_POOL_SIZE", Integer.toString(Plan.POOL_SIZE));
        }
        env.put("LOG_LEVEL", "WARN");
        env.put("DB_MIGRATE_ON_START", "true");
        env.put("DB_APPLICATION_NAME", "bench-" + mode.mode);
        progress.say("[" + mode.mode + "] starting the server (DB_POOL_MODE=" + mode.mode + ", DB_MAX_POOL_SIZE="
                + Plan.POOL_SIZE + (pooled ? ", DB_MIN_POOL_SIZE=" + Plan.POOL_SIZE : "") + "), log " + log);
        long t0 = System.nanoTime();
        try (ServerProcess server = ServerProcess.start(env, List.of(), log, READY_TIMEOUT)) {
            mode.startSeconds = (System.nanoTime() - t0) / 1e9;
            progress.say(String.format("[%s] ready in %.1f s at %s (pid %d)", mode.mode, mode.startSeconds,
                    server.baseUri(), server.pid()));
            Dataset seeded = data.get();

            Duration warm = plan.warmup(mode.mode);
            progress.say("[" + mode.mode + "] warm-up: " + warm.toSeconds() + " s of point reads @" + Plan.CONCURRENCY
                    + " (discarded)");
            mode.warmup = measurer.measure(server, mode.mode, "warm-up", Workload.POINT, seeded, Plan.CONCURRENCY,
                    warm);

            for (Workload w : Workload.values()) {
                Measurement m = measurer.measure(server, mode.mode, w.label(), w, seeded, Plan.CONCURRENCY,
                        plan.workload());
                mode.workloads.put(w, m);
                progress.say("[" + mode.mode + "] " + w.label() + " @" + Plan.CONCURRENCY + ": "
                        + m.result().summary());
            }
            mode.sweep.put(Plan.CONCURRENCY, mode.workloads.get(Workload.POINT));

            mode.stress = measurer.measure(server, mode.mode, "stress", Workload.POINT, seeded,
                    Plan.STRESS_CONCURRENCY, plan.stress());
            mode.sweep.put(Plan.STRESS_CONCURRENCY, mode.stress);
            progress.say("[" + mode.mode + "] stress point @" + Plan.STRESS_CONCURRENCY + ": "
                    + mode.stress.result().summary());

            for (int level : Plan.SWEEP) {
                if (!mode.sweep.containsKey(level)) {
                    Measurement m = measurer.measure(server, mode.mode, "sweep", Workload.POINT, seeded, level,
                            plan.sweep());
                    mode.sweep.put(level, m);
                    progress.say("[" + mode.mode + "] sweep point @" + level + ": " + m.result().summary());
                }
            }

            sustained(server, mode, seeded);

            if (pooled && profiler.wanted(mode)) {
                profiler.profile(server, mode, seeded);
            }
            mode.peakRssKib = ProcStats.peakRssKib(server.pid()).orElse(-1);
            mode.serverCpuSeconds = ProcStats.cpuSeconds(server.pid());
        } finally {
            rounds.close();
        }
    }

    /** The report's sustained test (rounds of 100 requests, exact counts: LoadDriver) and a timed run in rounds. */
    private void sustained(ServerProcess server, ModeResults mode, Dataset seeded) {
        LoadDriver driver = rounds.driver(server.baseUri());
        var factory = Workload.POINT.factory(seeded);
        // Discarded: opens the driver's connections and lets the JIT compile this JVM's HTTP client, which would
        // otherwise be measured warming up in rounds that last a fraction of a second each.
        driver.run(factory, Plan.CONCURRENCY, plan.roundsWarmup());
        for (int i = 0; i < Plan.FIXED_ROUNDS; i++) {
            mode.fixedRounds.add(driver.run(factory, Plan.CONCURRENCY, (long) Plan.ROUND_REQUESTS));
        }
        progress.say(String.format("[%s] sustained %d x %d requests @%d: %s req/s, CV %.3f", mode.mode,
                Plan.FIXED_ROUNDS, Plan.ROUND_REQUESTS, Plan.CONCURRENCY, mode.fixedRounds.stream()
                        .map(r -> String.format("%.0f", r.throughput())).toList(), mode.fixedRoundsCv()));
        Duration round = plan.timed().dividedBy(Plan.TIMED_ROUNDS);
        for (int i = 1; i <= Plan.TIMED_ROUNDS; i++) {
            mode.timedRounds.add(measurer.measure(server, mode.mode, "round " + i + "/" + Plan.TIMED_ROUNDS,
                    Workload.POINT, seeded, Plan.CONCURRENCY, round));
        }
        progress.say(String.format("[%s] timed %d s in %d rounds @%d: %s req/s, CV %.3f", mode.mode,
                plan.timed().toSeconds(), Plan.TIMED_ROUNDS, Plan.CONCURRENCY, mode.timedRounds.stream()
                        .map(m -> String.format("%.0f", m.result().throughput())).toList(), mode.timedRoundsCv()));
    }
}
