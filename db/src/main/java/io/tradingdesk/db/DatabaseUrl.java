package io.tradingdesk.db;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Where the database is and who we are there, parsed from {@code DATABASE_URL} in either libpq URI form
 * ({@code postgresql://user:password@host:port/dbname?sslmode=require&application_name=x}, user and password
 * percent-encoded, the host may be a unix socket directory such as {@code %2Fvar%2Frun%2Fpostgresql}) or pgjdbc form
 * ({@code jdbc:postgresql://host:port/dbname?user=...}).
 *
 * <p>{@link #jdbcUrl()} never carries credentials; they travel as separate values. {@link #toString()} masks the
 * password. Immutable and thread-safe.
 *
 * @param jdbcUrl         pgjdbc URL without user, password or properties
 * @param user            the role to log in as, or {@code null} for the driver's default
 * @param password        the password, or {@code null}; never printed
 * @param database        the database name
 * @param socketDirectory a unix socket directory, or {@code null} for TCP
 * @param properties      pgjdbc connection properties taken from the URL (sslmode, ApplicationName, ...)
 */
public record DatabaseUrl(String jdbcUrl, String user, String password, String database, String socketDirectory,
                          Map<String, String> properties) {

    private static final String VARIABLE = "DATABASE_URL";
    // Up to the last '@' of the authority: parse() accepts a password with a raw '@', so the mask must cover all of it.
    private static final Pattern USERINFO_PASSWORD = Pattern.compile("(://[^:/@?#]*:)[^/?#]*@");
    private static final Pattern PARAM_PASSWORD = Pattern.compile("((?:^|[?&;])(?:password|sslpassword)=)[^&;]*",
            Pattern.CASE_INSENSITIVE);
    private static final String SOCKET_FACTORY = "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg";

    /** libpq URI parameters we accept, and the pgjdbc property each becomes. */
    private static final Map<String, String> LIBPQ_TO_PGJDBC = Map.ofEntries(
            Map.entry("sslmode", "sslmode"),
            Map.entry("sslrootcert", "sslrootcert"),
            Map.entry("sslcert", "sslcert"),
            Map.entry("sslkey", "sslkey"),
            Map.entry("sslpassword", "sslpassword"),
            Map.entry("application_name", "ApplicationName"),
            Map.entry("connect_timeout", "connectTimeout"),
            Map.entry("options", "options"),
            Map.entry("target_session_attrs", "targetServerType"),
            Map.entry("channel_binding", "channelBinding"),
            Map.entry("gssencmode", "gssEncMode"));

    private static final List<String> SSL_MODES =
            List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    public DatabaseUrl {
        properties = Map.copyOf(properties);
    }

    /** Parses either URL form; throws {@link ConfigException} naming {@code DATABASE_URL} when it is malformed. */
    public static DatabaseUrl parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new ConfigException(VARIABLE + ": not set (expected postgresql://user:password@host:port/dbname"
                    + " or jdbc:postgresql://host:port/dbname)");
        }
        String url = raw.strip();
        if (url.startsWith("jdbc:postgresql:")) {
            return parseJdbc(url);
        }
        if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
            return parseLibpq(url);
        }
        throw new ConfigException(VARIABLE + ": unsupported scheme in '" + mask(url)
                + "' (expected postgresql://, postgres:// or jdbc:postgresql://)");
    }

    /**
     * {@link #parse(String)} for a URL read from another variable than {@code DATABASE_URL} (such as
     * {@code DATABASE_READ_URL}): errors name {@code variable}.
     */
    public static DatabaseUrl parse(String raw, String variable) {
        try {
            return parse(raw);
        } catch (ConfigException e) {
            throw new ConfigException(variable + e.getMessage().substring(VARIABLE.length()));
        }
    }

    /** Replaces any password in a URL (userinfo or {@code password=} parameter) with {@code ***}. */
    public static String mask(String url) {
        if (url == null) {
            return null;
        }
        String masked = USERINFO_PASSWORD.matcher(url).replaceAll("$1***@");
        return PARAM_PASSWORD.matcher(masked).replaceAll("$1***");
    }

    /** host:port/database (or the socket directory), for log lines and error messages; no credentials. */
    public String describe() {
        String where = socketDirectory != null ? socketDirectory : jdbcUrl.substring(jdbcUrl.indexOf("//") + 2);
        return (user == null ? "" : user + "@") + where + (socketDirectory != null ? "/" + database : "");
    }

    /** The {@code host:port} targets of this URL in the order given (one for a unix socket directory). */
    public List<String> hosts() {
        int start = jdbcUrl.indexOf("//") + 2;
        return List.of(jdbcUrl.substring(start, jdbcUrl.indexOf('/', start)).split(","));
    }

    /**
     * The same database on one of {@link #hosts()} only, without the multi-host properties (target server type,
     * load balancing), which mean nothing for a single host.
     */
    public DatabaseUrl withHost(String host) {
        if (!hosts().contains(host)) {
            throw new IllegalArgumentException(host + " is not a host of this URL");
        }
        var props = new LinkedHashMap<>(properties);
        props.remove("targetServerType");
        props.remove("loadBalanceHosts");
        props.remove("hostRecheckSeconds");
        return new DatabaseUrl("jdbc:postgresql://" + host + "/" + database, user, password, database, socketDirectory,
                props);
    }

    /** The same target logging in as {@code user} with {@code password} (either may be {@code null}). */
    public DatabaseUrl withCredentials(String user, String password) {
        return new DatabaseUrl(jdbcUrl, user, password, database, socketDirectory, properties);
    }

    /** The same target with the database name replaced, for tests and tools that create databases. */
    public DatabaseUrl withDatabase(String name) {
        String base = jdbcUrl.substring(0, jdbcUrl.lastIndexOf('/') + 1);
        return new DatabaseUrl(base + name, user, password, name, socketDirectory, properties);
    }

    /** The same target with {@code ApplicationName} set, so this pool's sessions can be told apart in pg_stat_activity. */
    public DatabaseUrl withApplicationName(String name) {
        var props = new LinkedHashMap<>(properties);
        props.put("ApplicationName", name);
        return new DatabaseUrl(jdbcUrl, user, password, database, socketDirectory, props);
    }

    @Override
    public String toString() {
        return "DatabaseUrl[" + describe() + (password == null ? "" : ", password=***") + ", properties="
                + maskProperties() + "]";
    }

    private Map<String, String> maskProperties() {
        var copy = new LinkedHashMap<>(properties);
        copy.replaceAll((k, v) -> k.toLowerCase().contains("password") ? "***" : v);
        return copy;
    }

    private static DatabaseUrl parseJdbc(String url) {
        Properties parsed = org.postgresql.Driver.parseURL(url, new Properties());
        if (parsed == null) {
            throw new ConfigException(VARIABLE + ": malformed JDBC URL '" + mask(url)
                    + "' (expected jdbc:postgresql://host:port/dbname?param=value)");
        }
        String hosts = parsed.getProperty("PGHOST", "localhost");
        String ports = parsed.getProperty("PGPORT", "5432");
        String database = parsed.getProperty("PGDBNAME", "");
        String[] hostList = hosts.split(",");
        String[] portList = ports.split(",");
        var targets = new ArrayList<String>();
        for (int i = 0; i < hostList.length; i++) {
            String port = portList[Math.min(i, portList.length - 1)];
            targets.add(hostPort(hostList[i], parsePort(port, url)));
        }
        var props = new LinkedHashMap<String, String>();
        for (String name : parsed.stringPropertyNames()) {
            if (!List.of("PGHOST", "PGPORT", "PGDBNAME", "user", "password").contains(name)) {
                props.put(name, parsed.getProperty(name));
            }
        }
        validateSslMode(props.get("sslmode"), url);
        return new DatabaseUrl("jdbc:postgresql://" + String.join(",", targets) + "/" + database,
                parsed.getProperty("user"), parsed.getProperty("password"), database, null, props);
    }

    private static DatabaseUrl parseLibpq(String url) {
        String rest = url.substring(url.indexOf("://") + 3);
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        String query = "";
        int question = rest.indexOf('?');
        if (question >= 0) {
            query = rest.substring(question + 1);
            rest = rest.substring(0, question);
        }
        String database = "";
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            database = decode(rest.substring(slash + 1), url);
            rest = rest.substring(0, slash);
        }
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            user = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo, url);
            password = colon >= 0 ? decode(userInfo.substring(colon + 1), url) : null;
        }
        var params = new LinkedHashMap<String, String>();
        if (!query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new ConfigException(VARIABLE + ": malformed parameter '" + mask(pair) + "' in '" + mask(url)
                            + "' (expected name=value)");
                }
                params.put(decode(pair.substring(0, eq), url), decode(pair.substring(eq + 1), url));
            }
        }
        user = params.containsKey("user") ? params.remove("user") : user;
        password = params.containsKey("password") ? params.remove("password") : password;
        database = params.containsKey("dbname") ? params.remove("dbname") : database;
        String hostParam = params.remove("host");
        String portParam = params.remove("port");

        var hosts = new ArrayList<String>();
        var ports = new ArrayList<Integer>();
        if (!rest.isEmpty()) {
            for (String hostPort : splitHosts(rest)) {
                String host = hostPort;
                Integer port = null;
                int colon = hostPort.lastIndexOf(':');
                if (colon >= 0 && hostPort.indexOf(']') < colon) {
                    host = hostPort.substring(0, colon);
                    port = parsePort(hostPort.substring(colon + 1), url);
                }
                hosts.add(decode(host, url));
                ports.add(port);
            }
        }
        if (hostParam != null) {
            hosts.clear();
            ports.clear();
            hosts.add(hostParam);
            ports.add(null);
        }
        if (hosts.isEmpty() || hosts.getFirst().isEmpty()) {
            hosts.clear();
            ports.clear();
            hosts.add("localhost");
            ports.add(null);
        }
        int defaultPort = portParam != null ? parsePort(portParam, url) : 5432;
        if (database.isEmpty()) {
            database = user != null ? user : "postgres";
        }

        var props = new LinkedHashMap<String, String>();
        for (var param : params.entrySet()) {
            String pgjdbc = LIBPQ_TO_PGJDBC.get(param.getKey());
            if (pgjdbc == null) {
                throw new ConfigException(VARIABLE + ": unknown parameter '" + param.getKey() + "' (accepted: host, port, "
                        + "dbname, user, password, " + String.join(", ", LIBPQ_TO_PGJDBC.keySet().stream().sorted().toList())
                        + ")");
            }
            props.put(pgjdbc, pgjdbcValue(param.getKey(), param.getValue(), url));
        }
        validateSslMode(props.get("sslmode"), url);

        String socketDirectory = null;
        var targets = new ArrayList<String>();
        for (int i = 0; i < hosts.size(); i++) {
            int port = ports.get(i) != null ? ports.get(i) : defaultPort;
            String host = hosts.get(i);
            if (host.startsWith("/")) {
                if (hosts.size() > 1) {
                    throw new ConfigException(VARIABLE + ": a unix socket directory cannot be combined with other hosts in '"
                            + mask(url) + "'");
                }
                socketDirectory = host;
                props.put("socketFactory", SOCKET_FACTORY);
                props.put("socketFactoryArg", host + "/.s.PGSQL." + port);
                props.putIfAbsent("sslmode", "disable");
                host = "localhost";
            }
            targets.add(hostPort(host, port));
        }
        return new DatabaseUrl("jdbc:postgresql://" + String.join(",", targets) + "/" + database,
                user, password, database, socketDirectory, props);
    }

    private static String pgjdbcValue(String libpqName, String value, String url) {
        if (libpqName.equals("target_session_attrs")) {
            return switch (value) {
                case "any" -> "any";
                case "read-write", "primary" -> "primary";
                case "read-only", "standby" -> "secondary";
                case "prefer-standby" -> "preferSecondary";
                default -> throw new ConfigException(VARIABLE + ": target_session_attrs '" + value + "' is not one of"
                        + " any, read-write, primary, read-only, standby, prefer-standby");
            };
        }
        if (libpqName.equals("connect_timeout")) {
            try {
                int seconds = Integer.parseInt(value);
                if (seconds < 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new ConfigException(VARIABLE + ": connect_timeout '" + value
                        + "' is not a whole number of seconds >= 0 in '" + mask(url) + "'");
            }
        }
        return value;
    }

    private static void validateSslMode(String sslMode, String url) {
        if (sslMode != null && !SSL_MODES.contains(sslMode)) {
            throw new ConfigException(VARIABLE + ": sslmode '" + sslMode + "' is not one of "
                    + String.join(", ", SSL_MODES) + " in '" + mask(url) + "'");
        }
    }

    private static List<String> splitHosts(String hostSpec) {
        var out = new ArrayList<String>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < hostSpec.length(); i++) {
            char c = hostSpec.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(hostSpec.substring(start, i));
                start = i + 1;
            }
        }
        out.add(hostSpec.substring(start));
        return out;
    }

    private static String hostPort(String host, int port) {
        boolean ipv6 = host.contains(":") && !host.startsWith("[");
        return (ipv6 ? "[" + host + "]" : host) + ":" + port;
    }

    private static int parsePort(String port, String url) {
        try {
            int value = Integer.parseInt(port);
            if (value < 1 || value > 65535) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ConfigException(VARIABLE + ": port '" + port + "' is not a number in 1..65535 in '" + mask(url) + "'");
        }
    }

    private static String decode(String value, String url) {
        try {
            // URLDecoder would turn '+' into a space; in a URI path or userinfo '+' is literal.
            return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(VARIABLE + ": bad percent-encoding in '" + mask(url) + "'");
        }
    }
}
