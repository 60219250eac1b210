package io.tradingdesk.app.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tradingdesk.embedded.EmbeddedPostgres;
import io.tradingdesk.migrations.Migrations;
import io.tradingdesk.testkit.Client;
import io.tradingdesk.testkit.Desk;
import io.tradingdesk.testkit.Ledger;
import io.tradingdesk.testkit.Load;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #5, point 8a: {@code migrations/least-privilege.sql} gives the runtime role {@code desk_app} data rights
 * only. Applied by the schema owner to a freshly migrated database, it lets the service do everything it does, and
 * refuses every change to the schema with SQLSTATE 42501 (insufficient_privilege).
 */
@Tag("security")
@Timeout(120)
class LeastPrivilegeIT {
    private static final String OWNER_PASSWORD = "owner-" + Long.toHexString(System.nanoTime());
    private static final String APP_PASSWORD = "app-" + Long.toHexString(System.nanoTime() * 31);
    private static final String DATABASE = "desk_lp";

    private static EmbeddedPostgres pg;

    @BeforeAll
    static void migrateAndRestrict() throws Exception {
        Logs.quiet();
        pg = Clusters.start(OWNER_PASSWORD, Map.of());
        Clusters.createMigrated(pg, DATABASE, OWNER_PASSWORD);
        String script = Files.readString(Repository.file("migrations/least-privilege.sql"));
        try (Connection owner = Stack.observer(pg, DATABASE, OWNER_PASSWORD); Statement s = owner.createStatement()) {
            s.execute(script);
            s.execute(script); // idempotent: the second run must change nothing and fail on nothing
            s.execute("ALTER ROLE desk_app PASSWORD '" + APP_PASSWORD + "'");
        }
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void theServiceDoesEverythingItDoesAsDeskApp() throws Exception {
        var env = Stack.environment(pg, DATABASE, "desk_app", APP_PASSWORD, Map.of("DB_MIN_POOL_SIZE", "1",
                "DB_MAX_POOL_SIZE", "4"));
        try (Stack stack = Stack.startWith(pg, DATABASE, OWNER_PASSWORD, env);
             Client client = stack.client(Duration.ofSeconds(15))) {
            var load = new Load(10_000, true);
            var ledger = new Ledger();
            List<String> symbols = Desk.seed(client, ledger, "LP", 3);
            var desk = new Desk(client, ledger, symbols, load);
            RandomGenerator rng = RandomGenerator.of("L64X128MixRandom");
            for (int i = 0; i < 5; i++) {
                desk.writeResearch(rng, "note " + i);
                desk.writeBars(rng, 10);
                desk.tradeFlow(rng);
            }
            for (int i = 0; i < 40; i++) {
                desk.read(rng);
            }
            for (String path : List.of("/health/ready", "/api/health", "/metrics", "/api/portfolio/summary")) {
                desk.exchange("GET " + path, false, () -> client.get(path));
            }
            assertThat(load.samples()).as("every request of the desk's normal work, as desk_app")
                    .allSatisfy(s -> assertThat(s.status()).as("%s", s).isBetween(200, 299));
            assertThat(ledger.trades).as("trades executed as desk_app").hasSize(5);
            try (Connection c = connectAsApp(); Statement s = c.createStatement()) {
                assertThat(Ledger.scalar(s, "SELECT count(*) FROM positions")).isPositive();
            }
        }
    }

    @Test
    void migrationsRunByDeskAppFindNothingToDoAndStillCannotChangeTheSchema() {
        var result = Migrations.migrate(pg.jdbcUrl(DATABASE), "desk_app", APP_PASSWORD);
        assertThat(result.applied()).isZero();
        assertThat(result.schemaVersion()).isEqualTo("3");
    }

    @Test
    void deskAppIsRefusedEveryChangeToTheSchemaWith42501() throws SQLException {
        List<String> forbidden = List.of(
                "DROP TABLE trades",
                "ALTER TABLE trades ADD COLUMN note text",
                "CREATE TABLE intruder (id int)",
                "CREATE TEMP TABLE scratch (id int)",
                "TRUNCATE positions",
                "CREATE SCHEMA side",
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
                "CREATE INDEX ON trades (price)",
                "ALTER TABLE pitches DISABLE TRIGGER ALL",
                "UPDATE flyway_schema_history SET success = false",
                "DELETE FROM flyway_schema_history",
                "ALTER TABLE trades OWNER TO desk_app");
        try (Connection c = connectAsApp()) {
            for (String sql : forbidden) {
                try (Statement s = c.createStatement()) {
                    Throwable refused = catchThrowable(() -> s.execute(sql));
                    assertThat(refused).as("as desk_app: %s", sql).isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).as("%s: %s", sql, e.getMessage()).isEqualTo("42501"));
                }
            }
            try (Statement s = c.createStatement()) {
                assertThat(Ledger.scalar(s, "SELECT count(*) FROM flyway_schema_history")).as("history readable").isPositive();
                assertThat(Ledger.scalar(s, """
                        SELECT count(*) FROM pg_roles WHERE rolname = current_user
                        AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls)""")).isZero();
            }
        }
        try (Connection owner = Stack.observer(pg, DATABASE, OWNER_PASSWORD); Statement s = owner.createStatement()) {
            assertThat(Ledger.scalar(s, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'trades'"
                    + " AND column_name = 'note'")).as("the schema is as the migrations left it").isZero();
        }
    }

    private static Connection connectAsApp() throws SQLException {
        var props = new Properties();
        props.setProperty("user", "desk_app");
        props.setProperty("password", APP_PASSWORD);
        props.setProperty("ApplicationName", "least-privilege-check");
        return DriverManager.getConnection(pg.jdbcUrl(DATABASE), props);
    }

    /** Files of the repository, found from the module directory (Maven's basedir) or the working directory upwards. */
    static final class Repository {
        private Repository() {
        }

        static Path file(String relative) throws IOException {
            Path start = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
            for (Path dir = start; dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve(relative);
                if (Files.isRegularFile(candidate)) {
                    return candidate;
                }
            }
            throw new IOException(relative + " not found above " + start);
        }
    }
}
