package io.tradingdesk.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.db.testing.TestDatabase;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the pool does under the conditions it was built for: retirement, timeouts, bounds, outages, shutdown. */
class PoolIT {
    private static final Duration SOON = Duration.ofSeconds(5);

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Database> started = new ArrayList<>();
    private DatabaseUrl url;

    /** A pool on a fresh database; the application name is unique so pg_stat_activity shows only this pool. */
    private Database start(String purpose, String... variables) {
        url = TestDatabase.fresh("pool_" + purpose);
        var env = new HashMap<String, String>();
        env.put("DB_APPLICATION_NAME", "pool-it-" + purpose);
        for (int i = 0; i < variables.length; i += 2) {
            env.put(variables[i], variables[i + 1]);
        }
        var db = Database.start(TestDatabase.config(url, env), new SimpleMeterRegistry());
        started.add(db);
        return db;
    }

    @AfterEach
    void noConnectionLeaks() {
        threads.shutdownNow();
        for (Database db : started) {
            assertThat(Eventually.holds(SOON, () -> db.stats().active() == 0))
                    .as("connections still lent out: %s", db.stats()).isTrue();
            db.close();
        }
    }

    private static int pid(Queries db) {
        return db.fetchVal("SELECT pg_backend_pid()", Integer.class).orElseThrow();
    }

    /** Borrows a connection inside a transaction on another thread and keeps it until {@code release} opens. */
    private Future<Integer> hold(Database db, CountDownLatch release) throws InterruptedException {
        var held = new CountDownLatch(1);
        Future<Integer> holder = threads.submit(() -> db.transaction(tx -> {
            int pid = pid(tx);
            held.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return pid;
        }));
        assertThat(held.await(10, TimeUnit.SECONDS)).as("the holder got the connection").isTrue();
        return holder;
    }

    /** Waits until the pool's sessions are all there is: the start-up check's session may take a moment to end. */
    private static void settle(String applicationName, int sessions) {
        assertThat(Eventually.holds(SOON, () -> TestDatabase.serverConnections(applicationName) == sessions))
                .as("%d sessions of %s", sessions, applicationName).isTrue();
    }

    private static int terminateBackends(String applicationName) throws SQLException {
        try (var c = TestDatabase.connect(TestDatabase.server());
             var statement = c.prepareStatement(
                     "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?")) {
            statement.setString(1, applicationName);
            try (var rs = statement.executeQuery()) {
                rs.next();
                int killed = rs.getInt(1);
                assertThat(Eventually.holds(SOON, () -> TestDatabase.serverConnections(applicationName) == 0))
                        .as("terminated backends are gone").isTrue();
                return killed;
            }
        }
    }

    private static long closedBy(Database db, String... reasons) {
        Map<String, Long> closed = db.stats().closedByReason();
        long sum = 0;
        for (String reason : reasons) {
            sum += closed.get(reason);
        }
        return sum;
    }

