package io.tradingdesk.loadtest;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Runs the k6 load scripts' scenarios with the Java runner against freshly started servers, as a new user runs
 * {@code k6 run <script>.js} against a server started just before, and judges each script's thresholds, read from
 * lib/thresholds.js, on its measured requests. While a script runs, a {@link CpuHog} takes one core's share, the
 * stand-in for k6's own CPU, on top of the Java runner's own client work (reading and parsing every answer).
 * {@code ./bench --k6-thresholds} runs it at full length; {@code K6ThresholdsIT} scaled down. Used from one thread.
 */
final class K6ThresholdCheck {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    /** The data the scripts' setup() would seed: complex.js's 200 instruments x 90 days, 1,000 notes. */
    static final int INSTRUMENTS = 200;
    static final int DAYS = 90;
    static final long NOTES = 1_000;

    /**
     * Where the servers keep their data.
     *
     * @param serverUrl  DATABASE_URL for the server, credentials included
     * @param connector  a plain connection for seeding
     * @param postmaster the PostgreSQL postmaster's pid when its CPU can be read
     */
    record Target(String serverUrl, Connector connector, OptionalLong postmaster) {
    }

    /** Opens a JDBC connection to the database the servers use. */
    @FunctionalInterface
    interface Connector {
        Connection connect() throws SQLException;
    }

    /**
     * How to run.
     *
     * @param scale          every duration of the scripts multiplied by this (1 = the scripts' defaults)
     * @param warmup         the warm-up's length, as {@code k6 run -e WARMUP=...} sets it; null: the scripts' 30 s
     *                       times {@code scale}
     * @param hog            run a {@link CpuHog} while each script runs
     * @param freshServers   a new server per script (true), or one for all of them, in the given order
     * @param scripts        what to run, in order
     */
    record Settings(double scale, Duration warmup, boolean hog, boolean freshServers, List<K6Script> scripts) {
        Settings {
            if (!(scale > 0 && scale <= 1)) {
                throw new IllegalArgumentException("scale must be in (0, 1]: " + scale);
            }
            scripts = List.copyOf(scripts);
        }

        List<K6Scenario> scenarios(K6Script script) {
            return warmup == null ? script.scenarios(scale) : script.scenarios(scale, warmup);
        }
    }

    /**
     * CPU of one stretch of a run, in cores (CPU seconds per wall-clock second).
     *
     * @param other what the rest of the machine used meanwhile: busy CPU of /proc/stat minus the four before it
     */
    record Cpu(double seconds, double server, double postgres, double client, double hog, double other) {
    }

    /**
     * What one script came to. Immutable once built.
     *
     * @param measuredRequests  HTTP requests of the measured scenarios
     * @param warmupRequests    HTTP requests of the warm-up, which no threshold sees
     * @param measuredCpu       CPU over the measured scenarios
     * @param serverCpuMicrosPerRequest server CPU over the measured scenarios / their requests
     * @param byKind            the measured requests' latency (ms) by kind: avg, p95, p99, count
     */
    record ScriptResult(K6Script script, List<K6Threshold.Outcome> outcomes, Map<String, K6Runner.ScenarioRun> scenarios,
                        long measuredRequests, long warmupRequests, Cpu measuredCpu, double serverCpuMicrosPerRequest,
                        Map<String, double[]> byKind) {

        boolean passed() {
            return outcomes.stream().allMatch(K6Threshold.Outcome::passed);
        }

        List<K6Threshold.Outcome> failed() {
            return outcomes.stream().filter(o -> !o.passed()).toList();
        }
    }

    private final K6Limits limits;
    private final Settings settings;
    private final Path logDir;
    private final Progress progress;

    K6ThresholdCheck(Path k6Dir, Settings settings, Path logDir, Progress progress) {
        this.limits = K6Limits.read(k6Dir);
        this.settings = settings;
        this.logDir = logDir;
        this.progress = progress;
    }

    /** Runs every script of the settings against servers on {@code target}; the servers are stopped on return. */
    List<ScriptResult> run(Target target) {
        var results = new ArrayList<ScriptResult>();
        Dataset data = null;
        ServerProcess shared = null;
        try {
            for (K6Script script : settings.scripts()) {
                ServerProcess server = shared;
                if (server == null) {
                    server = start(target, script);
                    if (!settings.freshServers()) {
                        shared = server;
                    }
                }
                try {
                    if (data == null) {
                        data = seed(target);
                    }
                    results.add(runScript(script, server, data, target.postmaster()));
                } finally {
                    if (settings.freshServers()) {
                        server.close();
                    }
                }
            }
        } finally {
            if (shared != null) {
                shared.close();
            }
        }
        return results;
    }

    private ServerProcess start(Target target, K6Script script) {
        var env = new LinkedHashMap<String, String>();
        env.put("DATABASE_URL", target.serverUrl());
        env.put("LOG_LEVEL", "WARN");
        env.put("DB_MIGRATE_ON_START", "true");
        env.put("DB_APPLICATION_NAME", "k6-" + script.scriptName());
        Path log = logDir.resolve("server-k6-" + (settings.freshServers() ? script.scriptName() : "all") + ".log");
        progress.say("[k6 " + script.scriptName() + "] starting a fresh server (default configuration), log " + log);
        long t0 = System.nanoTime();
        ServerProcess server = ServerProcess.start(env, List.of(), log, READY_TIMEOUT);
        progress.say(String.format("[k6 %s] ready in %.1f s at %s", script.scriptName(),
                (System.nanoTime() - t0) / 1e9, server.baseUri()));
        return server;
    }

