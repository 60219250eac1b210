package io.tradingdesk.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.db.testing.TestDatabase;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The reference report's pool-level load tests, one virtual thread per caller against a real PostgreSQL. The
 * assertions are about behaviour (nothing fails, the bound holds, connections are reused); latencies and throughput
 * are printed, one line per test, not asserted, because they depend on the machine.
 */
@Tag("load")
class PoolLoadIT {
    private static final int SYMBOLS = 20;
    private static final int BARS_PER_SYMBOL = 250;
    private static DatabaseUrl url;

    private final List<Database> started = new ArrayList<>();

    public record Instrument(String symbol, String name, String assetClass) {
    }

    public record Ranked(String assetClass, String symbol, BigDecimal avgClose, BigDecimal range, long rnk) {
    }

    @BeforeAll
    static void seed() {
        url = TestDatabase.fresh("pool_load");
        try (var db = Database.start(TestDatabase.config(url, Map.of("DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "2",
                "DB_APPLICATION_NAME", "pool-load-seed")), new SimpleMeterRegistry())) {
            db.execute("""
                    CREATE TABLE instruments (
                        symbol text PRIMARY KEY, name text NOT NULL, asset_class text NOT NULL)""");
            db.execute("""
                    CREATE TABLE bars (
                        symbol text NOT NULL REFERENCES instruments, ts timestamptz NOT NULL,
                        close numeric(20, 8) NOT NULL, volume numeric(24, 4) NOT NULL, PRIMARY KEY (symbol, ts))""");
            db.execute("""
                    CREATE TABLE orders (
                        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, symbol text NOT NULL REFERENCES instruments,
                        quantity int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())""");
            var instruments = new ArrayList<Object[]>();
            var bars = new ArrayList<Object[]>();
            Instant start = Instant.parse("2024-01-01T00:00:00Z");
            for (int s = 0; s < SYMBOLS; s++) {
                String symbol = "SYM" + s;
                instruments.add(new Object[] {symbol, "Instrument " + s, s % 3 == 0 ? "crypto" : s % 3 == 1 ? "equity" : "fx"});
                for (int b = 0; b < BARS_PER_SYMBOL; b++) {
                    bars.add(new Object[] {symbol, start.plus(Duration.ofHours(b)),
                            BigDecimal.valueOf(100 + s + Math.sin(b / 10.0) * 5).setScale(4, java.math.RoundingMode.HALF_UP),
                            BigDecimal.valueOf(1_000 + b)});
                }
            }
            db.executeMany("INSERT INTO instruments VALUES (?, ?, ?)", instruments);
            db.executeMany("INSERT INTO bars VALUES (?, ?, ?, ?)", bars);
            db.execute("ANALYZE");
        }
    }

    @AfterEach
    void closePools() {
        started.forEach(Database::close);
    }

    private Database start(String name, int min, int max) {
        var env = new HashMap<String, String>();
        env.put("DB_APPLICATION_NAME", name);
        env.put("DB_MIN_POOL_SIZE", Integer.toString(min));
        env.put("DB_MAX_POOL_SIZE", Integer.toString(max));
        var db = Database.start(TestDatabase.config(url, env), new SimpleMeterRegistry());
        started.add(db);
        return db;
    }

    /** What one burst of concurrent callers did; latencies in milliseconds, from the common start to each answer. */
    record Burst(int count, int failures, List<Throwable> errors, double avgMillis, double p95Millis, double wallMillis,
                 List<Object> results) {

        double throughputPerSecond() {
            return count * 1_000.0 / wallMillis;
        }
    }