    @Test
    void aConnectionIsRetiredAfterServingMaxQueriesStatements() {
        var db = start("maxqueries", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1", "DB_MAX_QUERIES", "5");

        var pids = new ArrayList<Integer>();
        for (int i = 0; i < 12; i++) {
            pids.add(pid(db));
        }

        assertThat(pids.subList(0, 5)).containsOnly(pids.get(0));
        assertThat(pids.subList(5, 10)).containsOnly(pids.get(5));
        assertThat(pids.get(5)).isNotEqualTo(pids.get(0));
        assertThat(pids.get(10)).isNotIn(pids.get(0), pids.get(5));
        assertThat(Eventually.holds(SOON, () -> db.stats().closedByReason().get("max_queries") == 2))
                .as("closed by reason: %s", db.stats().closedByReason()).isTrue();
        assertThat(db.stats().retired()).isEqualTo(2);
        assertThat(closedBy(db, "broken", "evicted", "idle", "max_lifetime")).isZero();
    }

    @Test
    void aStatementPastTheCommandTimeoutIsCancelledAndTheConnectionStaysInService() {
        var db = start("stmttimeout", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1", "DB_COMMAND_TIMEOUT", "0.5");
        int before = pid(db);

        long start = System.nanoTime();
        assertThatThrownBy(() -> db.fetchVal("SELECT pg_sleep(5)", String.class))
                .isInstanceOfSatisfying(StatementTimeoutException.class,
                        e -> assertThat(e.sqlState()).isEqualTo("57014"))
                .hasMessageContaining("DB_COMMAND_TIMEOUT");
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(elapsedMillis).isBetween(400L, 2_500L);
        assertThat(pid(db)).as("the same backend serves the next query").isEqualTo(before);
        assertThat(db.stats().closed()).isZero();
    }

    @Test
    void theCommandTimeoutHoldsOnThePlainPathAndInTransactionsAlike() {
        var db = start("timeoutpaths", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1", "DB_COMMAND_TIMEOUT", "0.5");
        int before = pid(db);
        RowReader<Integer> one = rs -> 1;

        assertThatThrownBy(() -> db.fetchOne("SELECT 1 FROM pg_sleep(5)", one))
                .isInstanceOf(StatementTimeoutException.class);
        assertThatThrownBy(() -> db.execute("DO $$ BEGIN PERFORM pg_sleep(5); END $$"))
                .isInstanceOf(StatementTimeoutException.class);
        assertThatThrownBy(() -> db.transaction(tx -> tx.fetchOne("SELECT 1 FROM pg_sleep(5)", one)))
                .isInstanceOf(StatementTimeoutException.class);

        // Quick statements after a cancelled one are not cancelled by a stale deadline.
        for (int i = 0; i < 20; i++) {
            assertThat(db.fetchOne("SELECT 1 FROM pg_sleep(0.03)", one)).contains(1);
        }
        assertThat(pid(db)).as("the same backend serves on").isEqualTo(before);
        assertThat(db.stats().closed()).isZero();
    }

    @Test
    void aStatementWhoseServerStopsAnsweringIsFreedByClosingItsConnection() throws Exception {
        // The backend is frozen (SIGSTOP): the cancel request cannot reach it, so only closing the socket frees the
        // caller, 15 s after the deadline. pgjdbc's socketTimeout is off (it would time every read); this is what
        // stands in for it.
        var db = start("frozen", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1", "DB_COMMAND_TIMEOUT", "0.5");
        int backend = pid(db);
        // A write, which is never retried: the caller sees the failure (a read would be retried on a new connection).
        Future<Throwable> caller = threads.submit(() -> {
            try {
                db.execute("DO $$ BEGIN PERFORM pg_sleep(0.2); END $$");
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        sleep(50);
        signal("STOP", backend);
        try {
            Throwable failure = caller.get(40, TimeUnit.SECONDS);
            assertThat(failure).as("the stuck statement ends in a connection failure")
                    .isInstanceOf(DatabaseUnavailableException.class);
        } finally {
            signal("CONT", backend);
        }
        assertThat(Eventually.holds(SOON, () -> db.stats().closedByReason().get("broken") == 1))
                .as("closed by reason: %s", db.stats().closedByReason()).isTrue();
        assertThat(pid(db)).as("a fresh connection serves the next query").isNotEqualTo(backend);
    }

    private static void signal(String name, int pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Integer.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -%s %d (the tests run as root or as the server's user)", name, pid)
                .isZero();
    }

    @Test
    void readinessAnswersAtOnceWhileCallersQueueAndProbesWhenIdle() throws Exception {
        var db = start("ready", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1", "DB_ACQUIRE_TIMEOUT", "10");
        Duration fresh = Duration.ofMillis(200);
        assertThat(db.readiness(fresh).up()).as("idle: probed").isTrue();
        var release = new CountDownLatch(1);
        Future<Integer> holder = hold(db, release);
        Future<Integer> waiter = threads.submit(() -> db.fetchVal("SELECT 1", Integer.class).orElseThrow());
        assertThat(Eventually.holds(SOON, () -> db.stats().waiting() > 0)).as("a caller waits").isTrue();
        sleep(300);   // the last success is older than the freshness now

        long start = System.nanoTime();
        HealthProbe saturated = db.readiness(fresh);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(saturated.busy()).as("saturated, not down: %s", saturated).isTrue();
        assertThat(millis).as("answered without queueing for the connection").isLessThan(1_000);

        release.countDown();
        holder.get(10, TimeUnit.SECONDS);
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(db.readiness(fresh).up()).as("traffic answered a moment ago").isTrue();
    }

    @Test
    void aConnectionHeldPastTheLeakThresholdIsReportedOnceWithItsBorrower() throws Exception {
        var db = start("leak", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "2", "DB_LEAK_DETECTION_THRESHOLD", "2");
        var logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                "io.tradingdesk.db.internal.Watchdog");
        var appender = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        appender.start();
        logger.addAppender(appender);
        try {
            Thread holder = Thread.ofPlatform().name("leaky-caller").start(() -> db.transaction(tx -> {
                sleep(3_000);
                return tx.fetchVal("SELECT 1", Integer.class);
            }));
            holder.join(10_000);
            db.fetchVal("SELECT 1", Integer.class);   // a short loan is never reported
            var messages = appender.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .toList();
            assertThat(messages).filteredOn(m -> m.contains("possible connection leak")).hasSize(1)
                    .allSatisfy(m -> assertThat(m).contains("leaky-caller", "DB_LEAK_DETECTION_THRESHOLD=2000"));
            assertThat(messages).anyMatch(m -> m.contains("came back"));
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void aCallerThatGetsNoConnectionWithinTheAcquireTimeoutIsToldSo() throws Exception {
        var db = start("acquiretimeout", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1", "DB_ACQUIRE_TIMEOUT", "0.5");
        var release = new CountDownLatch(1);
        Future<Integer> holder = hold(db, release);

        long start = System.nanoTime();
        assertThatThrownBy(() -> db.fetchVal("SELECT 1", Integer.class))
                .isInstanceOfSatisfying(PoolExhaustedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(PoolExhaustedException.Reason.ACQUIRE_TIMEOUT);
                    assertThat(e.sqlState()).isNull();
                })
                .hasMessageContaining("no connection within 500 ms")
                .hasMessageContaining("total=1, active=1, idle=0");
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        release.countDown();

        assertThat(elapsedMillis).isBetween(450L, 2_000L);
        assertThat(db.stats().acquireTimeouts()).isEqualTo(1);
        assertThat(holder.get(10, TimeUnit.SECONDS)).isPositive();
        assertThat(db.fetchVal("SELECT 1", Integer.class)).contains(1);
    }

    @Test
    void whenMaxWaitingCallersAlreadyWaitTheNextIsRefusedAtOnce() throws Exception {
        var db = start("maxwaiting", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1", "DB_MAX_WAITING", "2",
                "DB_ACQUIRE_TIMEOUT", "10");
        var release = new CountDownLatch(1);
        Future<Integer> holder = hold(db, release);
        List<Future<Integer>> waiters = List.of(
                threads.submit(() -> db.fetchVal("SELECT 1", Integer.class).orElseThrow()),
                threads.submit(() -> db.fetchVal("SELECT 2", Integer.class).orElseThrow()));
        assertThat(Eventually.holds(SOON, () -> db.stats().waiting() == 2)).as("two callers wait").isTrue();

        long start = System.nanoTime();
        assertThatThrownBy(() -> db.fetchVal("SELECT 3", Integer.class))
                .isInstanceOfSatisfying(PoolExhaustedException.class,
                        e -> assertThat(e.reason()).isEqualTo(PoolExhaustedException.Reason.TOO_MANY_WAITING))
                .hasMessageContaining("2 callers already waiting (DB_MAX_WAITING=2");
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(elapsedMillis).isLessThan(100);
        assertThat(db.stats().refused()).isEqualTo(1);
        release.countDown();
        assertThat(holder.get(10, TimeUnit.SECONDS)).isPositive();
        assertThat(waiters.get(0).get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(waiters.get(1).get(10, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(db.stats().acquireTimeouts()).isZero();
        assertThat(db.stats().waiting()).isZero();
    }

    @Test
    void theStatisticsAddUpAfterAKnownWorkload() {
        var db = start("stats", "DB_MIN_POOL_SIZE", "2", "DB_MAX_POOL_SIZE", "2");
        assertThat(Eventually.holds(SOON, () -> db.stats().total() == 2)).isTrue();

        db.execute("CREATE TABLE ticks (n int)");
        db.executeMany("INSERT INTO ticks VALUES (?)", List.of(new Object[] {1}, new Object[] {2}, new Object[] {3}));
        for (int i = 0; i < 10; i++) {
            db.fetchVal("SELECT sum(n) FROM ticks WHERE n > ?", Long.class, i);
        }
        db.transaction(tx -> tx.execute("INSERT INTO ticks VALUES (4)") + tx.execute("DELETE FROM ticks WHERE n = 1"));

        PoolStats stats = db.stats();
        assertThat(stats.mode()).isEqualTo("pooled");
        assertThat(stats.minSize()).isEqualTo(2);
        assertThat(stats.maxSize()).isEqualTo(2);
        assertThat(stats.acquisitions()).isEqualTo(13);
        assertThat(stats.queries()).isEqualTo(14);
        assertThat(stats.created()).isEqualTo(2);
        assertThat(stats.closed()).isZero();
        assertThat(stats.reuseRate()).isCloseTo(1.0 - 2.0 / 13.0, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(stats.total()).isEqualTo(2);
        assertThat(stats.active()).isZero();
        assertThat(stats.idle()).isEqualTo(2);
        assertThat(stats.waiting()).isZero();
        assertThat(stats.refused()).isZero();
        assertThat(stats.acquireTimeouts()).isZero();
        assertThat(stats.acquireP50Millis()).isPositive();
        assertThat(stats.acquireP95Millis()).isGreaterThanOrEqualTo(stats.acquireP50Millis());
        assertThat(stats.acquireP99Millis()).isGreaterThanOrEqualTo(stats.acquireP95Millis());
        assertThat(TestDatabase.serverConnections("pool-it-stats")).isEqualTo(2);
    }

    @Test
    void directModeOpensOneServerConnectionPerQuery() {
        var db = start("direct", "DB_POOL_MODE", "direct");
        int queries = 8;

        var pids = new HashSet<Integer>();
        for (int i = 0; i < queries; i++) {
            pids.add(pid(db));
        }

        PoolStats stats = db.stats();
        assertThat(pids).hasSize(queries);
        assertThat(stats.mode()).isEqualTo("direct");
        assertThat(stats.created()).isEqualTo(queries);
        assertThat(stats.acquisitions()).isEqualTo(queries);
        assertThat(stats.closedByReason()).containsEntry("direct", (long) queries);
        assertThat(stats.reuseRate()).isZero();
        assertThat(stats.total()).isZero();
        assertThat(Eventually.holds(SOON, () -> TestDatabase.serverConnections("pool-it-direct") == 0)).isTrue();
    }

    @Test
    void constraintViolationsNameTheirKindAndConstraint() {
        var db = start("constraints", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "2");
        db.execute("CREATE TABLE desks (id int PRIMARY KEY)");
        db.execute("""
                CREATE TABLE traders (
                    id      int PRIMARY KEY,
                    desk_id int NOT NULL CONSTRAINT traders_desk_fk REFERENCES desks (id),
                    email   text CONSTRAINT traders_email_key UNIQUE,
                    limit_  int CONSTRAINT traders_limit_positive CHECK (limit_ > 0)
                )""");
        db.execute("INSERT INTO desks VALUES (1)");
        db.execute("INSERT INTO traders VALUES (1, 1, 'a@desk', 10)");

        record Case(String sql, ConstraintViolationException.Kind kind, String constraint, String sqlState) {
        }
        var cases = List.of(
                new Case("INSERT INTO traders VALUES (2, 1, 'a@desk', 10)", ConstraintViolationException.Kind.UNIQUE,
                        "traders_email_key", "23505"),
                new Case("INSERT INTO traders VALUES (1, 1, 'b@desk', 10)", ConstraintViolationException.Kind.UNIQUE,
                        "traders_pkey", "23505"),
                new Case("INSERT INTO traders VALUES (3, 99, 'c@desk', 10)", ConstraintViolationException.Kind.FOREIGN_KEY,
                        "traders_desk_fk", "23503"),
                new Case("DELETE FROM desks WHERE id = 1", ConstraintViolationException.Kind.FOREIGN_KEY,
                        "traders_desk_fk", "23503"),
                new Case("INSERT INTO traders VALUES (4, 1, 'd@desk', 0)", ConstraintViolationException.Kind.CHECK,
                        "traders_limit_positive", "23514"),
                new Case("INSERT INTO traders VALUES (5, NULL, 'e@desk', 1)", ConstraintViolationException.Kind.NOT_NULL,
                        "desk_id", "23502"));
        for (Case c : cases) {
            assertThatThrownBy(() -> db.execute(c.sql()))
                    .as(c.sql())
                    .isInstanceOfSatisfying(ConstraintViolationException.class, e -> {
                        assertThat(e.kind()).isEqualTo(c.kind());
                        assertThat(e.constraint()).isEqualTo(c.constraint());
                        assertThat(e.sqlState()).isEqualTo(c.sqlState());
                    })
                    .hasMessageStartingWith("constraint violated: " + c.constraint() + " (SQLSTATE " + c.sqlState());
        }
        assertThat(db.fetchVal("SELECT count(*) FROM traders", Long.class)).contains(1L);
        assertThat(db.stats().closed()).as("a constraint violation does not cost a connection").isZero();
    }

    @Test
    void theHealthProbeIsUpWhenTheDatabaseAnswersAndDownWhenNoConnectionComesInTime() throws Exception {
        var db = start("health", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1", "DB_HEALTH_TIMEOUT", "0.3",
                "DB_MAX_WAITING", "0");

        HealthProbe up = db.probe();
        assertThat(up.up()).isTrue();
        assertThat(up.error()).isNull();
        assertThat(up.roundTripMillis()).isPositive().isLessThan(300);

        var release = new CountDownLatch(1);
        Future<Integer> holder = hold(db, release);
        HealthProbe down = db.probe();
        release.countDown();

        assertThat(down.up()).isFalse();
        assertThat(down.error()).contains("no connection within 300 ms");
        assertThat(down.roundTripMillis()).isBetween(250.0, 2_000.0);
        assertThat(db.stats().refused()).as("the probe bypasses the waiting bound").isZero();
        assertThat(holder.get(10, TimeUnit.SECONDS)).isPositive();
        assertThat(db.probe().up()).isTrue();
    }

    @Test
    void closeWaitsForABorrowedConnectionToComeBack() throws Exception {
        var db = start("closewait", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1", "DB_SHUTDOWN_GRACE", "5");
        db.execute("CREATE TABLE done (what text)");
        var held = new CountDownLatch(1);
        Future<Integer> holder = threads.submit(() -> db.transaction(tx -> {
            held.countDown();
            sleep(600);
            return tx.execute("INSERT INTO done VALUES ('committed during shutdown')");
        }));
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        db.close();
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(holder.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(elapsedMillis).isBetween(300L, 4_000L);
        assertThat(db.stats().active()).isZero();
        assertThat(db.stats().closedByReason().get("shutdown")).isEqualTo(1);
        assertThatThrownBy(() -> db.fetchVal("SELECT 1", Integer.class))
                .isInstanceOf(DatabaseUnavailableException.class)
                .hasMessage("the database pool is closed");
        try (var c = TestDatabase.connect(url); var s = c.createStatement();
             var rs = s.executeQuery("SELECT what FROM done")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("committed during shutdown");
        }
        assertThat(Eventually.holds(SOON, () -> TestDatabase.serverConnections("pool-it-closewait") == 0)).isTrue();
    }

    @Test
    void closeGivesUpOnABorrowedConnectionAfterTheShutdownGrace() throws Exception {
        var db = start("closegrace", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1", "DB_SHUTDOWN_GRACE", "0.5");
        var release = new CountDownLatch(1);
        var held = new CountDownLatch(1);
        Future<Integer> holder = threads.submit(() -> db.transaction(tx -> {
            held.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return tx.fetchVal("SELECT 1", Integer.class).orElseThrow();
        }));
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        db.close();
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        release.countDown();

        assertThat(elapsedMillis).isBetween(450L, 3_000L);
        assertThatThrownBy(() -> holder.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(DbException.class);
        assertThat(Eventually.holds(SOON, () -> db.stats().closed() == db.stats().created()))
                .as("every connection opened is counted closed, the abandoned one too: %s", db.stats()).isTrue();
        assertThat(Eventually.holds(SOON, () -> TestDatabase.serverConnections("pool-it-closegrace") == 0)).isTrue();
    }

    @Test
    void aReadOnAKilledConnectionIsRetriedOnAFreshOne() throws Exception {
        var db = start("killedread", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1");
        int before = pid(db);

        settle("pool-it-killedread", 1);
        assertThat(terminateBackends("pool-it-killedread")).isEqualTo(1);
        long queriesBefore = db.stats().queries();
        int after = pid(db);

        assertThat(after).isNotEqualTo(before);
        assertThat(db.stats().queries() - queriesBefore).as("the first attempt met the dead connection").isEqualTo(2);
        assertThat(Eventually.holds(SOON, () -> closedBy(db, "broken", "evicted") == 1))
                .as("closed by reason: %s", db.stats().closedByReason()).isTrue();
        assertThat(pid(db)).isEqualTo(after);
    }

    @Test
    void afterEveryBackendOfThePoolIsKilledTheNextReadSucceedsAndAllAreReplaced() throws Exception {
        var db = start("killedall", "DB_MIN_POOL_SIZE", "3", "DB_MAX_POOL_SIZE", "3");
        assertThat(Eventually.holds(SOON, () -> db.stats().total() == 3)).isTrue();
        db.fetchVal("SELECT 1", Integer.class);

        settle("pool-it-killedall", 3);
        assertThat(terminateBackends("pool-it-killedall")).isEqualTo(3);

        assertThat(db.fetchVal("SELECT 42", Integer.class)).contains(42);
        assertThat(Eventually.holds(SOON, () -> closedBy(db, "broken", "evicted") == 3))
                .as("closed by reason: %s", db.stats().closedByReason()).isTrue();
        assertThat(Eventually.holds(SOON, () -> TestDatabase.serverConnections("pool-it-killedall") == 3)).isTrue();
        for (int i = 0; i < 6; i++) {
            assertThat(db.fetchVal("SELECT ?::int", Integer.class, i)).contains(i);
        }
        assertThat(db.stats().created()).isEqualTo(6);
    }

    @Test
    void aConnectionThatDiesLongAfterAnEvictionIsCountedAsBrokenNotEvicted() throws Exception {
        var db = start("killedtwice", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1");
        pid(db);
        terminateBackends("pool-it-killedtwice");
        pid(db);
        assertThat(Eventually.holds(SOON, () -> closedBy(db, "broken", "evicted") == 1))
                .as("closed by reason: %s", db.stats().closedByReason()).isTrue();
        long evicted = closedBy(db, "evicted");

        terminateBackends("pool-it-killedtwice");
        sleep(700); // past HikariCP's 500 ms alive-bypass window: it validates the dead connection and replaces it
        pid(db);

        assertThat(Eventually.holds(SOON, () -> db.stats().closed() == 2)).isTrue();
        assertThat(closedBy(db, "evicted")).as("the eviction applied to the connections open at the time only")
                .isEqualTo(evicted);
        assertThat(closedBy(db, "broken")).isEqualTo(2 - evicted);
    }

    @Test
    void aWriteOnAKilledConnectionIsNotRetried() throws Exception {
        var db = start("killedwrite", "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1");
        db.execute("CREATE TABLE orders (id int)");
        pid(db);

        terminateBackends("pool-it-killedwrite");
        long acquisitionsBefore = db.stats().acquisitions();

        assertThatThrownBy(() -> db.execute("INSERT INTO orders VALUES (1)"))
                .isInstanceOfSatisfying(DatabaseUnavailableException.class,
                        e -> assertThat(e.sqlState()).isIn("57P01", "08006", "08003"));

        assertThat(db.stats().acquisitions() - acquisitionsBefore).as("one attempt only").isEqualTo(1);
        assertThat(db.fetchVal("SELECT count(*) FROM orders", Long.class)).contains(0L);
        assertThat(db.execute("INSERT INTO orders VALUES (2)")).isEqualTo(1);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