    private Dataset seed(Target target) {
        progress.say("seeding " + INSTRUMENTS + " instruments x " + DAYS + " days and " + NOTES + " notes (SQL)");
        try (Connection c = target.connector().connect()) {
            return Seeder.seed(c, INSTRUMENTS, DAYS, NOTES);
        } catch (SQLException e) {
            throw new IllegalStateException("seeding failed: " + e.getMessage(), e);
        }
    }

    private ScriptResult runScript(K6Script script, ServerProcess server, Dataset data, OptionalLong postmaster) {
        List<K6Scenario> scenarios = settings.scenarios(script);
        Duration measureStart = scenarios.stream().filter(s -> K6Scenario.MEASURE.equals(s.phase()))
                .map(K6Scenario::startTime).min(Duration::compareTo).orElseThrow();
        var iterations = new K6Iterations(data);
        String tag = "[k6 " + script.scriptName() + "] ";
        progress.say(tag + "warm-up " + scenarios.getFirst().executor() + ", then " + scenarios.subList(1,
                scenarios.size()).stream().map(K6Scenario::name).toList() + (settings.hog() ? ", CPU hog on" : ""));
        var runner = new K6Runner(server.baseUri(), exec -> script.function(exec, iterations),
                line -> progress.say(tag + line));
        CpuHog hog = settings.hog() ? CpuHog.start() : null;
        K6Metrics metrics;
        Probe[] atMeasureStart = new Probe[1];
        Probe end;
        try {
            long t0 = System.nanoTime();
            Thread prober = Thread.ofPlatform().daemon().name("k6-probe").start(() -> {
                long wait = t0 + measureStart.toNanos() - System.nanoTime();
                try {
                    if (wait > 0) {
                        Thread.sleep(Duration.ofNanos(wait));
                    }
                    atMeasureStart[0] = Probe.take(server.pid(), postmaster, hog);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            metrics = runner.run(scenarios);
            end = Probe.take(server.pid(), postmaster, hog);
            joinQuietly(prober);
        } finally {
            if (hog != null) {
                hog.close();
            }
        }
        if (!server.isAlive()) {
            throw new IllegalStateException("the server died during " + script.scriptName() + "; end of its log:\n"
                    + ServerProcess.tail(server.log(), 30));
        }
        var outcomes = script.parsedThresholds(limits).stream().map(t -> t.judge(metrics)).toList();
        long measured = metrics.aggregate("http_reqs", Map.of("phase", K6Scenario.MEASURE)).count();
        long warm = metrics.aggregate("http_reqs", Map.of("phase", K6Scenario.WARMUP)).count();
        Cpu cpu = atMeasureStart[0] == null ? null : end.since(atMeasureStart[0]);
        double cpuPerRequest = cpu == null || measured == 0 ? Double.NaN
                : cpu.server() * cpu.seconds() / measured * 1e6;
        var byKind = new LinkedHashMap<String, double[]>();
        for (String kind : List.of("simple", "write", "complex")) {
            K6Metrics.Aggregate a = metrics.aggregate("http_req_duration",
                    Map.of("kind", kind, "phase", K6Scenario.MEASURE));
            if (a.count() > 0) {
                byKind.put(kind, new double[] {a.value("avg", 0), a.value("p", 95), a.value("p", 99), a.count()});
            }
        }
        var result = new ScriptResult(script, outcomes, runner.scenarioRuns(), measured, warm, cpu, cpuPerRequest,
                byKind);
        progress.say(tag + (result.passed() ? "all " + outcomes.size() + " thresholds hold"
                : result.failed().size() + " of " + outcomes.size() + " thresholds FAIL: " + result.failed().stream()
                        .map(o -> o.threshold().key() + " " + o.threshold().expression() + " (observed "
                                + ReportFormat.f("%.4g", o.observed()) + ")").toList()));
        return result;
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Cumulative CPU seconds at one instant. */
    private record Probe(long nanos, double server, double postgres, double client, double hog, double machine) {

        static Probe take(long serverPid, OptionalLong postmaster, CpuHog hog) {
            return new Probe(System.nanoTime(), ProcStats.cpuSeconds(serverPid),
                    postmaster.isPresent() ? ProcStats.clusterCpuSeconds(postmaster.getAsLong()) : Double.NaN,
                    ProcStats.cpuSecondsWithReapedChildren(ProcessHandle.current().pid()),
                    hog == null ? 0 : hog.cpuSeconds(), ProcStats.machineBusySeconds());
        }

        Cpu since(Probe start) {
            double wall = (nanos - start.nanos) / 1e9;
            double server = (this.server - start.server) / wall;
            double pg = (postgres - start.postgres) / wall;
            double client = (this.client - start.client) / wall;
            double h = (hog - start.hog) / wall;
            double machine = (this.machine - start.machine) / wall;
            double known = server + client + h + (Double.isNaN(pg) ? 0 : pg);
            return new Cpu(wall, server, pg, client, h, Double.isNaN(pg) ? Double.NaN : Math.max(0, machine - known));
        }
    }
}
