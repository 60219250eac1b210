package io.tradingdesk.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Read routing against a real primary and a streaming replica of it (throwaway clusters on 127.0.0.1, run as an
 * unprivileged user when root): the consistency token, the lag measure, a replica that goes away.
 */
@Tag("scaleout")
@Timeout(120)
class ReadRoutingIT {
    private static final Path BINARIES = Path.of("/usr/lib/postgresql/15/bin");
    private static final AtomicLong IDS = new AtomicLong();
    private static EmbeddedPostgres primary;
    private static EmbeddedPostgres replica;

    @BeforeAll
    static void startPrimaryAndReplica() throws SQLException {
        Assumptions.assumeTrue(Files.isExecutable(BINARIES.resolve("pg_basebackup")),
                "needs PostgreSQL 15 in " + BINARIES);
        primary = EmbeddedPostgres.builder().binariesDirectory(BINARIES).serverSetting("fsync", "off").start();
        replica = EmbeddedPostgres.builder().binariesDirectory(BINARIES).replicaOf(primary).start();
        try (Connection c = connect(primary); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL)");
        }
    }

    @AfterAll
    static void stopClusters() {
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @AfterEach
    void replicaReplaysAgain() throws SQLException {
        replica.startAgain();
        try (Connection c = connect(replica); Statement s = c.createStatement()) {
            s.execute("SELECT pg_wal_replay_resume()");
        }
    }

    private static Database start(String... variables) {
        var env = new HashMap<String, String>();
        env.put("DATABASE_URL", primary.jdbcUrl("postgres") + "?user=postgres");
        env.put("DATABASE_READ_URL", "postgresql://127.0.0.1:" + replica.port() + "/postgres");
        env.put("DB_APPLICATION_NAME", "routing-it");
        env.put("DB_MIN_POOL_SIZE", "1");
        env.put("DB_MAX_POOL_SIZE", "4");
        env.put("DB_READ_MIN_POOL_SIZE", "1");
        env.put("DB_READ_MAX_POOL_SIZE", "4");
        env.put("DB_ACQUIRE_TIMEOUT", "2");
        env.put("DB_CONNECT_TIMEOUT", "1");
        for (int i = 0; i < variables.length; i += 2) {
            env.put(variables[i], variables[i + 1]);
        }
        Database db = Database.start(DbConfig.from(env), new SimpleMeterRegistry());
        assertThat(Eventually.holds(Duration.ofSeconds(20), () -> replicaState(db).up() && replicaState(db).lagBytes() == 0))
                .as("the monitor sees the replica up and caught up").isTrue();
        return db;
    }

    private static ReadRoutingStats.Replica replicaState(Database db) {
        return db.readRouting().orElseThrow().replicas().getFirst();
    }

    private static Optional<String> body(Reads reads, long id) {
        return reads.fetchVal("SELECT body FROM notes WHERE id = ?", String.class, id);
    }

    private static long write(Database db) {
        long id = IDS.incrementAndGet();
        db.execute("INSERT INTO notes (id, body) VALUES (?, ?)", id, "note " + id);
        return id;
    }

    private static void pauseReplay() throws SQLException {
        try (Connection c = connect(replica); Statement s = c.createStatement()) {
            s.execute("SELECT pg_wal_replay_pause()");
            assertThat(Eventually.holds(Duration.ofSeconds(10), () -> "paused".equals(
                    scalar(replica, "SELECT pg_get_wal_replay_pause_state()")))).isTrue();
        }
    }

    @Test
    void aReadWithItsWritesTokenIsNeverStaleWhileReplayIsPausedAndOneWithoutIsServedStaleByTheReplica()
            throws SQLException {
        try (Database db = start("DB_READ_MAX_LAG", "3600")) {
            pauseReplay();
            int pairs = 200;
            int stale = 0;
            long last = 0;
            WalPosition token = null;
            for (int i = 0; i < pairs; i++) {
                last = write(db);
                token = db.commitPosition();
                if (body(db.reads(token), last).isEmpty()) {
                    stale++;
                }
            }
            ReadRoutingStats afterTokens = db.readRouting().orElseThrow();
            assertThat(stale).as("stale reads with the token").isZero();
            assertThat(afterTokens.primaryByToken()).isEqualTo(pairs);

            assertThat(body(db.reads(null), last)).as("the paused replica answers without the row").isEmpty();
            assertThat(db.readRouting().orElseThrow().replica()).isEqualTo(afterTokens.replica() + 1);

            try (Connection c = connect(replica); Statement s = c.createStatement()) {
                s.execute("SELECT pg_wal_replay_resume()");
            }
            WalPosition written = token;
            assertThat(Eventually.holds(Duration.ofSeconds(20), () -> WalPosition.parse(replicaState(db).replayed())
                    .reached(written))).as("the replica replays past the last token once resumed").isTrue();
            long servedBefore = db.readRouting().orElseThrow().replica();
            assertThat(body(db.reads(token), last)).contains("note " + last);
            assertThat(db.readRouting().orElseThrow().replica()).as("served by the replica now")
                    .isEqualTo(servedBefore + 1);
        }
    }

    @Test
    void theLagStaysZeroWhileThePrimaryIsIdleHoweverLongReplayIsPausedAndGrowsOnceItWrites() throws Exception {
        try (Database db = start("DB_READ_MAX_LAG", "0.5")) {
            pauseReplay();
            // Idle means no WAL at all: a background record (a standby snapshot) may still come; try a few windows.
            boolean idleWindowSeen = false;
            for (int attempt = 0; attempt < 5 && !idleWindowSeen; attempt++) {
                String before = scalar(primary, "SELECT pg_current_wal_lsn()");
                Thread.sleep(1_500);
                ReadRoutingStats.Replica state = replicaState(db);
                long servedBefore = db.readRouting().orElseThrow().replica();
                body(db.reads(null), 0);
                long served = db.readRouting().orElseThrow().replica() - servedBefore;
                if (before.equals(scalar(primary, "SELECT pg_current_wal_lsn()"))) {
                    idleWindowSeen = true;
                    assertThat(state.up()).isTrue();
                    assertThat(state.lagSeconds()).as("lag of a paused replica of an idle primary").isZero();
                    assertThat(served).as("reads still go to the replica").isEqualTo(1);
                }
            }
            assertThat(idleWindowSeen).as("an idle window of 1.5 s within 5 tries").isTrue();

            write(db);
            assertThat(Eventually.holds(Duration.ofSeconds(10), () -> replicaState(db).lagSeconds() > 0.5))
                    .as("the lag grows once the primary has WAL the replica lacks").isTrue();
            long byLag = db.readRouting().orElseThrow().primaryByLag();
            body(db.reads(null), 0);
            assertThat(db.readRouting().orElseThrow().primaryByLag()).isEqualTo(byLag + 1);
        }
    }

    @Test
    void aStoppedReplicaSendsReadsToThePrimaryWithoutAnErrorAndGetsThemBackWhenItReturns() {
        try (Database db = start("DB_READ_MAX_LAG", "30")) {
            long id = write(db);
            assertThat(Eventually.holds(Duration.ofSeconds(10), () -> body(db.reads(null), id).isPresent())).isTrue();

            replica.stop();
            for (int i = 0; i < 50; i++) {
                assertThat(body(db.reads(null), id)).as("read %d with the replica down", i).contains("note " + id);
            }
            ReadRoutingStats down = db.readRouting().orElseThrow();
            assertThat(down.primaryByReplicaDown()).isGreaterThanOrEqualTo(49);
            assertThat(down.replicas().getFirst().up()).isFalse();

            replica.startAgain();
            assertThat(Eventually.holds(Duration.ofSeconds(30), () -> replicaState(db).up())).isTrue();
            long served = db.readRouting().orElseThrow().replica();
            assertThat(body(db.reads(null), id)).contains("note " + id);
            assertThat(db.readRouting().orElseThrow().replica()).isEqualTo(served + 1);
        }
    }

    @Test
    void withoutAReadUrlReadsAreTheDatabaseItselfAndNothingIsRouted() {
        var env = Map.of("DATABASE_URL", primary.jdbcUrl("postgres") + "?user=postgres", "DB_MIN_POOL_SIZE", "1",
                "DB_MAX_POOL_SIZE", "2");
        try (Database db = Database.start(DbConfig.from(env), new SimpleMeterRegistry())) {
            assertThat(db.reads(null)).isSameAs(db);
            assertThat(db.reads(WalPosition.UNKNOWN)).isSameAs(db);
            assertThat(db.routesReads()).isFalse();
            assertThat(db.readRouting()).isEmpty();
        }
    }

    private static Connection connect(EmbeddedPostgres pg) throws SQLException {
        var props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(pg.jdbcUrl("postgres"), props);
    }

    private static String scalar(EmbeddedPostgres pg, String sql) {
        try (Connection c = connect(pg); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
