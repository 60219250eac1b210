package io.tradingdesk.loadtest;

import java.time.Duration;
import java.util.List;

/**
 * The shape of a benchmark run: the levels every plan shares (pool size, concurrency, sweep, data set, rounds, the
 * pool-size curve) and how long each step runs, in the full plan (under 12 minutes) and in the quick one (under 3).
 * Immutable.
 */
record Plan(String name, Duration warmupPooled, Duration warmupDirect, Duration workload, Duration stress,
            Duration timed, Duration sweep, Duration pgbench, Duration profile, Duration roundsWarmup,
            Duration poolWarmup, Duration poolMeasure) {

    /** The server modes compared, as DB_POOL_MODE names them: a new connection per query, and the pool. */
    static final String DIRECT = "direct";
    static final String POOLED = "pooled";

    static final int POOL_SIZE = 50;
    static final int CONCURRENCY = 100;
    /** 4x the pool: the reference report's exhaustion test. */
    static final int STRESS_CONCURRENCY = 200;
    static final List<Integer> SWEEP = List.of(10, 50, 100, 200);
    static final int INSTRUMENTS = 200;
    static final int DAYS = 90;
    static final long NOTES = 100_000;
    /** The reference report's sustained test: rounds of a fixed number of requests. */
    static final int FIXED_ROUNDS = 5;
    static final int ROUND_REQUESTS = 100;
    /** A timed run split into this many equal rounds. */
    static final int TIMED_ROUNDS = 5;

    /** The pool-size curve: DB_MAX_POOL_SIZE of each pooled server, point reads at {@value #CONCURRENCY}. */
    static final List<Integer> POOL_SIZES = List.of(8, 16, 32, 50);

    static final Plan FULL = new Plan("full", Duration.ofSeconds(30), Duration.ofSeconds(10),
            Duration.ofSeconds(15), Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofSeconds(10),
            Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(3), Duration.ofSeconds(15),
            Duration.ofSeconds(10));
    static final Plan QUICK = new Plan("quick", Duration.ofSeconds(10), Duration.ofSeconds(3),
            Duration.ofSeconds(3), Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(2),
            Duration.ofSeconds(3), Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(4),
            Duration.ofSeconds(3));

    /** The discarded warm-up before a mode is measured: the pooled server gets longer, its JIT has more to do. */
    Duration warmup(String mode) {
        return POOLED.equals(mode) ? warmupPooled : warmupDirect;
    }
}
