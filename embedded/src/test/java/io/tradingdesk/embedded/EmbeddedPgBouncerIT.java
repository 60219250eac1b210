package io.tradingdesk.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A real PgBouncer (Debian's package) in front of a scram-sha-256 cluster; as root it runs unprivileged. */
@Tag("scaleout")
class EmbeddedPgBouncerIT {
    private static final String PASSWORD = "bouncer-secret-0123456789";

    @BeforeAll
    static void pgbouncerIsInstalled() {
        boolean installed = EmbeddedPgBouncer.installedBinary().isPresent();
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(installed, "pgbouncer is not installed (apt-get install pgbouncer)");
        }
        assertThat(installed).as("CI installs pgbouncer (.ci/run)").isTrue();
    }

    @Test
    void poolsTransactionsThroughScramAndComesBackOnTheSamePortAfterAStop() throws Exception {
        try (var pg = EmbeddedPostgres.builder().superuserPassword(PASSWORD).start();
             var bouncer = EmbeddedPgBouncer.builder(pg.host(), pg.port()).user("postgres", PASSWORD)
                     .setting("default_pool_size", "2").start()) {
            Path directory = bouncer.directory();
            assertThat(bouncer.isRunning()).isTrue();
            assertThat(Files.readString(directory.resolve("pgbouncer.ini")))
                    .contains("pool_mode = transaction", "auth_type = scram-sha-256", "default_pool_size = 2")
                    .doesNotContain(PASSWORD);

            try (Connection c = connect(bouncer.jdbcUrl("postgres"))) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TEMP TABLE t (x int) ON COMMIT DROP");
                    s.execute("INSERT INTO t VALUES (1), (2)");
                    assertThat(scalar(s, "SELECT sum(x) FROM t")).isEqualTo("3");
                }
                c.commit();
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    assertThat(scalar(s, "SELECT current_user")).isEqualTo("postgres");
                }
            }
            assertThat(bouncer.admin("SHOW POOLS")).anySatisfy(pool -> {
                assertThat(pool.get("database")).isEqualTo("postgres");
                assertThat(pool.get("pool_mode")).isEqualTo("transaction");
            });

            bouncer.stop();
            assertThat(bouncer.isRunning()).isFalse();
            assertThatThrownBy(() -> connect(bouncer.jdbcUrl("postgres")).close()).isInstanceOf(SQLException.class);

            bouncer.startAgain();
            try (Connection c = connect(bouncer.jdbcUrl("postgres")); Statement s = c.createStatement()) {
                assertThat(scalar(s, "SELECT 1")).isEqualTo("1");
            }
            bouncer.close();
            assertThat(Files.exists(directory)).as("directory deleted").isFalse();
        }
    }

    private static Connection connect(String url) throws SQLException {
        var props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", PASSWORD);
        props.setProperty("prepareThreshold", "0");
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(url, props);
    }

    private static String scalar(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
