package io.tradingdesk.loadtest;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The benchmark's command line. Immutable.
 *
 * @param quick   the quick plan instead of the full one
 * @param outRoot results root; the report goes to {@code outRoot/<yyyy-MM-dd>/}
 * @param driver  the load driver asked for (k6, wrk or java), else the lightest one installed
 * @param profile record a JFR profile of the pooled server even when no target was missed
 * @param help    print {@link #USAGE} and do nothing else (the arguments after it are not looked at)
 */
record Options(boolean quick, Path outRoot, Optional<String> driver, boolean profile, boolean help) {

    static final String USAGE = """
            usage: bench [--quick] [--out DIR] [--driver k6|wrk|java] [--profile]
              --quick     short runs (under 2 minutes in total) instead of the full plan (under 10)
              --out DIR   results root (default: results); the report goes to DIR/<yyyy-MM-dd>/
              --driver    force a load driver (default: k6 if on PATH, else wrk, else the Java LoadDriver)
              --profile   record a JFR profile of the pooled server during a point-read run (done anyway in a full
                          run when a throughput target against pgbench is missed)
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
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--profile" -> profile = true;
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                case "--driver" -> driver = Optional.of(value(args, ++i, "--driver"));
                case "-h", "--help" -> {
                    return new Options(quick, out, driver, profile, true);
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'\n" + USAGE);
            }
        }
        return new Options(quick, out, driver, profile, false);
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
