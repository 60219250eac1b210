package io.tradingdesk.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.db.testing.TestDatabase;
import io.tradingdesk.embedded.EmbeddedPgBouncer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The pool's guarantees with PgBouncer 1.18 in transaction mode between it and PostgreSQL ({@code DB_PGBOUNCER=true}):
 * statement timeouts (the cancel goes through PgBouncer), serialization retry, the waiting bound, max-queries
 * retirement (of the client-side connection only), the health probe, and connections PgBouncer drops (restarted,
 * {@code server_lifetime}). Each test has a PgBouncer of its own in front of the test server.
 */
@Tag("scaleout")
class BehindPgBouncerIT {
    private static final Duration SOON = Duration.ofSeconds(5);
    private static final Pattern HOST_PORT = Pattern.compile("^jdbc:postgresql://([^:/]+)(?::(\\d+))?/");

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<AutoCloseable> started = new ArrayList<>();

    @BeforeAll
    static void pgbouncerIsInstalled() {
        boolean installed = EmbeddedPgBouncer.installedBinary().isPresent();
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(installed, "pgbouncer is not installed (apt-get install pgbouncer)");
        }
        assertThat(installed).as("CI installs pgbouncer (.ci/run)").isTrue();
    }

    @AfterEach
    void closeAll() throws Exception {
        threads.shutdownNow();
        for (AutoCloseable c : started.reversed()) {
            c.close();
        }
    }

    private DatabaseUrl direct;
    private EmbeddedPgBouncer bouncer;

    /** A fresh database, a PgBouncer with {@code bouncerSettings} in front of its server, and a pool through it. */
    private Database start(String purpose, List<String> bouncerSettings, String... variables) {
        direct = TestDatabase.fresh("bouncer_" + purpose);
        Matcher m = HOST_PORT.matcher(direct.jdbcUrl());
        assertThat(m.find()).as("a TCP test server: %s", direct.describe()).isTrue();
        var builder = EmbeddedPgBouncer.builder(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)));
        for (int i = 0; i < bouncerSettings.size(); i += 2) {
            builder.setting(bouncerSettings.get(i), bouncerSettings.get(i + 1));
        }
        String user = direct.user() == null ? "postgres" : direct.user();
        bouncer = (direct.password() == null ? builder.serverLogin(user) : builder.user(user, direct.password())).start();
        started.add(bouncer);
        var pooled = new DatabaseUrl(bouncer.jdbcUrl(direct.database()), direct.user(), direct.password(),
                direct.database(), null, direct.properties());
        var env = new HashMap<String, String>();
        env.put("DB_PGBOUNCER", "true");
        env.put("DB_APPLICATION_NAME", "bouncer-it-" + purpose);
        for (int i = 0; i < variables.length; i += 2) {
            env.put(variables[i], variables[i + 1]);
        }
        env.put("DATABASE_URL", TestDatabase.environmentUrl(pooled));
        var db = Database.start(DbConfig.from(env), new SimpleMeterRegistry());
        started.add(db);
        return db;
    }

    private static int pid(Queries db) {
        return db.fetchVal("SELECT pg_backend_pid()", Integer.class).orElseThrow();
    }

    @Test
    void aStatementPastTheCommandTimeoutIsCancelledThroughPgBouncerAndTheConnectionStaysInService() {
        var db = start("stmttimeout", List.of("default_pool_size", "2"), "DB_MIN_POOL_SIZE", "1",
                "DB_MAX_POOL_SIZE", "1", "DB_COMMAND_TIMEOUT", "0.5");
        pid(db);

        long start = System.nanoTime();
        assertThatThrownBy(() -> db.fetchVal("SELECT pg_sleep(5)", String.class))
                .isInstanceOfSatisfying(StatementTimeoutException.class,
                        e -> assertThat(e.sqlState()).isEqualTo("57014"));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(elapsedMillis).as("cancelled at the timeout, not after the 5 s sleep").isBetween(400L, 3_000L);
        assertThat(db.fetchVal("SELECT 7", Integer.class)).contains(7);
        assertThat(db.stats().closed()).as("the client connection stays in the pool").isZero();
    }

    @Test
    void aSerializationFailureIsRetriedAndEveryIncrementLands() throws Exception {
        var db = start("serial", List.of("default_pool_size", "3"), "DB_MAX_POOL_SIZE", "6", "DB_TX_RETRIES", "50");
        db.execute("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)");
        db.execute("INSERT INTO counter VALUES (1, 0)");
        var attempts = new AtomicInteger();

        var increments = new ArrayList<Future<Integer>>();
        for (int t = 0; t < 4; t++) {
            increments.add(threads.submit(() -> {
                for (int i = 0; i < 5; i++) {
                    db.transaction(Isolation.SERIALIZABLE, tx -> {
                        attempts.incrementAndGet();
                        int n = tx.fetchVal("SELECT n FROM counter WHERE id = 1", Integer.class).orElseThrow();
                        return tx.execute("UPDATE counter SET n = ? WHERE id = 1", n + 1);
                    });
                }
                return 5;
            }));
        }
        for (Future<Integer> f : increments) {
            assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(5);
        }

        assertThat(db.fetchVal("SELECT n FROM counter WHERE id = 1", Integer.class)).contains(20);
        assertThat(attempts.get()).as("some increments met a serialization failure and ran again")
                .isGreaterThanOrEqualTo(20);
    }

    @Test
    void whenMaxWaitingCallersAlreadyWaitTheNextIsRefusedAtOnce() throws Exception {
        var db = start("maxwaiting", List.of("default_pool_size", "2"), "DB_MIN_POOL_SIZE", "1",
                "DB_MAX_POOL_SIZE", "1", "DB_MAX_WAITING", "2", "DB_ACQUIRE_TIMEOUT", "10");
        var release = new CountDownLatch(1);
        var held = new CountDownLatch(1);
        Future<Integer> holder = threads.submit(() -> db.transaction(tx -> {
            held.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 1;
        }));
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<Integer>> waiters = List.of(
                threads.submit(() -> db.fetchVal("SELECT 1", Integer.class).orElseThrow()),
                threads.submit(() -> db.fetchVal("SELECT 2", Integer.class).orElseThrow()));
        assertThat(Eventually.holds(SOON, () -> db.stats().waiting() == 2)).as("two callers wait").isTrue();

        assertThatThrownBy(() -> db.fetchVal("SELECT 3", Integer.class))
                .isInstanceOfSatisfying(PoolExhaustedException.class,
                        e -> assertThat(e.reason()).isEqualTo(PoolExhaustedException.Reason.TOO_MANY_WAITING));
        release.countDown();

        assertThat(holder.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(waiters.get(0).get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(waiters.get(1).get(10, TimeUnit.SECONDS)).isEqualTo(2);
    }

    @Test
    void maxQueriesRetiresTheClientConnectionWhilePgBouncerKeepsItsServerSession() {
        var db = start("maxqueries", List.of("default_pool_size", "1"), "DB_MIN_POOL_SIZE", "1",
                "DB_MAX_POOL_SIZE", "1", "DB_MAX_QUERIES", "5");

        Set<Integer> backends = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            backends.add(pid(db));
        }

        assertThat(Eventually.holds(SOON, () -> db.stats().closedByReason().get("max_queries") == 2))
                .as("two client connections retired: %s", db.stats().closedByReason()).isTrue();
        assertThat(db.stats().created()).isEqualTo(3);
        assertThat(backends).as("the one server session PgBouncer may open served all three").hasSize(1);
    }

    @Test
    void theHealthProbeFollowsPgBouncerDownAndUp() {
        var db = start("probe", List.of("default_pool_size", "2"), "DB_MIN_POOL_SIZE", "1", "DB_HEALTH_TIMEOUT", "1",
                "DB_CONNECT_TIMEOUT", "1");
        assertThat(db.probe().up()).isTrue();

        bouncer.stop();
        assertThat(Eventually.holds(Duration.ofSeconds(10), () -> !db.probe().up())).isTrue();

        bouncer.startAgain();
        assertThat(Eventually.holds(Duration.ofSeconds(10), () -> db.probe().up())).isTrue();
    }

    @Test
    void afterAPgBouncerRestartAReadIsRetriedOnAFreshConnectionAndAllDeadOnesAreReplaced() {
        var db = start("restartread", List.of("default_pool_size", "2"), "DB_MIN_POOL_SIZE", "3",
                "DB_MAX_POOL_SIZE", "3");
        assertThat(Eventually.holds(SOON, () -> db.stats().total() == 3)).isTrue();
        pid(db);

        bouncer.stop();
        bouncer.startAgain();

        assertThat(db.fetchVal("SELECT 42", Integer.class)).contains(42);
        assertThat(Eventually.holds(SOON, () -> db.stats().closedByReason().get("broken")
                + db.stats().closedByReason().get("evicted") == 3))
                .as("every connection to the old PgBouncer replaced: %s", db.stats().closedByReason()).isTrue();
        for (int i = 0; i < 6; i++) {
            assertThat(db.fetchVal("SELECT ?::int", Integer.class, i)).as("no second dead connection").contains(i);
        }
    }

    @Test
    void aWriteOnAConnectionPgBouncerDroppedIsAnsweredUnavailableAndNotApplied() {
        var db = start("restartwrite", List.of("default_pool_size", "2"), "DB_MIN_POOL_SIZE", "1",
                "DB_MAX_POOL_SIZE", "1");
        db.execute("CREATE TABLE orders (id int)");
        pid(db);

        bouncer.stop();
        bouncer.startAgain();
        long acquisitionsBefore = db.stats().acquisitions();

        assertThatThrownBy(() -> db.execute("INSERT INTO orders VALUES (1)"))
                .isInstanceOfSatisfying(DatabaseUnavailableException.class,
                        e -> assertThat(e.sqlState()).startsWith("08"));

        assertThat(db.stats().acquisitions() - acquisitionsBefore).as("one attempt only").isEqualTo(1);
        assertThat(db.fetchVal("SELECT count(*) FROM orders", Long.class)).contains(0L);
        assertThat(db.execute("INSERT INTO orders VALUES (2)")).isEqualTo(1);
    }

    @Test
    void serverConnectionsPgBouncerRetiresAtServerLifetimeAreInvisibleToThePool() throws Exception {
        var db = start("lifetime", List.of("default_pool_size", "2", "server_lifetime", "1"),
                "DB_MIN_POOL_SIZE", "2", "DB_MAX_POOL_SIZE", "2");
        Set<Integer> backends = new HashSet<>();
        long deadline = System.nanoTime() + Duration.ofMillis(3_500).toNanos();
        int queries = 0;
        while (System.nanoTime() < deadline && queries < 5_000) {
            backends.add(pid(db));
            queries++;
            Thread.sleep(5);
        }

        assertThat(backends).as("PgBouncer replaced its server sessions (server_lifetime=1)").hasSizeGreaterThan(1);
        assertThat(db.stats().closed()).as("no client connection was dropped").isZero();
        assertThat(db.stats().queries()).isGreaterThanOrEqualTo(queries);
    }
}
