package io.tradingdesk.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one-command before/after benchmark: the same workloads against the real server, first with a new database
 * connection per query ({@code DB_POOL_MODE=direct}, the reference report's "before"), then pooled ({@code pooled},
 * 50 connections), plus PostgreSQL's own pgbench as the ceiling a pooled service can approach.
 *
 * <pre>
 *   java -Dapp.modulePath=app/target/modules -p loadtest/target/modules -m loadtest [--quick] [--out results]
 *        [--driver k6|wrk|java] [--profile]
 * </pre>
 *
 * Writes {@code <out>/<yyyy-MM-dd>/benchmark.json}, {@code benchmark.md} and {@code throughput-p99.png}, and prints
 * the markdown. The database is a throwaway scram-sha-256 cluster of its own (or {@code BENCH_DATABASE_URL}); the
 * server runs as a child process with {@code LOG_LEVEL=WARN}. All load goes to 127.0.0.1 and every step is bounded
 * in time: under 10 minutes in total, under 2 with {@code --quick}.
 */
public final class Benchmark {

    static final String DIRECT = "direct";
    static final String POOLED = "pooled";
    static final int POOL_SIZE = 50;
    static final int CONCURRENCY = 100;
    static final int STRESS_CONCURRENCY = 200;
    static final List<Integer> SWEEP = List.of(10, 50, 100, 200);
    static final int INSTRUMENTS = 200;
    static final int DAYS = 90;
    static final long NOTES = 100_000;
    static final int FIXED_ROUNDS = 5;
    static final int ROUND_REQUESTS = 100;
    static final int TIMED_ROUNDS = 5;

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern PROM_SAMPLE = Pattern.compile("^db_pool_acquire_seconds_(count|sum)\\{[^}]*} ([0-9.eE+-]+)",
            Pattern.MULTILINE);
    private static final Pattern PROM_BUCKET = Pattern.compile(
            "^db_pool_acquire_seconds_bucket\\{[^}]*le=\"([^\"]+)\"[^}]*} ([0-9.eE+-]+)", Pattern.MULTILINE);

    /** How long each step runs. */
    record Plan(String name, Duration warmupPooled, Duration warmupDirect, Duration workload, Duration stress,
                Duration timed, Duration sweep, Duration pgbench, Duration profile) {
        static final Plan FULL = new Plan("full", Duration.ofSeconds(30), Duration.ofSeconds(10),
                Duration.ofSeconds(15), Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofSeconds(20));
        static final Plan QUICK = new Plan("quick", Duration.ofSeconds(10), Duration.ofSeconds(3),
                Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(2),
                Duration.ofSeconds(3), Duration.ofSeconds(10));

        Duration warmup(String mode) {
            return POOLED.equals(mode) ? warmupPooled : warmupDirect;
        }
    }

