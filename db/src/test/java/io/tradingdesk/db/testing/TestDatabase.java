package io.tradingdesk.db.testing;

import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.db.DbConfig;
import io.tradingdesk.embedded.EmbeddedPgBouncer;
import io.tradingdesk.embedded.EmbeddedPostgres;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the tests find PostgreSQL: {@code TEST_DATABASE_URL} if set, else the local server at 127.0.0.1:5432 as
 * user postgres if it answers, else an embedded PostgreSQL started once per JVM. Each call to {@link #fresh} creates
 * a new database, dropped when the JVM exits, so test runs never see each other's data. Thread-safe.
 *
 * <p>With {@code -Dtest.pgbouncer=true} (the API suite's second run, see api/pom.xml) every pool that
 * {@link #config} configures goes through a PgBouncer in transaction mode with {@value #PGBOUNCER_POOL_SIZE} server
 * connections per database, one PgBouncer per server, started on first use, with {@code DB_PGBOUNCER=true}; setup,
 * migrations and observers still connect directly.
 */
public final class TestDatabase {
    private static final String LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres";
    /** The "small default_pool_size" of issue #9: far below the pools the tests open, so PgBouncer must share. */
    static final int PGBOUNCER_POOL_SIZE = 5;
    private static final Pattern HOST_PORT = Pattern.compile("^jdbc:postgresql://([^:/]+)(?::(\\d+))?/");
    private static final Map<String, EmbeddedPgBouncer> BOUNCERS = new HashMap<>();
    private static DatabaseUrl server;
    private static EmbeddedPostgres embedded;

    private TestDatabase() {
    }

    /** The maintenance database of the server the tests use (for CREATE DATABASE and pg_stat_activity). */
    public static synchronized DatabaseUrl server() {
        if (server != null) {
            return server;
        }
        String configured = System.getenv("TEST_DATABASE_URL");
        if (configured != null && !configured.isBlank()) {
            server = DatabaseUrl.parse(configured);
        } else if (answers(DatabaseUrl.parse(LOCAL))) {
            server = DatabaseUrl.parse(LOCAL);
        } else {
            embedded = EmbeddedPostgres.builder().start();
            server = DatabaseUrl.parse(embedded.jdbcUrl("postgres") + "?user=" + embedded.superuser());
        }
        return server;
    }

    /** A new, empty database named after {@code purpose}; dropped (with its sessions) when the JVM exits. */
    public static DatabaseUrl fresh(String purpose) {
        DatabaseUrl admin = server();
        String name = ("t_" + purpose + "_" + UUID.randomUUID().toString().substring(0, 8))
                .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        execute(admin, "CREATE DATABASE " + name);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                execute(admin, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (RuntimeException e) {
                // The server may already be gone (embedded, stopped by a test); nothing is left to clean then.
            }
        }));
        return admin.withDatabase(name);
    }

    /** {@code DATABASE_URL} for {@code url}, credentials included, as the service would read it from the environment. */
    public static String environmentUrl(DatabaseUrl url) {
        var out = new StringBuilder(url.jdbcUrl());
        char sep = '?';
        if (url.user() != null) {
            out.append(sep).append("user=").append(URLEncoder.encode(url.user(), StandardCharsets.UTF_8));
            sep = '&';
        }
        if (url.password() != null) {
            out.append(sep).append("password=").append(URLEncoder.encode(url.password(), StandardCharsets.UTF_8));
        }
        return out.toString();
    }

    /**
     * A DbConfig for {@code url} with the given variables on top of the defaults; through PgBouncer under
     * {@code -Dtest.pgbouncer=true}.
     */
    public static DbConfig config(DatabaseUrl url, Map<String, String> variables) {
        var env = new HashMap<>(variables);
        if (throughPgBouncer()) {
            env.put("DB_PGBOUNCER", "true");
            url = viaPgBouncer(url);
        }
        env.put("DATABASE_URL", environmentUrl(url));
        return DbConfig.from(env);
    }

    /** Whether pools go through PgBouncer in this run ({@code -Dtest.pgbouncer=true}). */
    public static boolean throughPgBouncer() {
        return Boolean.getBoolean("test.pgbouncer");
    }

    /** {@code url} with its host and port replaced by those of the PgBouncer in front of its server. */
    static synchronized DatabaseUrl viaPgBouncer(DatabaseUrl url) {
        Matcher m = HOST_PORT.matcher(url.jdbcUrl());
        if (!m.find()) {
            throw new IllegalStateException("-Dtest.pgbouncer=true needs a TCP database URL, not " + url.describe());
        }
        String host = m.group(1);
        int port = m.group(2) == null ? 5432 : Integer.parseInt(m.group(2));
        EmbeddedPgBouncer bouncer = BOUNCERS.computeIfAbsent(host + ":" + port, k -> {
            var builder = EmbeddedPgBouncer.builder(host, port)
                    .setting("default_pool_size", Integer.toString(PGBOUNCER_POOL_SIZE))
                    .setting("max_client_conn", "2000");
            String user = url.user() == null ? "postgres" : url.user();
            return (url.password() == null ? builder.serverLogin(user) : builder.user(user, url.password())).start();
        });
        String jdbcUrl = "jdbc:postgresql://" + bouncer.host() + ":" + bouncer.port() + "/"
                + url.jdbcUrl().substring(m.end());
        return new DatabaseUrl(jdbcUrl, url.user(), url.password(), url.database(), url.socketDirectory(),
                url.properties());
    }

    /** A plain JDBC connection outside any pool, for checks that must not disturb the pool under test. */
    public static Connection connect(DatabaseUrl url) throws SQLException {
        var props = new Properties();
        props.putAll(url.properties());
        if (url.user() != null) {
            props.setProperty("user", url.user());
        }
        if (url.password() != null) {
            props.setProperty("password", url.password());
        }
        props.setProperty("ApplicationName", "test-observer");
        return DriverManager.getConnection(url.jdbcUrl(), props);
    }

    /** Server connections of one application name, as pg_stat_activity shows them. */
    public static int serverConnections(String applicationName) {
        try (Connection c = connect(server());
             var statement = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            statement.setString(1, applicationName);
            try (var rs = statement.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_activity: " + e.getMessage(), e);
        }
    }

    public static void execute(DatabaseUrl url, String sql) {
        try (Connection c = connect(url); Statement statement = c.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("test setup failed: " + sql + ": " + e.getMessage(), e);
        }
    }

    private static boolean answers(DatabaseUrl url) {
        DriverManager.setLoginTimeout(2);
        try (Connection c = connect(url)) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }
}
