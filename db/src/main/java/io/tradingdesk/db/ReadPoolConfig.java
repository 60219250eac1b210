package io.tradingdesk.db;

import java.time.Duration;
import java.util.Map;

/**
 * Where plain reads may go: the streaming replicas of {@code DATABASE_READ_URL} and the sizes of their pools. Part
 * of {@link DbConfig} ({@code null} there when {@code DATABASE_READ_URL} is unset: every read then goes to the
 * primary, as before). Every host of the URL gets a pool of its own, so that a read goes to a replica known to be
 * fresh enough for it; every setting not named here (timeouts, lifetimes, retirement) is the primary pool's.
 * Immutable and thread-safe; {@link #toString()} masks the password.
 *
 * @param url         {@code DATABASE_READ_URL}: one host or several ({@code host1:5433,host2:5434}); without a user of
 *                    its own it logs in with {@code DATABASE_URL}'s user and password
 * @param minPoolSize {@code DB_READ_MIN_POOL_SIZE} (default {@value DbConfig#DEFAULT_MIN_POOL_SIZE}): idle
 *                    connections kept open, per replica
 * @param maxPoolSize {@code DB_READ_MAX_POOL_SIZE} (default {@value DbConfig#DEFAULT_MAX_POOL_SIZE}): connections,
 *                    per replica
 * @param maxWaiting  {@code DB_READ_MAX_WAITING} (default 4 x {@code DB_READ_MAX_POOL_SIZE}): callers that may wait
 *                    for a connection of one replica; past it a caller is refused at once
 * @param maxLag      {@code DB_READ_MAX_LAG} (default 5 s): how far behind the primary a replica may be and still
 *                    serve reads that carry no consistency token
 */
public record ReadPoolConfig(DatabaseUrl url, int minPoolSize, int maxPoolSize, int maxWaiting, Duration maxLag) {
    public static final Duration DEFAULT_MAX_LAG = Duration.ofSeconds(5);
    private static final Duration MIN_MAX_LAG = Duration.ofMillis(100);

    public ReadPoolConfig {
        if (url == null) {
            throw new ConfigException("DATABASE_READ_URL: not set");
        }
        DbConfig.requireRange("DB_READ_MAX_POOL_SIZE", maxPoolSize, 1, 10_000);
        DbConfig.requireRange("DB_READ_MIN_POOL_SIZE", minPoolSize, 0, 10_000);
        if (minPoolSize > maxPoolSize) {
            throw new ConfigException("DB_READ_MIN_POOL_SIZE: " + minPoolSize + " is greater than DB_READ_MAX_POOL_SIZE "
                    + maxPoolSize + " (accepted: 0..DB_READ_MAX_POOL_SIZE)");
        }
        DbConfig.requireRange("DB_READ_MAX_WAITING", maxWaiting, 0, 1_000_000);
        DbConfig.requireRange("DB_READ_MAX_LAG", maxLag, MIN_MAX_LAG, Duration.ofDays(1), false);
    }

    /**
     * Reads {@code DATABASE_READ_URL} and the {@code DB_READ_*} variables; {@code null} when the URL is unset (or
     * blank), whatever the others say.
     *
     * @param primary {@code DATABASE_URL}, whose credentials a read URL without a user borrows
     * @throws ConfigException naming the first bad variable
     */
    static ReadPoolConfig from(Map<String, String> env, DatabaseUrl primary) {
        String raw = env.get("DATABASE_READ_URL");
        if (raw == null || raw.isBlank()) {
            return null;
        }
        DatabaseUrl url = DatabaseUrl.parse(raw, "DATABASE_READ_URL");
        if (url.user() == null) {
            url = url.withCredentials(primary.user(), primary.password());
        }
        int max = DbConfig.integer(env, "DB_READ_MAX_POOL_SIZE", DbConfig.DEFAULT_MAX_POOL_SIZE, "1..10000");
        return new ReadPoolConfig(url,
                DbConfig.integer(env, "DB_READ_MIN_POOL_SIZE", Math.min(DbConfig.DEFAULT_MIN_POOL_SIZE, max),
                        "0..DB_READ_MAX_POOL_SIZE"),
                max,
                DbConfig.integer(env, "DB_READ_MAX_WAITING", DbConfig.WAITING_PER_CONNECTION * max, "0..1000000"),
                DbConfig.seconds(env, "DB_READ_MAX_LAG", DEFAULT_MAX_LAG, "0.1..86400"));
    }

    @Override
    public String toString() {
        return "ReadPoolConfig[url=" + url.describe() + (url.password() == null ? "" : " (password ***)")
                + ", pool=" + minPoolSize + ".." + maxPoolSize + " per replica, maxWaiting=" + maxWaiting
                + ", maxLag=" + maxLag + "]";
    }
}
