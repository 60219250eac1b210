package io.tradingdesk.app;

import io.tradingdesk.api.ApiConfig;
import io.tradingdesk.db.ConfigException;
import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.db.DbConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * All of the server's configuration, read from the environment in one go so that any bad variable stops start-up
 * before anything is started. Each part masks its own secrets in {@code toString()}. Immutable and thread-safe.
 *
 * <p>With no {@code DATABASE_URL} the pool settings are validated against {@link #PLACEHOLDER} and
 * pointed at the embedded server by {@link #withDatabaseUrl(DatabaseUrl)} once it runs.
 */
record Configuration(AppConfig app, ApiConfig api, DbConfig db) {
    /** Stands in for DATABASE_URL while the settings are validated, before the embedded server has a port. */
    static final String PLACEHOLDER = "postgresql://postgres@127.0.0.1:5432/trading_desk";

    /**
     * @throws io.tradingdesk.db.ConfigException (or another {@link IllegalArgumentException}) naming the first bad
     *                                           variable
     */
    static Configuration from(Map<String, String> env) {
        AppConfig app = AppConfig.from(env);
        ApiConfig api = ApiConfig.from(env);
        Map<String, String> dbEnv = env;
        if (app.embeddedDatabase()) {
            String readUrl = env.get("DATABASE_READ_URL");
            if (readUrl != null && !readUrl.isBlank()) {
                // Replicas of a server this process has not started yet cannot exist.
                throw new ConfigException("DATABASE_READ_URL: set while DATABASE_URL is not; replicas need a primary"
                        + " of their own (set DATABASE_URL too, or unset DATABASE_READ_URL)");
            }
            dbEnv = new HashMap<>(env);
            dbEnv.put("DATABASE_URL", PLACEHOLDER);
        }
        return new Configuration(app, api, DbConfig.from(dbEnv));
    }

    /** The same settings with the pool pointed at {@code url} (keeping this configuration's application name). */
    Configuration withDatabaseUrl(DatabaseUrl url) {
        var d = db;
        return new Configuration(app, api, new DbConfig(url.withApplicationName(d.applicationName()), d.poolMode(),
                d.minPoolSize(), d.maxPoolSize(), d.commandTimeout(), d.maxQueries(),
                d.maxInactiveConnectionLifetime(), d.acquireTimeout(), d.maxWaiting(), d.maxLifetime(),
                d.leakDetectionThreshold(), d.connectTimeout(), d.startTimeout(), d.shutdownGrace(),
                d.healthTimeout(), d.slowQueryThreshold(), d.transactionRetries(), d.pgbouncer(),
                d.applicationName(), d.readPool()));
    }

    @Override
    public String toString() {
        return app + ", " + api + ", " + db;
    }
}
