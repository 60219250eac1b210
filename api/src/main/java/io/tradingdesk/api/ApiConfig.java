package io.tradingdesk.api;

import io.tradingdesk.db.ConfigException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP server's settings, read once from the environment by {@link #from(Map)} and then frozen. The compact
 * constructor validates, so an instance is always usable. Immutable and thread-safe; {@link #toString()} masks the
 * tokens.
 *
 * <p>Who may call what: with {@code API_TOKEN} every route needs it ({@link Auth#ALL}) except the probes
 * ({@code /health/*}), {@code /metrics} (which {@code METRICS_TOKEN} protects on its own) and the documentation
 * ({@code /docs}, {@code /openapi.json}). Without a token nothing is checked, so the server listens on 127.0.0.1 by
 * default and {@link #from(Map)} refuses a non-loopback {@code HOST} unless {@code API_AUTH=off} says that is meant.
 *
 * @param host         interface to bind ({@code HOST}; default {@code 0.0.0.0} with {@code API_TOKEN}, else
 *                     {@code 127.0.0.1})
 * @param port         TCP port ({@code PORT}, default 8080; 0 = a random free port, see {@link HttpApi#port()})
 * @param apiToken     bearer token of the desk's routes ({@code API_TOKEN}, at least 16 characters); {@code null}
 *                     exactly when {@code auth} is {@link Auth#OFF}
 * @param auth         which routes need {@code apiToken} ({@code API_AUTH}; default {@link Auth#ALL} with a token,
 *                     else {@link Auth#OFF})
 * @param metricsToken bearer token of {@code /metrics} ({@code METRICS_TOKEN}, at least 16 characters);
 *                     {@code null} = {@code /metrics} is open
 * @param maxBodyBytes largest accepted request body in bytes ({@code API_MAX_BODY_BYTES}, default 2 000 000,
 *                     1024..50 000 000); larger bodies get 413
 * @param version      reported by {@code /api/health} and {@code /openapi.json} ({@code APP_VERSION}, default "dev")
 */
public record ApiConfig(String host, int port, String apiToken, Auth auth, String metricsToken, int maxBodyBytes,
                        String version) {

    /** {@code API_AUTH}: which routes need {@code API_TOKEN}. */
    public enum Auth {
        /** Every route but the probes, {@code /metrics} and the documentation. The default with a token. */
        ALL,
        /** Only POST, PUT, PATCH and DELETE; reads are open to anyone who can reach the server. */
        WRITES,
        /** None: no token is configured. Beyond loopback only when asked for by name ({@code API_AUTH=off}). */
        OFF;

        /** The value as {@code API_AUTH} spells it. */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final String LOOPBACK_HOST = "127.0.0.1";
    public static final String ALL_INTERFACES = "0.0.0.0";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_MAX_BODY_BYTES = 2_000_000;
    public static final String DEFAULT_VERSION = "dev";
    public static final int MIN_TOKEN_LENGTH = 16;
    private static final int MIN_BODY_BYTES = 1024;
    private static final int MAX_BODY_BYTES = 50_000_000;
    private static final Pattern IPV4 = Pattern.compile("^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})$");

    public ApiConfig {
        if (host == null || host.isBlank()) {
            throw new ConfigException("HOST: empty (accepted: an interface address or host name, e.g. 127.0.0.1)");
        }
        if (port < 0 || port > 65_535) {
            throw new ConfigException("PORT: " + port + " is out of range (accepted: 0..65535; 0 = a random free port)");
        }
        // The lengths only: a token must never reach a log or a terminal.
        if (apiToken != null && apiToken.length() < MIN_TOKEN_LENGTH) {
            throw new ConfigException("API_TOKEN: too short (" + apiToken.length() + " characters; at least "
                    + MIN_TOKEN_LENGTH + " required)");
        }
        if (metricsToken != null && metricsToken.length() < MIN_TOKEN_LENGTH) {
            throw new ConfigException("METRICS_TOKEN: too short (" + metricsToken.length() + " characters; at least "
                    + MIN_TOKEN_LENGTH + " required)");
        }
        if (auth == null) {
            throw new ConfigException("API_AUTH: not decided (accepted: all, writes, off)");
        }
        if (auth != Auth.OFF && apiToken == null) {
            throw new ConfigException("API_AUTH: " + auth.value() + " needs API_TOKEN (at least " + MIN_TOKEN_LENGTH
                    + " characters); without a token the only choice is off");
        }
        if (auth == Auth.OFF && apiToken != null) {
            // A token that guards nothing would only look safe.
            throw new ConfigException("API_AUTH: off while API_TOKEN is set (accepted with a token: all, writes;"
                    + " or unset API_TOKEN)");
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
     * Reads {@code HOST}, {@code PORT}, {@code API_TOKEN}, {@code API_AUTH}, {@code METRICS_TOKEN},
     * {@code API_MAX_BODY_BYTES} and {@code APP_VERSION}; unset (or blank) variables take the defaults.
     *
     * @throws ConfigException naming the first bad variable, the problem and the accepted range; also when nothing
     *                         would check a token on a non-loopback {@code HOST} and {@code API_AUTH=off} does not
     *                         say so
     */
    public static ApiConfig from(Map<String, String> env) {
        String token = secret(env, "API_TOKEN");
        String chosen = text(env, "API_AUTH", null);
        Auth auth = chosen == null ? (token == null ? Auth.OFF : Auth.ALL) : auth(chosen);
        String host = text(env, "HOST", token == null ? LOOPBACK_HOST : ALL_INTERFACES);
        if (chosen == null && token == null && !isLoopback(host)) {
            throw new ConfigException("HOST: " + host + " is not a loopback address and API_TOKEN is unset, so anyone"
                    + " who can reach it could read and change the desk's data (set API_TOKEN, or HOST=127.0.0.1,"
                    + " or API_AUTH=off to serve it open on purpose)");
        }
        return new ApiConfig(
                host,
                integer(env, "PORT", DEFAULT_PORT, "0..65535; 0 = a random free port"),
                token,
                auth,
                secret(env, "METRICS_TOKEN"),
                integer(env, "API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, MIN_BODY_BYTES + ".." + MAX_BODY_BYTES),
                text(env, "APP_VERSION", DEFAULT_VERSION));
    }

    /** Whether reads (GET routes other than probes, metrics and documentation) need {@code API_TOKEN}. */
    public boolean readsNeedToken() {
        return auth == Auth.ALL;
    }

    /** Whether POST, PUT, PATCH and DELETE need {@code API_TOKEN}. */
    public boolean writesNeedToken() {
        return auth != Auth.OFF;
    }

    /** Whether only this machine can connect: {@link #host()} is a loopback address (see {@link #isLoopback}). */
    public boolean loopbackOnly() {
        return isLoopback(host);
    }

    /**
     * Whether {@code host} names only this machine: an IPv4 address in 127.0.0.0/8, the IPv6 address ::1 (in any
     * spelling, with or without brackets, also as ::ffff:127.x.y.z) or the name {@code localhost}. Any other name
     * counts as reachable from elsewhere: it is not resolved, since what it resolves to may change after start-up.
     */
    public static boolean isLoopback(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost")) {
            return true;
        }
        Matcher v4 = IPV4.matcher(h);
        if (v4.matches()) {
            return v4.group(1).equals("127") && octets(v4);
        }
        if (h.contains(":")) {
            return ipv6Loopback(h);
        }
        return false;
    }

    @Override
    public String toString() {
        return "ApiConfig[host=" + host + ", port=" + port + ", apiToken=" + (apiToken == null ? "off" : "****")
                + ", auth=" + auth.value() + ", metricsToken=" + (metricsToken == null ? "off" : "****")
                + ", maxBodyBytes=" + maxBodyBytes + ", version=" + version + "]";
    }

    private static boolean octets(Matcher v4) {
        for (int i = 1; i <= 4; i++) {
            if (Integer.parseInt(v4.group(i)) > 255) {
                return false;
            }
        }
        return true;
    }

    /** ::1 however it is written (0:0:0:0:0:0:0:1, [::1], ...) or an IPv4-mapped loopback (::ffff:127.0.0.1). */
    private static boolean ipv6Loopback(String literal) {
        try {
            // A text with a colon is parsed as an IPv6 literal or refused: it is never looked up in DNS.
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static Auth auth(String raw) {
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "all" -> Auth.ALL;
            case "writes" -> Auth.WRITES;
            case "off" -> Auth.OFF;
            default -> throw new ConfigException("API_AUTH: '" + raw + "' is not a mode (accepted: all, writes, off)");
        };
    }

    private static String secret(Map<String, String> env, String name) {
        String raw = env.get(name);
        return raw == null || raw.isBlank() ? null : raw;
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
