package io.tradingdesk.loadtest;

import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.embedded.EmbeddedPostgres;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL the benchmark measures against: by default a throwaway cluster of its own (password
 * authentication with scram-sha-256, so that direct mode pays the real per-connection handshake that the local
 * trust-auth server would hide; {@code max_connections=400} for 200 direct clients plus pgbench), deleted on
 * {@link #close()}; or the server named by {@code BENCH_DATABASE_URL}. The password is never printed.
 * Thread-safe.
 */
final class BenchCluster implements AutoCloseable {

    static final String ENV = "BENCH_DATABASE_URL";
    private static final Path SYSTEM_BINARIES = Path.of("/usr/lib/postgresql");
    private static final Pattern HOST_PORT = Pattern.compile("^jdbc:postgresql://([^:/]+)(?::(\\d+))?/");

    private final EmbeddedPostgres embedded; // null when BENCH_DATABASE_URL is used
    private final DatabaseUrl admin;
    private final String host;
    private final int port;
    private final String description;

    private BenchCluster(EmbeddedPostgres embedded, DatabaseUrl admin, String description) {
        this.embedded = embedded;
        this.admin = admin;
        this.description = description;
        Matcher m = HOST_PORT.matcher(admin.jdbcUrl());
        if (!m.find()) {
            throw new IllegalStateException(ENV + ": expected a TCP host, got " + admin.describe());
        }
        this.host = m.group(1);
        this.port = m.group(2) == null ? 5432 : Integer.parseInt(m.group(2));
    }

    static BenchCluster start() {
        String configured = System.getenv(ENV);
        if (configured != null && !configured.isBlank()) {
            DatabaseUrl url = DatabaseUrl.parse(configured);
            return new BenchCluster(null, url, "existing server from " + ENV + " (" + url.describe() + ")");
        }
        String password = randomPassword();
        var builder = EmbeddedPostgres.builder()
                .superuserPassword(password)
                .serverSetting("max_connections", "400");
        Optional<Path> bin = systemBinaries();
        bin.ifPresent(builder::binariesDirectory);
        EmbeddedPostgres pg = builder.start();
        DatabaseUrl url = DatabaseUrl.parse(pg.jdbcUrl("postgres") + "?user=" + pg.superuser() + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8));
        return new BenchCluster(pg, url, "throwaway cluster on 127.0.0.1:" + pg.port()
                + ", scram-sha-256, max_connections=400, otherwise default settings, binaries "
                + bin.map(Path::toString).orElse("bundled (io.zonky)"));
    }

    /** The newest /usr/lib/postgresql/N/bin with initdb, pg_ctl and postgres, if any. */
    static Optional<Path> systemBinaries() {
        try (var versions = Files.list(SYSTEM_BINARIES)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl"))
                            && Files.isExecutable(b.resolve("postgres")))
                    .max((a, b) -> Integer.compare(major(a), major(b)));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    private static int major(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String randomPassword() {
        var random = new SecureRandom();
        var sb = new StringBuilder();
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        for (int i = 0; i < 24; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    String description() {
        return description;
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    String user() {
        return admin.user() == null ? "postgres" : admin.user();
    }

    String password() {
        return admin.password();
    }

    /** DATABASE_URL for the server: pgjdbc form with the credentials as parameters. */
    String serverDatabaseUrl(String database) {
        DatabaseUrl url = admin.withDatabase(database);
        var sb = new StringBuilder(url.jdbcUrl()).append("?user=")
                .append(URLEncoder.encode(user(), StandardCharsets.UTF_8));
        if (password() != null) {
            sb.append("&password=").append(URLEncoder.encode(password(), StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    Connection connect(String database) throws SQLException {
        var props = new java.util.Properties();
        props.putAll(admin.properties());
        props.setProperty("user", user());
        if (password() != null) {
            props.setProperty("password", password());
        }
        props.setProperty("ApplicationName", "bench-setup");
        return DriverManager.getConnection(admin.withDatabase(database).jdbcUrl(), props);
    }

    /** Creates the database unless it exists. */
    void createDatabase(String name) {
        if (embedded != null) {
            embedded.createDatabase(name);
            return;
        }
        try (Connection c = connect(admin.database());
             var ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, name);
            try (var rs = ps.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " on " + admin.describe() + ": "
                    + e.getMessage(), e);
        }
    }

    String serverVersion() {
        try (Connection c = connect(admin.database()); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT version()")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** The postmaster's pid when the cluster is ours (its CPU can then be measured), else empty. */
    OptionalLong postmasterPid() {
        return embedded == null ? OptionalLong.empty() : ProcStats.postmasterPid(embedded.dataDirectory());
    }

    /** The postmaster's pid of a cluster this process started, or -1. */
    static long postmasterPid(EmbeddedPostgres pg) {
        return ProcStats.postmasterPid(pg.dataDirectory()).orElse(-1);
    }

    @Override
    public void close() {
        if (embedded != null) {
            embedded.close();
        }
    }
}
