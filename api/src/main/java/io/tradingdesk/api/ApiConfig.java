package io.tradingdesk.api;

import io.tradingdesk.db.ConfigException;
import java.util.Map;

/**
 * The HTTP server's settings, read once from the environment by {@link #from(Map)} and then frozen. The compact
 * constructor validates, so an instance is always usable. Immutable and thread-safe; {@link #toString()} masks the
 * token.
 *
 * @param host         interface to bind ({@code HOST}, default {@code 0.0.0.0})
 * @param port         TCP port ({@code PORT}, default 8080; 0 = a random free port, see {@link HttpApi#port()})
 * @param apiToken     bearer token required on mutating routes ({@code API_TOKEN}); {@code null} = authentication off
 * @param maxBodyBytes largest accepted request body in bytes ({@code API_MAX_BODY_BYTES}, default 2 000 000,
 *                     1024..50 000 000); larger bodies get 413
 * @param version      reported by {@code /api/health} and {@code /openapi.json} ({@code APP_VERSION}, default "dev")
 */
public record ApiConfig(String host, int port, String apiToken, int maxBodyBytes, String version) {

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_MAX_BODY_BYTES = 2_000_000;
    public static final String DEFAULT_VERSION = "dev";
    public static final int MIN_TOKEN_LENGTH = 16;
    private static final int MIN_BODY_BYTES = 1024;
    private static final int MAX_BODY_BYTES = 50_000_000;

    public ApiConfig {
        if (host == null || host.isBlank()) {
            throw new ConfigException("HOST: empty (accepted: an interface address or host name, e.g. 0.0.0.0)");
        }
        if (port < 0 || port > 65_535) {
            throw new ConfigException("PORT: " + port + " is out of range (accepted: 0..65535; 0 = a random free port)");
        }
        if (apiToken != null && apiToken.length() < MIN_TOKEN_LENGTH) {
            // The length only: the token itself must never reach a log or a terminal.
            throw new ConfigException("API_TOKEN: too short (" + apiToken.length() + " characters; at least "
                    + MIN_TOKEN_LENGTH + " required)");
        }
        if (maxBodyBytes < MIN_BODY_BYTES || maxBodyBytes > MAX_BODY_BYTES) {
            throw new ConfigException("API_MAX_BODY_BYTES: " + maxBodyBytes + " is out of range (accepted: "
                    + MIN_BODY_BYTES + ".." + MAX_BODY_BYTES + ")");
        }
        if (version == null || version.isBlank()) {
            throw new ConfigException("APP_VERSION: empty (accepted: any non-blank text, default dev)");
        }
    }

    /**
     * Reads {@code HOST}, {@code PORT}, {@code API_TOKEN}, {@code API_MAX_BODY_BYTES} and {@code APP_VERSION}; unset
     * (or blank) variables take the defaults, a blank {@code API_TOKEN} turns authentication off.
     *
     * @throws ConfigException naming the first bad variable, the problem and the accepted range
     */
    public static ApiConfig from(Map<String, String> env) {
        String token = env.get("API_TOKEN");
        return new ApiConfig(
                text(env, "HOST", DEFAULT_HOST),
                integer(env, "PORT", DEFAULT_PORT, "0..65535; 0 = a random free port"),
                token == null || token.isBlank() ? null : token,
                integer(env, "API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, MIN_BODY_BYTES + ".." + MAX_BODY_BYTES),
                text(env, "APP_VERSION", DEFAULT_VERSION));
    }

    @Override
    public String toString() {
        return "ApiConfig[host=" + host + ", port=" + port + ", apiToken=" + (apiToken == null ? "off" : "****")
                + ", maxBodyBytes=" + maxBodyBytes + ", version=" + version + "]";
    }

    private static String text(Map<String, String> env, String name, String fallback) {
        String raw = env.get(name);
        return raw == null || raw.isBlank() ? fallback : raw.strip();
    }

    private static int integer(Map<String, String> env, String name, int fallback, String accepted) {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(raw.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(name + ": '" + raw + "' is not a whole number (accepted: " + accepted + ")");
        }
    }
}
