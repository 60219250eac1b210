package io.tradingdesk.app;

import io.tradingdesk.db.ConfigException;
import io.tradingdesk.db.DatabaseUrl;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The app module's own settings, read once from the environment by {@link #from(Map)} and then frozen. The HTTP
 * listener ({@code HOST}, {@code PORT}, ...) belongs to {@code ApiConfig} and the pool ({@code DATABASE_URL},
 * {@code DB_*}) to {@code DbConfig}. The compact constructor validates and names the variable at fault;
 * {@link #toString()} masks {@code FLYWAY_PASSWORD}. Immutable and thread-safe.
 *
 * @param migrateOnStart   {@code DB_MIGRATE_ON_START} (default {@code true}): apply the schema before the pool opens
 * @param dataDirectory    {@code DATA_DIR} (default {@code ./.data}), absolute; the embedded PostgreSQL keeps its
 *                         cluster in {@code DATA_DIR/postgres}
 * @param shutdownDrain    {@code SHUTDOWN_DRAIN} (default 0 s, decimal seconds): after SIGTERM, how long the server
 *                         keeps serving while {@code /health/ready} answers 503, so that a load balancer takes it
 *                         out of rotation first; behind one, at least its health check's fall x inter
 * @param shutdownGrace    {@code SHUTDOWN_GRACE} (default 10 s, decimal seconds): how long in-flight requests may
 *                         take to finish once the server stops accepting
 * @param logLevel         {@code LOG_LEVEL} (default {@code INFO}), upper case: TRACE, DEBUG, INFO, WARN, ERROR or OFF
 * @param embeddedDatabase {@code true} when {@code DATABASE_URL} is unset: the server starts its own PostgreSQL
 * @param flywayUrl        {@code FLYWAY_URL}, or {@code null}: migrate this database instead of {@code DATABASE_URL}'s
 * @param flywayUser       {@code FLYWAY_USER}, or {@code null}: the schema owner migrations log in as
 * @param flywayPassword   {@code FLYWAY_PASSWORD}, or {@code null}; never printed
 */
record AppConfig(
        boolean migrateOnStart,
        Path dataDirectory,
        Duration shutdownDrain,
        Duration shutdownGrace,
        String logLevel,
        boolean embeddedDatabase,
        DatabaseUrl flywayUrl,
        String flywayUser,
        String flywayPassword) {

    public static final boolean DEFAULT_MIGRATE_ON_START = true;
    public static final String DEFAULT_DATA_DIR = ".data";
    /** No drain: a lone instance has no balancer to wait for (deploy/haproxy/haproxy.cfg's checks need 3 s). */
    public static final Duration DEFAULT_SHUTDOWN_DRAIN = Duration.ZERO;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    public static final String DEFAULT_LOG_LEVEL = "INFO";

    /** The most either shutdown period may be: SHUTDOWN_DRAIN and SHUTDOWN_GRACE accept 0..600 seconds. */
    private static final Duration MAX_SHUTDOWN_PERIOD = Duration.ofMinutes(10);
    private static final List<String> LOG_LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    AppConfig {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        if (!dataDirectory.isAbsolute()) {
            throw new ConfigException("DATA_DIR: '" + dataDirectory + "' must be an absolute path");
        }
        if (shutdownDrain == null || shutdownDrain.isNegative() || shutdownDrain.compareTo(MAX_SHUTDOWN_PERIOD) > 0) {
            throw new ConfigException("SHUTDOWN_DRAIN: " + shutdownDrain + " is out of range (accepted: 0..600 seconds)");
        }
        if (shutdownGrace == null || shutdownGrace.isNegative() || shutdownGrace.compareTo(MAX_SHUTDOWN_PERIOD) > 0) {
            throw new ConfigException("SHUTDOWN_GRACE: " + shutdownGrace + " is out of range (accepted: 0..600 seconds)");
        }
        if (logLevel == null || !LOG_LEVELS.contains(logLevel)) {
            throw new ConfigException("LOG_LEVEL: '" + logLevel + "' is not a level (accepted: "
                    + String.join(", ", LOG_LEVELS) + ")");
        }
        if (embeddedDatabase) {
            // Migrating another server than the one the pool uses would leave the embedded database empty.
            String stray = flywayUrl != null ? "FLYWAY_URL" : flywayUser != null ? "FLYWAY_USER"
                    : flywayPassword != null ? "FLYWAY_PASSWORD" : null;
            if (stray != null) {
                throw new ConfigException(stray + ": set while DATABASE_URL is not; the embedded PostgreSQL is"
                        + " migrated as its own superuser (set DATABASE_URL too, or unset " + stray + ")");
            }
        }
        if (flywayUser != null && flywayUser.isBlank()) {
            throw new ConfigException("FLYWAY_USER: must not be blank");
        }
    }

    /**
     * Reads the variables above; unset or blank ones take the defaults.
     *
     * @throws ConfigException naming the first bad variable
     */
    static AppConfig from(Map<String, String> env) {
        return new AppConfig(
                bool(env, "DB_MIGRATE_ON_START", DEFAULT_MIGRATE_ON_START),
                directory(env, "DATA_DIR", DEFAULT_DATA_DIR),
                seconds(env, "SHUTDOWN_DRAIN", DEFAULT_SHUTDOWN_DRAIN),
                seconds(env, "SHUTDOWN_GRACE", DEFAULT_SHUTDOWN_GRACE),
                value(env, "LOG_LEVEL") == null ? DEFAULT_LOG_LEVEL : value(env, "LOG_LEVEL").toUpperCase(Locale.ROOT),
                value(env, "DATABASE_URL") == null,
                flywayUrl(value(env, "FLYWAY_URL")),
                value(env, "FLYWAY_USER"),
                env.get("FLYWAY_PASSWORD") == null || env.get("FLYWAY_PASSWORD").isEmpty() ? null
                        : env.get("FLYWAY_PASSWORD"));
    }

    /**
     * Where and as whom migrations run: {@code FLYWAY_URL} (else the pool's target), logging in as
     * {@code FLYWAY_USER} with {@code FLYWAY_PASSWORD} when given, else with the credentials of that URL.
     */
    DatabaseUrl migrationTarget(DatabaseUrl poolUrl) {
        DatabaseUrl base = flywayUrl != null ? flywayUrl : poolUrl;
        String user = flywayUser != null ? flywayUser : base.user();
        // Another role than the URL's: never send the URL's password on its behalf.
        String password = flywayPassword != null ? flywayPassword
                : Objects.equals(user, base.user()) ? base.password() : null;
        return new DatabaseUrl(base.jdbcUrl(), user, password, base.database(), base.socketDirectory(),
                base.properties());
    }

    @Override
    public String toString() {
        return "AppConfig[migrateOnStart=" + migrateOnStart
                + ", dataDirectory=" + (embeddedDatabase ? dataDirectory : "(unused: DATABASE_URL is set)")
                + ", shutdownDrain=" + shutdownDrain
                + ", shutdownGrace=" + shutdownGrace
                + ", logLevel=" + logLevel
                + ", database=" + (embeddedDatabase ? "embedded" : "DATABASE_URL")
                + (flywayUrl == null ? "" : ", flywayUrl=" + flywayUrl.describe())
                + (flywayUser == null ? "" : ", flywayUser=" + flywayUser)
                + (flywayPassword == null ? "" : ", flywayPassword=***")
                + "]";
    }

    private static String value(Map<String, String> env, String name) {
        String raw = env.get(name);
        return raw == null || raw.isBlank() ? null : raw.strip();
    }

    private static boolean bool(Map<String, String> env, String name, boolean fallback) {
        String raw = value(env, name);
        if (raw == null) {
            return fallback;
        }
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new ConfigException(name + ": '" + raw + "' is not a boolean (accepted: true, false)");
        };
    }

    private static Path directory(Map<String, String> env, String name, String fallback) {
        String raw = value(env, name);
        Path dir;
        try {
            dir = Path.of(raw == null ? fallback : raw).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new ConfigException(name + ": '" + raw + "' is not a valid path (" + e.getReason() + ")");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new ConfigException(name + ": '" + dir + "' exists and is not a directory");
        }
        return dir;
    }

    private static Duration seconds(Map<String, String> env, String name, Duration fallback) {
        String raw = value(env, name);
        if (raw == null) {
            return fallback;
        }
        BigDecimal value;
        try {
            value = new BigDecimal(raw);
        } catch (NumberFormatException e) {
            throw new ConfigException(name + ": '" + raw + "' is not a number of seconds (accepted: 0..600)");
        }
        if (value.signum() < 0 || value.compareTo(BigDecimal.valueOf(MAX_SHUTDOWN_PERIOD.toSeconds())) > 0) {
            throw new ConfigException(name + ": '" + raw + "' is out of range (accepted: 0..600 seconds)");
        }
        return Duration.ofNanos(value.movePointRight(9).longValue());
    }

    private static DatabaseUrl flywayUrl(String raw) {
        if (raw == null) {
            return null;
        }
        try {
            return DatabaseUrl.parse(raw);
        } catch (ConfigException e) {
            // The parser names DATABASE_URL; this value came from FLYWAY_URL (its message masks the password).
            throw new ConfigException(e.getMessage().replaceFirst("^DATABASE_URL", "FLYWAY_URL"));
        }
    }
}