    /** Starts {@code count} virtual threads that all call at once, and waits for every one of them. */
    private static Burst burst(int count, IntFunction<Object> call) throws InterruptedException {
        var gate = new CountDownLatch(1);
        double[] latencies = new double[count];
        var futures = new ArrayList<Future<Object>>();
        long begin;
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                int index = i;
                Callable<Object> task = () -> {
                    gate.await();
                    long start = System.nanoTime();
                    try {
                        return call.apply(index);
                    } finally {
                        latencies[index] = (System.nanoTime() - start) / 1_000_000.0;
                    }
                };
                futures.add(executor.submit(task));
            }
            begin = System.nanoTime();
            gate.countDown();
        }
        double wall = (System.nanoTime() - begin) / 1_000_000.0;
        var errors = new ArrayList<Throwable>();
        var results = new ArrayList<Object>();
        for (Future<Object> future : futures) {
            if (future.state() == Future.State.SUCCESS) {
                results.add(future.resultNow());
            } else {
                errors.add(future.exceptionNow());
            }
        }
        double[] sorted = latencies.clone();
        Arrays.sort(sorted);
        return new Burst(count, errors.size(), errors, Arrays.stream(sorted).average().orElse(0),
                sorted[(int) Math.ceil(count * 0.95) - 1], wall, results);
    }

    /** Samples pg_stat_activity for one application name every ~20 ms on its own connection, keeping the maximum. */
    private static final class ServerConnectionWatch implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger max = new AtomicInteger();
        private final AtomicInteger samples = new AtomicInteger();
        private final Thread thread;

        ServerConnectionWatch(String applicationName) throws SQLException {
            Connection observer = TestDatabase.connect(TestDatabase.server());
            var statement = observer.prepareStatement(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?");
            statement.setString(1, applicationName);
            thread = Thread.ofPlatform().daemon().name("pg-stat-activity-watch").start(() -> {
                try (observer; statement) {
                    while (running.get()) {
                        try (var rs = statement.executeQuery()) {
                            rs.next();
                            max.accumulateAndGet(rs.getInt(1), Math::max);
                            samples.incrementAndGet();
                        }
                        Thread.sleep(20);
                    }
                } catch (SQLException | InterruptedException e) {
                    throw new IllegalStateException("observer failed", e);
                }
            });
        }

        int max() {
            return max.get();
        }

        int samples() {
            return samples.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }
    }

    private static void report(String test, Burst burst, int maxServerConnections) {
        System.out.printf("load %-34s count=%d failures=%d avg=%.1f ms p95=%.1f ms wall=%.0f ms throughput=%.0f/s"
                        + " max_server_connections=%d%n", test, burst.count(), burst.failures(), burst.avgMillis(),
                burst.p95Millis(), burst.wallMillis(), burst.throughputPerSecond(), maxServerConnections);
    }

    private static Instrument simpleQuery(Database db, int i) {
        return db.fetchOne("SELECT symbol, name, asset_class FROM instruments WHERE symbol = ?", Instrument.class,
                "SYM" + (i % SYMBOLS)).orElseThrow();
    }

    @Test
    void aHundredConcurrentSimpleQueriesAllSucceed() throws Exception {
        var db = start("load-simple", 10, 50);
        try (var watch = new ServerConnectionWatch("load-simple")) {
            Burst burst = burst(100, i -> simpleQuery(db, i));
            report("100 simple queries", burst, watch.max());

            assertThat(burst.errors()).isEmpty();
            for (int i = 0; i < burst.count(); i++) {
                assertThat(((Instrument) burst.results().get(i)).symbol()).isEqualTo("SYM" + (i % SYMBOLS));
            }
            assertThat(watch.max()).isBetween(1, 50);
        }
    }

    @Test
    void aHundredConcurrentWritesAllSucceedAndEveryRowExists() throws Exception {
        var db = start("load-writes", 10, 50);
        db.execute("DELETE FROM orders");
        try (var watch = new ServerConnectionWatch("load-writes")) {
            Burst burst = burst(100, i -> db.executeReturning(
                    "INSERT INTO orders (symbol, quantity) VALUES (?, ?) RETURNING id", Long.class,
                    "SYM" + (i % SYMBOLS), i + 1).orElseThrow());
            report("100 writes (INSERT RETURNING)", burst, watch.max());

            assertThat(burst.errors()).isEmpty();
            assertThat(new HashSet<>(burst.results())).hasSize(100);
            assertThat(db.fetchVal("SELECT count(*) FROM orders", Long.class)).contains(100L);
            assertThat(db.fetchVal("SELECT sum(quantity) FROM orders", Long.class)).contains(5_050L);
        }
    }

    @Test
    void aHundredConcurrentComplexQueriesAllSucceed() throws Exception {
        var db = start("load-complex", 10, 50);
        String sql = """
                SELECT i.asset_class, b.symbol, round(avg(b.close), 4) AS avg_close,
                       max(b.close) - min(b.close) AS range,
                       rank() OVER (PARTITION BY i.asset_class ORDER BY avg(b.close) DESC) AS rnk
                FROM bars b JOIN instruments i ON i.symbol = b.symbol
                WHERE b.ts >= ? AND b.volume > ?
                GROUP BY i.asset_class, b.symbol
                ORDER BY i.asset_class, rnk""";
        try (var watch = new ServerConnectionWatch("load-complex")) {
            Burst burst = burst(100, i -> db.fetchAll(sql, Ranked.class, Instant.parse("2024-01-01T00:00:00Z"),
                    BigDecimal.ZERO));
            report("100 complex queries", burst, watch.max());

            assertThat(burst.errors()).isEmpty();
            for (Object result : burst.results()) {
                @SuppressWarnings("unchecked")
                List<Ranked> rows = (List<Ranked>) result;
                assertThat(rows).hasSize(SYMBOLS);
                assertThat(rows.getFirst().assetClass()).isEqualTo("crypto");
                assertThat(rows.getFirst().rnk()).isEqualTo(1);
                assertThat(rows.getFirst().symbol()).isEqualTo("SYM18");
            }
        }
    }

    @Test
    void twoHundredCallersOnAPoolOfFiftyAllSucceedAndNeverOpenMoreThanFifty() throws Exception {
        var db = start("load-overload", 10, 50);
        // Start from the idle minimum a running service would have; HikariCP fills it in the background.
        assertThat(Eventually.holds(Duration.ofSeconds(10), () -> db.stats().total() >= 10)).isTrue();
        try (var watch = new ServerConnectionWatch("load-overload")) {
            // Each caller holds its connection for 50 ms, so the pool has to grow towards its maximum.
            Burst burst = burst(200, i -> db.fetchOne(
                    "SELECT symbol, name, asset_class FROM instruments, pg_sleep(0.05) WHERE symbol = ?",
                    Instrument.class, "SYM" + (i % SYMBOLS)).orElseThrow());
            Thread.sleep(60); // one more sample after the last caller
            report("200 callers on a pool of 50", burst, watch.max());
            System.out.printf("load 200 callers: pool total=%d created=%d acquire p95=%.1f ms%n", db.stats().total(),
                    db.stats().created(), db.stats().acquireP95Millis());

            assertThat(burst.errors()).isEmpty();
            assertThat(watch.samples()).as("the observer sampled throughout").isGreaterThan(3);
            assertThat(watch.max()).as("server connections of this pool").isBetween(1, 50);
            assertThat(db.stats().refused()).isZero();
            assertThat(db.stats().acquireTimeouts()).isZero();
            assertThat(db.stats().created()).isLessThanOrEqualTo(50);
        }
    }

    @Test
    void fiveRoundsOfAHundredKeepASteadyThroughputAndGiveEveryConnectionBack() throws Exception {
        // A full pool and callers that hold their connection for 50 ms: the rounds compare the pool with itself, and
        // the CPU that other processes on the machine take does not decide the outcome.
        var db = start("load-rounds", 50, 50);
        assertThat(Eventually.holds(Duration.ofSeconds(20), () -> db.stats().total() == 50)).isTrue();
        IntFunction<Object> call = i -> db.fetchOne(
                "SELECT symbol, name, asset_class FROM instruments, pg_sleep(0.05) WHERE symbol = ?",
                Instrument.class, "SYM" + (i % SYMBOLS)).orElseThrow();
        for (int warmUp = 0; warmUp < 3; warmUp++) {
            burst(100, call); // pgjdbc prepares a statement server-side on its 5th use on a connection; and the JIT
        }
        var throughputs = new ArrayList<Double>();
        int failures = 0;
        try (var watch = new ServerConnectionWatch("load-rounds")) {
            for (int round = 1; round <= 5; round++) {
                Burst burst = burst(100, call);
                report("round " + round + " of 100", burst, watch.max());
                failures += burst.failures();
                throughputs.add(burst.throughputPerSecond());
            }
            double mean = throughputs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double variance = throughputs.stream().mapToDouble(t -> (t - mean) * (t - mean)).sum() / throughputs.size();
            double cv = Math.sqrt(variance) / mean;
            System.out.printf("load 5 rounds: throughput mean=%.0f/s cv=%.3f max_server_connections=%d%n", mean, cv,
                    watch.max());

            assertThat(failures).isZero();
            assertThat(cv).as("coefficient of variation of per-round throughput %s", throughputs).isLessThan(0.5);
            assertThat(watch.max()).isLessThanOrEqualTo(50);
        }
        assertThat(Eventually.holds(Duration.ofSeconds(5), () -> db.stats().active() == 0)).isTrue();
        assertThat(db.stats().waiting()).isZero();
    }

    @Test
    void connectionsAreReusedAcrossThreeHundredQueriesAndAlmostAlwaysAfterWarmUp() throws Exception {
        var db = start("load-reuse", 10, 50);
        try (var watch = new ServerConnectionWatch("load-reuse")) {
            int failures = 0;
            for (int wave = 0; wave < 3; wave++) {
                failures += burst(100, i -> simpleQuery(db, i)).failures();
            }
            PoolStats warm = db.stats();
            Burst after = null;
            for (int wave = 0; wave < 3; wave++) {
                after = burst(100, i -> simpleQuery(db, i));
                failures += after.failures();
            }
            PoolStats end = db.stats();
            double afterWarmUp = 1.0 - (double) (end.created() - warm.created()) / (end.acquisitions() - warm.acquisitions());
            report("reuse, last of 3 waves after warm-up", after, watch.max());
            System.out.printf("load reuse: first 300 rate=%.3f (created %d), next 300 rate=%.3f (created %d)%n",
                    warm.reuseRate(), warm.created(), afterWarmUp, end.created() - warm.created());

            assertThat(failures).isZero();
            assertThat(warm.acquisitions()).isEqualTo(300);
            assertThat(warm.reuseRate()).isGreaterThan(0.5);
            assertThat(afterWarmUp).isGreaterThan(0.9);
            assertThat(end.reuseRate()).isGreaterThan(0.9);
        }
    }
}
