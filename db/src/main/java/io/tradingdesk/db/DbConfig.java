package io.tradingdesk.db;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Everything the db module needs to know, read once from the environment by {@link #from(Map)} and then frozen.
 * Names and defaults follow the reference report ({@code DB_MIN_POOL_SIZE=10}, {@code DB_MAX_POOL_SIZE=50},
 * {@code DB_COMMAND_TIMEOUT=60.0}, {@code DB_MAX_QUERIES=50000}, {@code DB_MAX_INACTIVE_CONNECTION_LIFETIME=300.0});
 * durations are given in (decimal) seconds. The compact constructor validates, so an instance is always usable.
 * {@link #toString()} masks the password. Immutable and thread-safe.
 *
 * <p>The PgBouncer switch ({@code DB_PGBOUNCER=true}) is the one place that makes the pool safe behind a
 * transaction-mode pooler: no named server-side prepared statements. Nothing here ever sets session state.
 *
 * <p>{@link #readPool()} is {@code null} unless {@code DATABASE_READ_URL} is set: then plain reads may go to the
 * streaming replicas it names ({@link ReadPoolConfig}).
 */
public record DbConfig(
        DatabaseUrl url,
        PoolMode poolMode,
        int minPoolSize,
        int maxPoolSize,
        Duration commandTimeout,
        long maxQueries,
        Duration maxInactiveConnectionLifetime,
        Duration acquireTimeout,
        int maxWaiting,
        Duration maxLifetime,
        Duration leakDetectionThreshold,
        Duration connectTimeout,
        Duration startTimeout,
        Duration shutdownGrace,
        Duration healthTimeout,
        Duration slowQueryThreshold,
        int transactionRetries,
        boolean pgbouncer,
        String applicationName,
        ReadPoolConfig readPool) {

    // Defaults: the report's where it has one, production-minded otherwise.
    public static final int DEFAULT_MIN_POOL_SIZE = 10;
    public static final int DEFAULT_MAX_POOL_SIZE = 50;
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(60);
    public static final long DEFAULT_MAX_QUERIES = 50_000;
    public static final Duration DEFAULT_MAX_INACTIVE_CONNECTION_LIFETIME = Duration.ofSeconds(300);
    public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(5);
    /** The report's overload factor: up to 4x the pool may queue before callers are refused at once. */
    public static final int WAITING_PER_CONNECTION = 4;
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofMinutes(30);
    public static final Duration DEFAULT_LEAK_DETECTION_THRESHOLD = Duration.ofSeconds(120);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_SLOW_QUERY_THRESHOLD = Duration.ofMillis(500);
    public static final int DEFAULT_TRANSACTION_RETRIES = 3;
    public static final String DEFAULT_APPLICATION_NAME = "trading-desk";

    // HikariCP's own floors; below them it silently substitutes its defaults, so we refuse instead.
    private static final Duration MIN_ACQUIRE_TIMEOUT = Duration.ofMillis(250);
    private static final Duration MIN_IDLE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration MIN_MAX_LIFETIME = Duration.ofSeconds(30);
    private static final Duration MIN_LEAK_DETECTION = Duration.ofSeconds(2);
    private static final Duration ONE_DAY = Duration.ofDays(1);

    public DbConfig {
        if (url == null) {
            throw new ConfigException("DATABASE_URL: not set");
        }
        if (poolMode == null) {
            throw new ConfigException("DB_POOL_MODE: not set (accepted: pooled, direct)");
        }
        requireRange("DB_MAX_POOL_SIZE", maxPoolSize, 1, 10_000);
        requireRange("DB_MIN_POOL_SIZE", minPoolSize, 0, 10_000);
        if (minPoolSize > maxPoolSize) {
            throw new ConfigException("DB_MIN_POOL_SIZE: " + minPoolSize + " is greater than DB_MAX_POOL_SIZE "
                    + maxPoolSize + " (accepted: 0..DB_MAX_POOL_SIZE)");
        }
        requireRange("DB_COMMAND_TIMEOUT", commandTimeout, Duration.ofMillis(1), ONE_DAY, false);
        if (maxQueries < 0) {
            throw new ConfigException("DB_MAX_QUERIES: " + maxQueries + " is negative (accepted: 0 = never retire, or 1.."
                    + Long.MAX_VALUE + ")");
        }
        requireZeroOrRange("DB_MAX_INACTIVE_CONNECTION_LIFETIME", maxInactiveConnectionLifetime, MIN_IDLE_TIMEOUT, ONE_DAY);
        requireRange("DB_ACQUIRE_TIMEOUT", acquireTimeout, MIN_ACQUIRE_TIMEOUT, Duration.ofMinutes(10), false);
        requireRange("DB_MAX_WAITING", maxWaiting, 0, 1_000_000);
        requireZeroOrRange("DB_MAX_LIFETIME", maxLifetime, MIN_MAX_LIFETIME, Duration.ofDays(7));
        requireZeroOrRange("DB_LEAK_DETECTION_THRESHOLD", leakDetectionThreshold, MIN_LEAK_DETECTION, ONE_DAY);
        requireRange("DB_CONNECT_TIMEOUT", connectTimeout, Duration.ofSeconds(1), Duration.ofMinutes(10), false);
        requireRange("DB_START_TIMEOUT", startTimeout, Duration.ZERO, Duration.ofHours(1), true);
        requireRange("DB_SHUTDOWN_GRACE", shutdownGrace, Duration.ZERO, Duration.ofMinutes(10), true);
        requireRange("DB_HEALTH_TIMEOUT", healthTimeout, MIN_ACQUIRE_TIMEOUT, Duration.ofMinutes(1), false);
        requireRange("DB_SLOW_QUERY_THRESHOLD", slowQueryThreshold, Duration.ZERO, ONE_DAY, true);
        requireRange("DB_TX_RETRIES", transactionRetries, 0, 100);
        if (applicationName == null || applicationName.isBlank() || applicationName.length() > 63) {
            throw new ConfigException("DB_APPLICATION_NAME: '" + applicationName
                    + "' must be 1..63 characters (PostgreSQL truncates longer names)");
        }
        if (readPool != null && poolMode != PoolMode.POOLED) {
            throw new ConfigException("DATABASE_READ_URL: read routing needs DB_POOL_MODE=pooled (direct mode is the"
                    + " benchmark's unpooled baseline)");
        }
    }

    /**
     * Reads the configuration from environment-style variables. Unset variables take the defaults above; an
     * {@code application_name} in {@code DATABASE_URL} wins over {@code DB_APPLICATION_NAME}.
     *
     * @throws ConfigException naming the first bad variable
     */
    public static DbConfig from(Map<String, String> env) {
        var url = DatabaseUrl.parse(env.get("DATABASE_URL"));
        int max = integer(env, "DB_MAX_POOL_SIZE", DEFAULT_MAX_POOL_SIZE, "1..10000");
        int min = integer(env, "DB_MIN_POOL_SIZE", Math.min(DEFAULT_MIN_POOL_SIZE, max), "0..DB_MAX_POOL_SIZE");
        String appName = url.properties().getOrDefault("ApplicationName",
                env.getOrDefault("DB_APPLICATION_NAME", DEFAULT_APPLICATION_NAME));
        return new DbConfig(
                url.withApplicationName(appName),
                poolMode(env.get("DB_POOL_MODE")),
                min,
                max,
                seconds(env, "DB_COMMAND_TIMEOUT", DEFAULT_COMMAND_TIMEOUT, "0.001..86400"),
                longValue(env, "DB_MAX_QUERIES", DEFAULT_MAX_QUERIES, "0 (never) or 1.." + Long.MAX_VALUE),
                seconds(env, "DB_MAX_INACTIVE_CONNECTION_LIFETIME", DEFAULT_MAX_INACTIVE_CONNECTION_LIFETIME,
                        "0 (never) or 10..86400"),
                seconds(env, "DB_ACQUIRE_TIMEOUT", DEFAULT_ACQUIRE_TIMEOUT, "0.25..600"),
                integer(env, "DB_MAX_WAITING", WAITING_PER_CONNECTION * max, "0..1000000"),
                seconds(env, "DB_MAX_LIFETIME", DEFAULT_MAX_LIFETIME, "0 (never) or 30..604800"),
                seconds(env, "DB_LEAK_DETECTION_THRESHOLD", DEFAULT_LEAK_DETECTION_THRESHOLD, "0 (off) or 2..86400"),
                seconds(env, "DB_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT, "1..600"),
                seconds(env, "DB_START_TIMEOUT", DEFAULT_START_TIMEOUT, "0..3600"),
                seconds(env, "DB_SHUTDOWN_GRACE", DEFAULT_SHUTDOWN_GRACE, "0..600"),
                seconds(env, "DB_HEALTH_TIMEOUT", DEFAULT_HEALTH_TIMEOUT, "0.25..60"),
                seconds(env, "DB_SLOW_QUERY_THRESHOLD", DEFAULT_SLOW_QUERY_THRESHOLD, "0 (off) or up to 86400"),
                integer(env, "DB_TX_RETRIES", DEFAULT_TRANSACTION_RETRIES, "0..100"),
                bool(env, "DB_PGBOUNCER", false),
                appName,
                ReadPoolConfig.from(env, url));
    }

    /** A copy with another pool size, for tests and tools; everything else unchanged and revalidated. */
    public DbConfig withPoolSize(int min, int max) {
        return new DbConfig(url, poolMode, min, max, commandTimeout, maxQueries, maxInactiveConnectionLifetime,
                acquireTimeout, Math.max(maxWaiting, 0), maxLifetime, leakDetectionThreshold, connectTimeout,
                startTimeout, shutdownGrace, healthTimeout, slowQueryThreshold, transactionRetries, pgbouncer,
                applicationName, readPool);
    }

    /**
     * The configuration of the read pool of one host of {@code DATABASE_READ_URL}: that host alone, the read
     * sizes and waiting bound, every other setting as the primary pool has it, and {@code poolName} as its
     * application name (so the replica's pg_stat_activity and the meters' {@code pool} tag tell it apart).
     *
     * @throws IllegalStateException when no read pool is configured
     */
    public DbConfig readPoolFor(String host, String poolName) {
        if (readPool == null) {
            throw new IllegalStateException("DATABASE_READ_URL is not set");
        }
        return new DbConfig(readPool.url().withHost(host).withApplicationName(poolName), PoolMode.POOLED,
                readPool.minPoolSize(), readPool.maxPoolSize(), commandTimeout, maxQueries,
                maxInactiveConnectionLifetime, acquireTimeout, readPool.maxWaiting(), maxLifetime,
                leakDetectionThreshold, connectTimeout, startTimeout, shutdownGrace, healthTimeout, slowQueryThreshold,
                transactionRetries, pgbouncer, poolName, null);
    }

    @Override
    public String toString() {
        return "DbConfig[url=" + url.describe() + (url.password() == null ? "" : " (password ***)")
                + ", mode=" + poolMode.name().toLowerCase(Locale.ROOT)
                + ", pool=" + minPoolSize + ".." + maxPoolSize
                + ", commandTimeout=" + commandTimeout
                + ", maxQueries=" + maxQueries
                + ", maxInactiveConnectionLifetime=" + maxInactiveConnectionLifetime
                + ", acquireTimeout=" + acquireTimeout
                + ", maxWaiting=" + maxWaiting
                + ", maxLifetime=" + maxLifetime
                + ", leakDetectionThreshold=" + leakDetectionThreshold
                + ", connectTimeout=" + connectTimeout
                + ", pgbouncer=" + pgbouncer
                + ", applicationName=" + applicationName
                + (readPool == null ? "" : ", readPool=" + readPool) + "]";
    }

    private static PoolMode poolMode(String raw) {
        if (raw == null || raw.isBlank()) {
            return PoolMode.POOLED;
        }
        return switch (raw.strip().toLowerCase(Locale.ROOT)) {
            case "pooled" -> PoolMode.POOLED;
            case "direct" -> PoolMode.DIRECT;
            default -> throw new ConfigException("DB_POOL_MODE: '" + raw + "' is not a pool mode (accepted: pooled, direct)");
        };
    }

    static int integer(Map<String, String> env, String name, int fallback, String range) {
        long value = longValue(env, name, fallback, range);
        if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
            throw new ConfigException(name + ": '" + env.get(name) + "' is out of range (accepted: " + range + ")");
        }
        return (int) value;
    }

    private static long longValue(Map<String, String> env, String name, long fallback, String range) {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(raw.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(name + ": '" + raw + "' is not a whole number (accepted: " + range + ")");
        }
    }

    static Duration seconds(Map<String, String> env, String name, Duration fallback, String range) {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            var value = new BigDecimal(raw.strip());
            if (value.signum() < 0) {
                throw new ConfigException(name + ": '" + raw + "' is negative (accepted: " + range + " seconds)");
            }
            if (value.compareTo(BigDecimal.valueOf(10_000_000)) > 0) {
                throw new ConfigException(name + ": '" + raw + "' is too large (accepted: " + range + " seconds)");
            }
            return Duration.ofNanos(value.movePointRight(9).longValue());
        } catch (NumberFormatException e) {
            throw new ConfigException(name + ": '" + raw + "' is not a number of seconds (accepted: " + range + ")");
        }
    }

    private static boolean bool(Map<String, String> env, String name, boolean fallback) {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        return switch (raw.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new ConfigException(name + ": '" + raw + "' is not a boolean (accepted: true, false)");
        };
    }

    static void requireRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigException(name + ": " + value + " is out of range (accepted: " + min + ".." + max + ")");
        }
    }

    static void requireRange(String name, Duration value, Duration min, Duration max, boolean zeroAllowed) {
        if (value == null) {
            throw new ConfigException(name + ": not set");
        }
        if ((value.isZero() && zeroAllowed)) {
            return;
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new ConfigException(name + ": " + seconds(value) + " s is out of range (accepted: "
                    + seconds(min) + ".." + seconds(max) + " seconds)");
        }
    }

    private static void requireZeroOrRange(String name, Duration value, Duration min, Duration max) {
        if (value == null) {
            throw new ConfigException(name + ": not set");
        }
        if (!value.isZero() && (value.compareTo(min) < 0 || value.compareTo(max) > 0)) {
            throw new ConfigException(name + ": " + seconds(value) + " s is out of range (accepted: 0 or "
                    + seconds(min) + ".." + seconds(max) + " seconds)");
        }
    }

    private static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toNanos()).movePointLeft(9).stripTrailingZeros().toPlainString();
    }
}