    record Options(boolean quick, Path outRoot, Optional<String> driver, boolean profile) {
        static Options parse(String[] args) {
            boolean quick = false;
            boolean profile = false;
            Path out = Path.of("results");
            Optional<String> driver = Optional.ofNullable(System.getenv("BENCH_DRIVER")).filter(s -> !s.isBlank());
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> quick = true;
                    case "--profile" -> profile = true;
                    case "--out" -> out = Path.of(value(args, ++i, "--out"));
                    case "--driver" -> driver = Optional.of(value(args, ++i, "--driver"));
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'\n" + USAGE);
                }
            }
            return new Options(quick, out, driver, profile);
        }

        private static String value(String[] args, int i, String flag) {
            if (i >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value\n" + USAGE);
            }
            return args[i];
        }
    }

    static final String USAGE = """
            usage: bench [--quick] [--out DIR] [--driver k6|wrk|java] [--profile]
              --quick     short runs (under 2 minutes in total) instead of the full plan (under 10)
              --out DIR   results root (default: results); the report goes to DIR/<yyyy-MM-dd>/
              --driver    force a load driver (default: k6 if on PATH, else wrk, else the Java LoadDriver)
              --profile   record a JFR profile of the pooled server during a point-read run (done anyway in a full
                          run when a throughput target against pgbench is missed)
            environment: BENCH_DATABASE_URL  use this PostgreSQL instead of a throwaway scram-sha-256 cluster
            """;

    private final Options options;
    private final Plan plan;
    private final Path outDir;
    private final Map<String, Object> environment = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<Integer, LoadResult> pgbench = new TreeMap<>();
    private final ModeResults direct = new ModeResults(DIRECT);
    private final ModeResults pooled = new ModeResults(POOLED);
    private BenchCluster cluster;
    private LoadTool tool;
    private Dataset data;
    private OptionalLong postmaster = OptionalLong.empty();

    private Benchmark(Options options) {
        this.options = options;
        this.plan = options.quick() ? Plan.QUICK : Plan.FULL;
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
        try {
            new Benchmark(options).run();
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
        say("benchmark (" + plan.name() + " plan) -> " + outDir);
        try (BenchCluster c = BenchCluster.start();
             LoadTool t = LoadTool.select(options.driver(), Path.of("loadtest"), outDir);
             var rounds = new LoadTool.JavaTool()) {
            cluster = c;
            tool = t;
            postmaster = c.postmasterPid();
            say("database: " + c.description());
            say("load driver: " + t.name());
            describeEnvironment();
            c.createDatabase("bench");
            runPgbench();
            for (ModeResults mode : List.of(direct, pooled)) {
                runMode(mode, rounds);
            }
        }
        environment.put("totalSeconds", (System.nanoTime() - started) / 1e9);
        environment.put("loadAverageAtEnd", ProcStats.loadAverage());
        var report = new Report(plan, environment, notes, data, pgbench, direct, pooled);
        String markdown = report.markdown();
        write("benchmark.md", markdown);
        write("benchmark.json", JsonReport.write(plan, environment, notes, data, pgbench, direct, pooled,
                report.targets()));
        try {
            Chart.write(outDir.resolve("throughput-p99.png"), direct, pooled, pgbench);
        } catch (RuntimeException | LinkageError e) {
            notes.add("chart not drawn: " + e);
            say("chart not drawn: " + e);
        }
        System.out.println();
        System.out.println(markdown);
        say(String.format("done in %.0f s; report in %s", (System.nanoTime() - started) / 1e9, outDir));
    }

    // ---- the raw-database ceiling ----------------------------------------------------------------------------

    private void runPgbench() {
        Optional<Path> bin = Pgbench.find();
        if (bin.isEmpty()) {
            notes.add("pgbench not found (looked on PATH and in /usr/lib/postgresql/*/bin): no raw-database ceiling."
                    + " Install it with 'apt-get install postgresql-client'.");
            say("pgbench not found: skipping the raw-database ceiling");
            return;
        }
        cluster.createDatabase("pgbench");
        var pg = new Pgbench(bin.get(), cluster.host(), cluster.port(), cluster.user(), cluster.password(), "pgbench");
        environment.put("pgbench", pg.version() + " (" + bin.get() + ")");
        say("pgbench -i -s " + Pgbench.SCALE + " (database pgbench)");
        pg.init();
        for (int clients : SWEEP) {
            try {
                LoadResult r = progress("[pgbench] -S @" + clients, plan.pgbench(),
                        () -> pg.run(clients, plan.pgbench(), outDir));
                pgbench.put(clients, r);
                say("[pgbench] -S @" + clients + ": " + r.summary());
            } catch (RuntimeException e) {
                String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                notes.add("pgbench -S -c " + clients + " gave no result: " + first);
                say("[pgbench] -S @" + clients + " gave no result: " + e.getMessage());
            }
        }
    }

    // ---- one server mode -------------------------------------------------------------------------------------

    private void runMode(ModeResults mode, LoadTool.JavaTool rounds) {
        Path log = outDir.resolve("server-" + mode.mode + ".log");
        var env = new LinkedHashMap<String, String>();
        env.put("DATABASE_URL", cluster.serverDatabaseUrl("bench"));
        env.put("DB_POOL_MODE", mode.mode);
        env.put("DB_MAX_POOL_SIZE", Integer.toString(POOL_SIZE));
        if (POOLED.equals(mode.mode)) {
            env.put("DB_MIN_POOL_SIZE", Integer.toString(POOL_SIZE));
        }
        env.put("LOG_LEVEL", "WARN");
        env.put("DB_MIGRATE_ON_START", "true");
        env.put("DB_APPLICATION_NAME", "bench-" + mode.mode);
        say("[" + mode.mode + "] starting the server (DB_POOL_MODE=" + mode.mode + ", DB_MAX_POOL_SIZE=" + POOL_SIZE
                + (POOLED.equals(mode.mode) ? ", DB_MIN_POOL_SIZE=" + POOL_SIZE : "") + "), log " + log);
        long t0 = System.nanoTime();
        try (ServerProcess server = ServerProcess.start(env, List.of(), log, READY_TIMEOUT)) {
            mode.startSeconds = (System.nanoTime() - t0) / 1e9;
            say(String.format("[%s] ready in %.1f s at %s (pid %d)", mode.mode, mode.startSeconds, server.baseUri(),
                    server.pid()));
            if (data == null) {
                seed();
            }
            URI base = server.baseUri();

            Duration warm = plan.warmup(mode.mode);
            say("[" + mode.mode + "] warm-up: " + warm.toSeconds() + " s of point reads @" + CONCURRENCY
                    + " (discarded)");
            mode.warmup = measure(server, mode, "warm-up", Workload.POINT, CONCURRENCY, warm);

            for (Workload w : Workload.values()) {
                Measurement m = measure(server, mode, w.label(), w, CONCURRENCY, plan.workload());
                mode.workloads.put(w, m);
                say("[" + mode.mode + "] " + w.label() + " @" + CONCURRENCY + ": " + m.result().summary());
            }
            mode.sweep.put(CONCURRENCY, mode.workloads.get(Workload.POINT));

            mode.stress = measure(server, mode, "stress", Workload.POINT, STRESS_CONCURRENCY, plan.stress());
            mode.sweep.put(STRESS_CONCURRENCY, mode.stress);
            say("[" + mode.mode + "] stress point @" + STRESS_CONCURRENCY + ": " + mode.stress.result().summary());

            for (int level : SWEEP) {
                if (!mode.sweep.containsKey(level)) {
                    Measurement m = measure(server, mode, "sweep", Workload.POINT, level, plan.sweep());
                    mode.sweep.put(level, m);
                    say("[" + mode.mode + "] sweep point @" + level + ": " + m.result().summary());
                }
            }

            runRounds(server, mode, rounds);

            if (POOLED.equals(mode.mode) && shouldProfile()) {
                profile(server, mode);
            }
            mode.peakRssKib = ProcStats.peakRssKib(server.pid()).orElse(-1);
            mode.serverCpuSeconds = ProcStats.cpuSeconds(server.pid());
        } finally {
            rounds.close();
        }
    }

    /** The report's sustained test (rounds of 100 requests, exact counts: LoadDriver) and a timed run in rounds. */
    private void runRounds(ServerProcess server, ModeResults mode, LoadTool.JavaTool rounds) {
        LoadDriver driver = rounds.driver(server.baseUri());
        var factory = Workload.POINT.factory(data);
        // Discarded: opens the driver's connections and lets the JIT compile this JVM's HTTP client, which would
        // otherwise be measured warming up in rounds that last a fraction of a second each.
        driver.run(factory, CONCURRENCY, options.quick() ? Duration.ofSeconds(1) : Duration.ofSeconds(3));
        for (int i = 0; i < FIXED_ROUNDS; i++) {
            mode.fixedRounds.add(driver.run(factory, CONCURRENCY, (long) ROUND_REQUESTS));
        }
        say(String.format("[%s] sustained %d x %d requests @%d: %s req/s, CV %.3f", mode.mode, FIXED_ROUNDS,
                ROUND_REQUESTS, CONCURRENCY, mode.fixedRounds.stream().map(r -> String.format("%.0f", r.throughput()))
                        .toList(), mode.fixedRoundsCv()));
        Duration round = plan.timed().dividedBy(TIMED_ROUNDS);
        for (int i = 1; i <= TIMED_ROUNDS; i++) {
            mode.timedRounds.add(measure(server, mode, "round " + i + "/" + TIMED_ROUNDS, Workload.POINT, CONCURRENCY,
                    round));
        }
        say(String.format("[%s] timed %d s in %d rounds @%d: %s req/s, CV %.3f", mode.mode, plan.timed().toSeconds(),
                TIMED_ROUNDS, CONCURRENCY, mode.timedRounds.stream()
                        .map(m -> String.format("%.0f", m.result().throughput())).toList(), mode.timedRoundsCv()));
    }

    private void seed() {
        say("seeding " + NOTES + " research notes, " + INSTRUMENTS + " instruments x " + DAYS + " daily bars (SQL)");
        long t0 = System.nanoTime();
        try (Connection c = cluster.connect("bench")) {
            data = Seeder.seed(c, INSTRUMENTS, DAYS, NOTES);
        } catch (SQLException e) {
            throw new IllegalStateException("seeding failed: " + e.getMessage(), e);
        }
        say(String.format("seeded in %.1f s: notes %d..%d", (System.nanoTime() - t0) / 1e9, data.minNoteId(),
                data.maxNoteId()));
    }

    // ---- measuring -------------------------------------------------------------------------------------------

    private record Snapshot(long nanos, double server, double postgres, double client, double machine,
                            JsonNode pool, double acquireCount, double acquireSum,
                            TreeMap<Double, Double> acquireBuckets) {
    }

    /**
     * The upper bound (ms) of the histogram bucket holding the run's 99th percentile acquire time, from the
     * difference of two scrapes of the cumulative {@code db_pool_acquire_seconds_bucket}: exact for this run only.
     */
    static double acquireP99BoundMillis(TreeMap<Double, Double> before, TreeMap<Double, Double> after) {
        double total = after.getOrDefault(Double.POSITIVE_INFINITY, Double.NaN)
                - before.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (!(total > 0)) {
            return Double.NaN;
        }
        for (var bucket : after.entrySet()) {
            double below = bucket.getValue() - before.getOrDefault(bucket.getKey(), 0.0);
            if (below >= 0.99 * total) {
                return bucket.getKey() * 1000;
            }
        }
        return Double.NaN;
    }

    private Snapshot snapshot(ServerProcess server) {
        double count = Double.NaN;
        double sum = Double.NaN;
        var buckets = new TreeMap<Double, Double>();
        try {
            String metrics = server.get("/metrics").body();
            Matcher b = PROM_BUCKET.matcher(metrics);
            while (b.find()) {
                double le = b.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(b.group(1));
                buckets.put(le, Double.parseDouble(b.group(2)));
            }
            Matcher m = PROM_SAMPLE.matcher(metrics);
            while (m.find()) {
                double v = Double.parseDouble(m.group(2));
                if ("count".equals(m.group(1))) {
                    count = v;
                } else {
                    sum = v;
                }
            }
        } catch (RuntimeException e) {
            // no /metrics, or not in the expected shape: the acquire mean is then reported as unknown
        }
        return new Snapshot(System.nanoTime(), ProcStats.cpuSeconds(server.pid()),
                postmaster.isPresent() ? ProcStats.clusterCpuSeconds(postmaster.getAsLong()) : Double.NaN,
                ProcStats.cpuSecondsWithReapedChildren(ProcessHandle.current().pid()), ProcStats.machineBusySeconds(),
                server.poolStats(), count, sum, buckets);
    }

    private Measurement measure(ServerProcess server, ModeResults mode, String name, Workload w, int concurrency,
                                Duration duration) {
        Snapshot before = snapshot(server);
        String label = "[" + mode.mode + "] " + (name.equals(w.label()) ? name : name + " " + w.label()) + " @"
                + concurrency;
        LoadResult r = progress(label, duration, () -> tool.run(server.baseUri(), w, data, concurrency, duration));
        Snapshot after = snapshot(server);
        if (!server.isAlive()) {
            throw new IllegalStateException("the " + mode.mode + " server died during " + label + "; end of its log:\n"
                    + ServerProcess.tail(server.log(), 30));
        }
        double wall = (after.nanos() - before.nanos()) / 1e9;
        double acquisitions = delta(after.pool(), before.pool(), "acquisitions");
        double created = delta(after.pool(), before.pool(), "created");
        double acquireCount = after.acquireCount() - before.acquireCount();
        double acquireAvg = acquireCount > 0 ? (after.acquireSum() - before.acquireSum()) / acquireCount * 1000 : Double.NaN;
        double serverCores = (after.server() - before.server()) / wall;
        double postgresCores = (after.postgres() - before.postgres()) / wall;
        double clientCores = (after.client() - before.client()) / wall;
        double machineCores = (after.machine() - before.machine()) / wall;
        double known = serverCores + clientCores + (Double.isNaN(postgresCores) ? 0 : postgresCores);
        double acquireP99 = acquireP99BoundMillis(before.acquireBuckets(), after.acquireBuckets());
        return new Measurement(mode.mode, name, w, r, acquisitions, created, acquireAvg, acquireP99, after.pool(),
                serverCores,
                postgresCores, clientCores, Double.isNaN(postgresCores) ? Double.NaN : Math.max(0, machineCores - known));
    }

    private static double delta(JsonNode after, JsonNode before, String key) {
        return Measurement.poolNumber(after, key) - Measurement.poolNumber(before, key);
    }

    // ---- profiling when a target is missed -------------------------------------------------------------------

    private boolean shouldProfile() {
        if (options.profile()) {
            return true;
        }
        if (options.quick()) {
            return false;
        }
        LoadResult ceiling = pgbench.get(CONCURRENCY);
        Measurement point = pooled.workloads.get(Workload.POINT);
        return ceiling != null && point != null && (point.result().throughput() < 0.8 * ceiling.throughput()
                || point.result().p99Millis() > 2.5 * ceiling.p99Millis());
    }

    /** Point reads @100 under JFR (profile settings), then the hottest methods via {@code jfr view hot-methods}. */
    private void profile(ServerProcess server, ModeResults mode) {
        Path jdkBin = Path.of(ServerProcess.javaExecutable()).getParent();
        Path jfrFile = outDir.resolve("pooled-point.jfr");
        Duration d = plan.profile();
        say("[pooled] profiling point reads @" + CONCURRENCY + " with JFR for " + d.toSeconds() + " s -> " + jfrFile);
        try {
            Files.deleteIfExists(jfrFile);
            String started = exec(List.of(jdkBin.resolve("jcmd").toString(), Long.toString(server.pid()), "JFR.start",
                    "name=bench", "settings=profile", "duration=" + (d.toSeconds() + 2) + "s",
                    "filename=" + jfrFile), Duration.ofSeconds(30));
            if (!started.contains("Started recording")) {
                notes.add("JFR could not be started: " + started.strip());
                return;
            }
            mode.profiled = measure(server, mode, "profiled", Workload.POINT, CONCURRENCY, d);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && !(Files.exists(jfrFile) && Files.size(jfrFile) > 0)) {
                ServerProcess.sleep(Duration.ofMillis(500));
            }
            ServerProcess.sleep(Duration.ofSeconds(1)); // the file is written in one go at the end of the recording
            String hot = exec(List.of(jdkBin.resolve("jfr").toString(), "view", "--width", "150", "hot-methods",
                    jfrFile.toString()), Duration.ofSeconds(60));
            String gc = exec(List.of(jdkBin.resolve("jfr").toString(), "view", "--width", "150", "gc-pauses",
                    jfrFile.toString()), Duration.ofSeconds(60));
            mode.profileSummary = hot.strip() + "\n\n" + gc.strip();
        } catch (IOException | RuntimeException e) {
            notes.add("JFR profile failed: " + e.getMessage());
        }
    }

    private static String exec(List<String> cmd, Duration timeout) {
        return Command.run(cmd, timeout).output();
    }

    // ---- environment, output, progress -----------------------------------------------------------------------

    private void describeEnvironment() {
        environment.put("date", OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString());
        environment.put("loadAverageAtStart", ProcStats.loadAverage());
        environment.put("plan", plan.name());
        environment.put("nproc", Runtime.getRuntime().availableProcessors());
        environment.put("cpu", firstMatch(Path.of("/proc/cpuinfo"), "model name\\s*:\\s*(.+)").orElse("unknown"));
        environment.put("memory", firstMatch(Path.of("/proc/meminfo"), "MemTotal:\\s*(\\d+) kB")
                .map(kb -> String.format("%.1f GiB", Long.parseLong(kb) / 1024.0 / 1024.0)).orElse("unknown"));
        environment.put("kernel", readFirstLine(Path.of("/proc/sys/kernel/osrelease")).orElse(System.getProperty("os.version")));
        environment.put("os", firstMatch(Path.of("/etc/os-release"), "PRETTY_NAME=\"?([^\"]+)\"?").orElse("unknown"));
        environment.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + Runtime.version());
        environment.put("postgresql", cluster.serverVersion());
        environment.put("database", cluster.description());
        environment.put("driver", tool.name());
        environment.put("roundsDriver", new LoadTool.JavaTool().name());
        environment.put("poolSize", POOL_SIZE);
        environment.put("warmupPooledSeconds", plan.warmupPooled().toSeconds());
        environment.put("warmupDirectSeconds", plan.warmupDirect().toSeconds());
        environment.put("workloadSeconds", plan.workload().toSeconds());
        environment.put("serverCommand", "java -p app/target/modules -m app");
        environment.put("modulePath", ServerProcess.modulePath());
    }

    private static Optional<String> firstMatch(Path file, String regex) {
        try {
            Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(Files.readString(file));
            return m.find() ? Optional.of(m.group(1).strip()) : Optional.empty();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> readFirstLine(Path file) {
        try {
            return Files.readAllLines(file).stream().findFirst().map(String::strip);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private void write(String name, String content) {
        try {
            Files.writeString(outDir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + outDir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    private static final long STARTED = System.nanoTime();

    private static void say(String line) {
        System.err.printf("[%5.1fs] %s%n", (System.nanoTime() - STARTED) / 1e9, line);
    }

    /** Runs {@code work} while a progress line ("[pooled] point @100: 12/15 s") is kept up to date. */
    private static <T> T progress(String label, Duration expected, Supplier<T> work) {
        boolean console = System.console() != null;
        long total = expected.toSeconds();
        long t0 = System.nanoTime();
        Thread ticker = Thread.ofPlatform().daemon().name("bench-progress").start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(console ? 1_000 : 5_000);
                    long s = (System.nanoTime() - t0) / 1_000_000_000L;
                    String line = label + ": " + Math.min(s, total) + "/" + total + " s";
                    if (console) {
                        System.err.print("\r" + line + "   ");
                    } else {
                        System.err.println(line);
                    }
                }
            } catch (InterruptedException e) {
                // the run is over
            }
        });
        try {
            return work.get();
        } finally {
            ticker.interrupt();
            if (console) {
                System.err.print("\r" + " ".repeat(label.length() + 16) + "\r");
            }
        }
    }
}
