package io.tradingdesk.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The primary the pool is connected to turns read-only under it (as an old primary does that a failover manager
 * demotes or drains, or that an operator sets to default_transaction_read_only) while another server of
 * {@code DATABASE_URL} is the writable one. HikariCP keeps a connection that answers 25006, so without eviction every
 * write would fail until the connections aged out; the pool must drop them and let pgjdbc find the primary again.
 */
@Tag("scaleout")
@Timeout(120)
class ReadOnlyPrimaryIT {
    private static EmbeddedPostgres first;
    private static EmbeddedPostgres second;

    @BeforeAll
    static void startTwoServers() throws SQLException {
        first = EmbeddedPostgres.builder().serverSetting("fsync", "off").start();
        second = EmbeddedPostgres.builder().serverSetting("fsync", "off").start();
        for (EmbeddedPostgres pg : List.of(first, second)) {
            execute(pg, "CREATE TABLE orders (id bigint PRIMARY KEY)");
        }
    }

    @AfterAll
    static void stopServers() {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
    }

    @Test
    void aWriteThatMeetsAReadOnlyServerGets503AndTheNextOnesGoToTheWritableServer() throws SQLException {
        var env = new HashMap<String, String>();
        env.put("DATABASE_URL", "postgresql://postgres@127.0.0.1:" + first.port() + ",127.0.0.1:" + second.port()
                + "/postgres?target_session_attrs=read-write");
        env.put("DB_MIN_POOL_SIZE", "4");
        env.put("DB_MAX_POOL_SIZE", "4");
        env.put("DB_APPLICATION_NAME", "read-only-it");
        try (Database db = Database.start(DbConfig.from(env), new SimpleMeterRegistry())) {
            for (long id = 1; id <= 20; id++) {
                db.execute("INSERT INTO orders (id) VALUES (?)", id);
            }
            assertThat(count(first)).as("writes go to the first writable host").isEqualTo(20);

            execute(first, "ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()");
            assertThat(eventuallyReadOnly()).isTrue();

            var failures = new ArrayList<Throwable>();
            long acknowledged = 0;
            for (long id = 21; id <= 60; id++) {
                long next = id;
                Throwable failure = catchThrowable(() -> db.transaction(tx ->
                        tx.execute("INSERT INTO orders (id) VALUES (?)", next)));
                if (failure == null) {
                    acknowledged++;
                } else {
                    failures.add(failure);
                }
            }

            assertThat(failures).as("only the write that met the read-only server fails").hasSize(1);
            assertThat(failures.getFirst()).isInstanceOfSatisfying(DatabaseUnavailableException.class,
                    e -> assertThat(e.sqlState()).isEqualTo("25006"));
            assertThat(count(first)).as("no write landed on the read-only server").isEqualTo(20);
            assertThat(count(second)).as("every later write is on the writable server").isEqualTo(acknowledged);
            assertThat(db.stats().closedByReason().get("evicted")).as("its siblings were evicted too")
                    .isGreaterThanOrEqualTo(1);
        } finally {
            execute(first, "SET default_transaction_read_only = off", "ALTER SYSTEM RESET default_transaction_read_only",
                    "SELECT pg_reload_conf()");
        }
    }

    private static boolean eventuallyReadOnly() {
        return Eventually.holds(java.time.Duration.ofSeconds(10), () -> {
            try (Connection c = connect(first); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW transaction_read_only")) {
                rs.next();
                return "on".equals(rs.getString(1));
            } catch (SQLException e) {
                return false;
            }
        });
    }

    private static long count(EmbeddedPostgres pg) throws SQLException {
        try (Connection c = connect(pg); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM orders")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Runs {@code sql}, one statement after the other, on one session. */
    private static void execute(EmbeddedPostgres pg, String... sql) throws SQLException {
        try (Connection c = connect(pg); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        }
    }

    private static Connection connect(EmbeddedPostgres pg) throws SQLException {
        var props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(pg.jdbcUrl("postgres"), props);
    }
}
