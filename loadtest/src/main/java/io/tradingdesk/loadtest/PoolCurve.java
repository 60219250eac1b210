package io.tradingdesk.loadtest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Supplier;

/**
 * The pool size that serves the machine best: a pooled server per size of {@link Plan#POOL_SIZES} (max = min = the
 * size, so that no connection is opened while measuring), each warmed up with point reads at
 * {@value Plan#CONCURRENCY} clients (discarded), then measured with the same: throughput, p99, and the server's CPU
 * per request from {@code /proc} over the measured run. The server of the default size ({@value Plan#POOL_SIZE})
 * also answers {@code GET /health/live} at the same concurrency, the floor of what a request costs the server (HTTP
 * only, no database). A size whose server fails becomes a note, not an error. Used from one thread.
 */
final class PoolCurve {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    /** The liveness probe: HTTP, routing and a small JSON answer, no database. */
    static final String LIVE_PATH = "/health/live";

    /**
     * One measured run against one server.
     *
     * @param poolSize                  DB_MAX_POOL_SIZE of the server
     * @param route                     what was requested
     * @param serverCores               the server's CPU over the run, in cores
     * @param serverCpuMicrosPerRequest the server's CPU seconds over the run / requests, in microseconds
     */
    record Point(int poolSize, String route, LoadResult result, double serverCores, double serverCpuMicrosPerRequest) {
    }

    /**
     * The curve. Immutable.
     *
     * @param points point reads by pool size, ascending
     * @param live   {@code /health/live} at the default pool size, null when not measured
     */
    record Result(List<Point> points, Point live) {
        Result {
            points = List.copyOf(points);
        }

        static final Result NONE = new Result(List.of(), null);
    }

    private PoolCurve() {
    }

    static Result measure(Plan plan, BenchCluster cluster, Supplier<Dataset> data, LoadTool tool, Path outDir,
                          Progress progress, List<String> notes) {
        var points = new ArrayList<Point>();
        Point live = null;
        for (int size : Plan.POOL_SIZES) {
            String tag = "[pool " + size + "] ";
            Path log = outDir.resolve("server-pool-" + size + ".log");
            var env = new LinkedHashMap<String, String>();
            env.put("DATABASE_URL", cluster.serverDatabaseUrl("bench"));
            env.put("DB_POOL_MODE", Plan.POOLED);
            env.put("DB_MAX_POOL_SIZE", Integer.toString(size));
            env.put("DB_MIN_POOL_SIZE", Integer.toString(size));
            env.put("DB_MAX_WAITING", Integer.toString(4 * Plan.CONCURRENCY));
            env.put("LOG_LEVEL", "WARN");
            env.put("DB_MIGRATE_ON_START", "true");
            env.put("DB_APPLICATION_NAME", "bench-pool-" + size);
            progress.say(tag + "starting a pooled server with DB_MAX_POOL_SIZE=DB_MIN_POOL_SIZE=" + size + ", log " + log);
            try (ServerProcess server = ServerProcess.start(env, List.of(), log, READY_TIMEOUT)) {
                Dataset seeded = data.get();
                progress.during(tag + "warm-up point @" + Plan.CONCURRENCY, plan.poolWarmup(),
                        () -> tool.run(server.baseUri(), Workload.POINT, seeded, Plan.CONCURRENCY, plan.poolWarmup()));
                Point p = measured(server, size, Workload.POINT.route(), tag + "point @" + Plan.CONCURRENCY,
                        plan.poolMeasure(), progress,
                        () -> tool.run(server.baseUri(), Workload.POINT, seeded, Plan.CONCURRENCY, plan.poolMeasure()));
                points.add(p);
                progress.say(tag + describe(p));
                if (size == Plan.POOL_SIZE) {
                    live = measured(server, size, "GET " + LIVE_PATH, tag + "GET " + LIVE_PATH + " @"
                            + Plan.CONCURRENCY, plan.poolMeasure(), progress,
                            () -> tool.runPath(server.baseUri(), LIVE_PATH, Plan.CONCURRENCY, plan.poolMeasure()));
                    progress.say(tag + describe(live));
                }
            } catch (RuntimeException e) {
                String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                notes.add("pool-size curve: DB_MAX_POOL_SIZE=" + size + " gave no result: " + first);
                progress.say(tag + "gave no result: " + e.getMessage());
            }
        }
        return new Result(points, live);
    }

    /** Runs {@code run} and reads the server's CPU from /proc before and after it. */
    private static Point measured(ServerProcess server, int size, String route, String label, Duration expected,
                                  Progress progress, Supplier<LoadResult> run) {
        double cpu0 = ProcStats.cpuSeconds(server.pid());
        long t0 = System.nanoTime();
        LoadResult r = progress.during(label, expected, run);
        double cpu = ProcStats.cpuSeconds(server.pid()) - cpu0;
        double wall = (System.nanoTime() - t0) / 1e9;
        if (!server.isAlive()) {
            throw new IllegalStateException("the server died during " + label + "; end of its log:\n"
                    + ServerProcess.tail(server.log(), 30));
        }
        return new Point(size, route, r, cpu / wall, r.requests() > 0 ? cpu / r.requests() * 1e6 : Double.NaN);
    }

    private static String describe(Point p) {
        return p.route() + ": " + p.result().summary() + String.format(", server %.2f cores, %.0f us CPU per request",
                p.serverCores(), p.serverCpuMicrosPerRequest());
    }
}
