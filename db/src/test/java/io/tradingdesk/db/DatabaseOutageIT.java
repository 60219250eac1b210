package io.tradingdesk.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.db.testing.TestDatabase;
import io.tradingdesk.embedded.EmbeddedPostgres;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** When the database is unreachable, refuses us, or goes away and comes back. */
class DatabaseOutageIT {
    private static final String PASSWORD = "Corr3ct-horse";
    private static EmbeddedPostgres scram;

    @BeforeAll
    static void startPasswordProtectedServer() {
        scram = EmbeddedPostgres.builder().superuserPassword(PASSWORD).start();
    }

    @AfterAll
    static void stopServer() {
        scram.close();
    }

    private static DbConfig scramConfig(String password, String... variables) {
        var env = new java.util.HashMap<String, String>();
        env.put("DATABASE_URL", "postgresql://postgres:" + password + "@127.0.0.1:" + scram.port() + "/postgres");
        env.put("DB_APPLICATION_NAME", "outage-it");
        for (int i = 0; i < variables.length; i += 2) {
            env.put(variables[i], variables[i + 1]);
        }
        return DbConfig.from(env);
    }

    @Test
    void startFailsWithinTheStartTimeoutWhenNothingListensAndNamesTheHostButNotThePassword() {
        var config = DbConfig.from(Map.of("DATABASE_URL", "postgresql://desk:hunter2-secret@127.0.0.1:1/desk",
                "DB_START_TIMEOUT", "1"));

        long start = System.nanoTime();
        assertThatThrownBy(() -> Database.start(config, new SimpleMeterRegistry()))
                .isInstanceOfSatisfying(DatabaseUnavailableException.class,
                        e -> assertThat(e.sqlState()).isEqualTo("08001"))
                .hasMessageStartingWith("database at desk@127.0.0.1:1/desk not usable within DB_START_TIMEOUT=1 s")
                .hasMessageNotContaining("hunter2-secret");
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(elapsedMillis).isBetween(500L, 3_000L);
    }

    @Test
    void aWrongPasswordFailsAtOnceInsteadOfWaitingOutTheStartTimeout() {
        var config = scramConfig("Wr0ng-horse", "DB_START_TIMEOUT", "30");

        long start = System.nanoTime();
        assertThatThrownBy(() -> Database.start(config, new SimpleMeterRegistry()))
                .isInstanceOfSatisfying(DatabaseUnavailableException.class,
                        e -> assertThat(e.sqlState()).isEqualTo("28P01"))
                .hasMessageContaining("127.0.0.1:" + scram.port())
                .hasMessageContaining("password authentication failed")
                .hasMessageNotContaining("Wr0ng-horse")
                .hasMessageNotContaining(PASSWORD);
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(elapsedMillis).isLessThan(5_000L);
    }

    @Test
    void theRightPasswordOpensThePool() {
        try (var db = Database.start(scramConfig(PASSWORD, "DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "2"),
                new SimpleMeterRegistry())) {
            assertThat(db.fetchVal("SELECT current_user", String.class)).contains("postgres");
            assertThat(db.config().toString()).doesNotContain(PASSWORD);
        }
    }

    @Test
    void aMissingDatabaseFailsAtOnce() {
        var config = TestDatabase.config(TestDatabase.server().withDatabase("no_such_database_here"),
                Map.of("DB_START_TIMEOUT", "30"));

        long start = System.nanoTime();
        assertThatThrownBy(() -> Database.start(config, new SimpleMeterRegistry()))
                .isInstanceOfSatisfying(DatabaseUnavailableException.class,
                        e -> assertThat(e.sqlState()).isEqualTo("3D000"))
                .hasMessageContaining("no_such_database_here");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000L);
    }

    @Test
    void whenTheServerStopsTheProbeIsDownAndCallsFailAndWhenItStartsAgainBothRecover() {
        try (var db = Database.start(scramConfig(PASSWORD, "DB_MIN_POOL_SIZE", "2", "DB_MAX_POOL_SIZE", "2",
                "DB_HEALTH_TIMEOUT", "1", "DB_ACQUIRE_TIMEOUT", "1"), new SimpleMeterRegistry())) {
            assertThat(db.probe().up()).isTrue();

            scram.stop();
            try {
                HealthProbe down = db.probe();
                assertThat(down.up()).isFalse();
                assertThat(down.error()).isNotBlank().doesNotContain(PASSWORD);
                assertThat(down.roundTripMillis()).isLessThan(3_000);
                assertThatThrownBy(() -> db.fetchVal("SELECT 1", Integer.class))
                        .isInstanceOf(DbException.class)
                        .satisfies(e -> assertThat(e).isInstanceOfAny(DatabaseUnavailableException.class,
                                PoolExhaustedException.class));
            } finally {
                scram.startAgain();
            }

            assertThat(Eventually.holds(Duration.ofSeconds(15), () -> db.probe().up())).isTrue();
            assertThat(db.fetchVal("SELECT 7", Integer.class)).contains(7);
            assertThat(db.stats().closedByReason().get("broken") + db.stats().closedByReason().get("evicted"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(db.stats().active()).isZero();
        }
    }
}
