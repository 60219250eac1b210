package io.tradingdesk.loadtest;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The benchmark's command line. Immutable.
 *
 * @param quick   the quick plan instead of the full one
 * @param outRoot results root; the report goes to {@code outRoot/<yyyy-MM-dd>/}
 * @param driver  the load driver asked for (k6, wrk or java), else the lightest one installed
 * @param profile record a JFR profile of the pooled server even when no target was missed
 * @param help    print {@link #USAGE} and do nothing else (the arguments after it are not looked at)
 * @param task    what to run: the whole benchmark, only the pool-size curve, or only the k6 thresholds check
 * @param k6      how to run the k6 thresholds check
 */
record Options(boolean quick, Path outRoot, Optional<String> driver, boolean profile, boolean help, Task task,
               K6 k6) {

    /** What one invocation runs. */
    enum Task {
        BENCHMARK, POOL_CURVE, K6_THRESHOLDS
    }

    /**
     * The k6 thresholds check's settings.
     *
     * @param scale   every duration of the scripts multiplied by this (1 = theirs)
     * @param hog     a CPU hog takes one core's share while each script runs
     * @param scripts the scripts to run, all by default
     */
    record K6(double scale, boolean hog, List<K6Script> scripts) {
        K6 {
            if (!(scale > 0 && scale <= 1)) {
                throw new IllegalArgumentException("--scale must be in (0, 1], got " + scale + "\n" + USAGE);
            }
            scripts = List.copyOf(scripts);
        }
    }

    static final String USAGE = """
            usage: bench [--quick] [--out DIR] [--driver k6|wrk|java] [--profile]
                   bench --pool-curve [--quick] [--out DIR] [--driver k6|wrk|java]
                   bench --k6-thresholds [--scale F] [--scripts a,b] [--no-hog] [--out DIR]
              --quick     short runs (under 3 minutes in total) instead of the full plan (under 12)
              --out DIR   results root (default: results); the report goes to DIR/<yyyy-MM-dd>/
              --driver    force a load driver (default: k6 if on PATH, else wrk, else the Java LoadDriver)
              --profile   record a JFR profile of the pooled server during a point-read run (done anyway in a full
                          run when a throughput target against pgbench is missed)
              --pool-curve     only the pool-size curve: point reads @100 with DB_MAX_POOL_SIZE 8, 16, 32, 50
                               (part of every full and quick run)
              --k6-thresholds  run the k6 scripts' scenarios with the Java runner against a fresh server each,
                               with a CPU hog standing in for k6, and judge their thresholds (about 25 minutes);
                               writes k6-thresholds.md and .json
              --scale F   with --k6-thresholds: every duration of the scripts times F, 0 < F <= 1 (default 1)
              --scripts   with --k6-thresholds: a comma-separated subset (simple-reads,point-reads,writes,complex,
                          exhaustion,sustained,sustained-rate,mixed)
              --no-hog    with --k6-thresholds: no CPU hog
            environment: BENCH_DATABASE_URL  use this PostgreSQL instead of a throwaway scram-sha-256 cluster
            """;

    /**
     * Parses the arguments; {@code BENCH_DRIVER} in the environment chooses the driver unless {@code --driver} does.
     *
     * @throws IllegalArgumentException for an unknown argument or a missing value, with the usage in the message
     */
    static Options parse(String[] args) {
        boolean quick = false;
        boolean profile = false;
        Path out = Path.of("results");
        Optional<String> driver = Optional.ofNullable(System.getenv("BENCH_DRIVER")).filter(s -> !s.isBlank());
        Task task = Task.BENCHMARK;
        double scale = 1;
        boolean hog = true;
        List<K6Script> scripts = List.of(K6Script.values());
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--profile" -> profile = true;
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                case "--driver" -> driver = Optional.of(value(args, ++i, "--driver"));
                case "--pool-curve" -> task = Task.POOL_CURVE;
                case "--k6-thresholds" -> task = Task.K6_THRESHOLDS;
                case "--scale" -> scale = number(value(args, ++i, "--scale"), "--scale");
                case "--no-hog" -> hog = false;
                case "--scripts" -> scripts = scripts(value(args, ++i, "--scripts"));
                case "-h", "--help" -> {
                    return new Options(quick, out, driver, profile, true, task, new K6(scale, hog, scripts));
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'\n" + USAGE);
            }
        }
        return new Options(quick, out, driver, profile, false, task, new K6(scale, hog, scripts));
    }

    private static double number(String v, String flag) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number, got '" + v + "'\n" + USAGE);
        }
    }

    private static List<K6Script> scripts(String list) {
        try {
            return Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).map(K6Script::byName)
                    .toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--scripts: " + e.getMessage() + "\n" + USAGE);
        }
    }

    Plan plan() {
        return quick ? Plan.QUICK : Plan.FULL;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value\n" + USAGE);
        }
        return args[i];
    }
}
