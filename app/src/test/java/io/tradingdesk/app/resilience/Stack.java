package io.tradingdesk.app.resilience;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tradingdesk.api.ApiConfig;
import io.tradingdesk.api.HttpApi;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.DbConfig;
import io.tradingdesk.embedded.EmbeddedPostgres;
import io.tradingdesk.testkit.Client;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * The service as {@code Main} wires it, in-process: a {@link Database} on a throwaway cluster and the
 * {@link HttpApi} on a random port of 127.0.0.1, configured from environment-style variables. Closing stops the
 * HTTP server, then the pool.
 */
final class Stack implements AutoCloseable {
    static final String TOKEN = "resilience-token-0123456789abcdef";

    final EmbeddedPostgres pg;
    final String database;
    final String password;
    final String applicationName;
    final DbConfig dbConfig;
    final ApiConfig apiConfig;
    final Database db;
    final PrometheusMeterRegistry registry;
    final HttpApi api;

    private Stack(EmbeddedPostgres pg, String database, String password, Map<String, String> env) {
        this.pg = pg;
        this.database = database;
        this.password = password;
        this.dbConfig = DbConfig.from(env);
        this.apiConfig = ApiConfig.from(env);
        this.applicationName = dbConfig.applicationName();
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.db = Database.start(dbConfig, registry);
        HttpApi started;
        try {
            started = HttpApi.create(apiConfig, db, registry, () -> true).start();
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        this.api = started;
    }

    /**
     * Starts the service against {@code database} on {@code pg} as the superuser; {@code overrides} go on top of
     * the defaults here (random port, a valid token, a unique application name so pg_stat_activity can tell this
     * pool's sessions apart).
     */
    static Stack start(EmbeddedPostgres pg, String database, String password, Map<String, String> overrides) {
        return new Stack(pg, database, password, environment(pg, database, pg.superuser(), password, overrides));
    }

    /** The service configured by {@code env} alone (another role, say); the observer still logs in as superuser. */
    static Stack startWith(EmbeddedPostgres pg, String database, String superuserPassword, Map<String, String> env) {
        return new Stack(pg, database, superuserPassword, env);
    }

    static Map<String, String> environment(EmbeddedPostgres pg, String database, String user, String password,
                                           Map<String, String> overrides) {
        var env = new HashMap<String, String>();
        env.put("DATABASE_URL", "postgresql://" + URLEncoder.encode(user, StandardCharsets.UTF_8)
                + (password == null ? "" : ":" + URLEncoder.encode(password, StandardCharsets.UTF_8))
                + "@127.0.0.1:" + pg.port() + "/" + database);
        env.put("HOST", "127.0.0.1");
        env.put("PORT", "0");
        env.put("API_TOKEN", TOKEN);
        env.put("APP_VERSION", "resilience-test");
        env.put("DB_APPLICATION_NAME", "res-" + UUID.randomUUID().toString().substring(0, 8));
        env.put("DB_START_TIMEOUT", "10");
        env.put("DB_SHUTDOWN_GRACE", "2");
        env.putAll(overrides);
        return env;
    }

    int port() {
        return api.port();
    }

    Client client(Duration timeout) {
        return new Client(api.port(), TOKEN, timeout);
    }

    /** A superuser connection outside the pool under test (application name "resilience-observer"). */
    Connection observer() throws SQLException {
        return observer(pg, database, password);
    }

    static Connection observer(EmbeddedPostgres pg, String database, String password) throws SQLException {
        var props = new Properties();
        props.setProperty("user", pg.superuser());
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("ApplicationName", "resilience-observer");
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", "30");
        return DriverManager.getConnection(pg.jdbcUrl(database), props);
    }

    @Override
    public void close() {
        try {
            api.stop(Duration.ofSeconds(2));
        } finally {
            db.close();
            registry.close();
        }
    }
}
