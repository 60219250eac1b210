package io.tradingdesk.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PgBouncer started by this process in front of one PostgreSQL server, listening only on {@code 127.0.0.1}: the
 * tests' and the local topology's connection pooler. It runs the installed {@code pgbouncer} binary (Debian's
 * package) in the foreground, as an unprivileged user when this process is root (like {@link EmbeddedPostgres}),
 * from a private temporary directory holding its {@code pgbouncer.ini}, its {@code userlist.txt} (mode 0600) and
 * its log, deleted by {@link #close()}.
 *
 * <p>Every database name is routed to the server ({@code * = host=... port=...}). Authentication is SCRAM-SHA-256
 * against the users given to {@link Builder#user(String, String)} (PgBouncer then logs in to PostgreSQL with the
 * same name and password), or, without users, {@code auth_type = any} with every client logged in to the server as
 * {@link Builder#serverLogin(String)} (for a trust-authenticated test server). {@code pool_mode} is
 * {@code transaction} and {@code ignore_startup_parameters} holds {@code extra_float_digits} (pgjdbc sends it at
 * login) unless changed with {@link Builder#setting(String, String)}.
 *
 * <p>Thread-safe: life-cycle calls are serialised; a JVM shutdown hook stops PgBouncer if the JVM exits without
 * {@link #close()}.
 */
public final class EmbeddedPgBouncer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPgBouncer.class);
    private static final String HOST = "127.0.0.1";
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Set<String> MANAGED = Set.of("listen_addr", "listen_port", "auth_type", "auth_file",
            "logfile", "pidfile", "unix_socket_dir", "admin_users", "stats_users");

    private final Path binary;
    private final Path directory;
    private final RunAs runAs; // null when not root
    private final int port;
    private final String adminUser;
    private final String adminPassword; // never logged
    private final Duration startTimeout;
    private final Thread shutdownHook = new Thread(this::destroyOnJvmExit, "embedded-pgbouncer-shutdown");

    // guarded by this
    private Process process;
    private boolean closed;

    private EmbeddedPgBouncer(Path binary, Path directory, RunAs runAs, int port, String adminUser,
                              String adminPassword, Duration startTimeout) {
        this.binary = binary;
        this.directory = directory;
        this.runAs = runAs;
        this.port = port;
        this.adminUser = adminUser;
        this.adminPassword = adminPassword;
        this.startTimeout = startTimeout;
    }

    /** A builder for a PgBouncer in front of the PostgreSQL server at {@code serverHost:serverPort}. */
    public static Builder builder(String serverHost, int serverPort) {
        return new Builder(serverHost, serverPort);
    }

    /**
     * The installed {@code pgbouncer} binary: on the PATH, else in the system directories (root's PATH may lack the
     * sbin ones; Debian installs it as {@code /usr/sbin/pgbouncer}).
     */
    public static Optional<Path> installedBinary() {
        return findTool("pgbouncer");
    }

    /** The TCP port on 127.0.0.1 (fixed for this instance, also across {@link #startAgain()}). */
    public int port() {
        return port;
    }

    /** Always {@code "127.0.0.1"}. */
    public String host() {
        return HOST;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + Objects.requireNonNull(database, "database");
    }

    /** Where the configuration and {@code pgbouncer.log} are. */
    public Path directory() {
        return directory;
    }

    /** The log PgBouncer writes (its stdout and stderr). */
    public Path logFile() {
        return directory.resolve("pgbouncer.log");
    }

    /** The running PgBouncer's process id, if it runs. */
    public synchronized Optional<Long> pid() {
        return process != null && process.isAlive() ? Optional.of(process.pid()) : Optional.empty();
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Immediate shutdown (SIGTERM: PgBouncer closes every client and server connection at once, as a crash or a
     * restart would look to clients). Does nothing when not running. Idempotent.
     */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        Process p = process;
        process = null;
        p.destroy();
        try {
            if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("PgBouncer {} did not stop on SIGTERM within {} s; killing it", p.pid(),
                        STOP_TIMEOUT.toSeconds());
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        log.info("PgBouncer on port {} stopped", port);
    }

    /**
     * Starts PgBouncer again on the same port with the same configuration, after {@link #stop()}. Does nothing when
     * running.
     *
     * @throws IllegalStateException if closed, or PgBouncer does not listen within the start timeout
     */
    public synchronized void startAgain() {
        if (closed) {
            throw new IllegalStateException("this PgBouncer was closed");
        }
        if (process != null && process.isAlive()) {
            return;
        }
        launch();
    }

    /**
     * Runs one command on PgBouncer's admin console (e.g. {@code SHOW POOLS}) with {@code psql} and returns its rows,
     * each column by name, values as text. Not JDBC: pgjdbc takes the console's version (PgBouncer's) for an old
     * PostgreSQL and sends {@code SET extra_float_digits}, which the console refuses.
     *
     * @throws IllegalStateException when psql is missing, or the console cannot be reached or refuses the command
     */
    public List<Map<String, String>> admin(String command) {
        Path psql = findTool("psql").orElseThrow(() -> new IllegalStateException(
                "psql is not installed (Debian: apt-get install postgresql-client)"));
        var builder = new ProcessBuilder(psql.toString(), "-h", HOST, "-p", Integer.toString(port), "-U", adminUser,
                "-d", "pgbouncer", "-X", "-A", "-F", "\u001f", "-P", "footer=off", "-c", command)
                .redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        if (adminPassword != null) {
            builder.environment().put("PGPASSWORD", adminPassword);
        }
        builder.environment().put("PGCONNECT_TIMEOUT", "5");
        try {
            Process p = builder.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(15, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("PgBouncer console on port " + port + ": '" + command + "' failed: "
                        + out.strip());
            }
            List<String> lines = out.lines().filter(l -> !l.isEmpty()).toList();
            var rows = new ArrayList<Map<String, String>>();
            if (lines.isEmpty()) {
                return rows;
            }
            String[] header = lines.get(0).split("\u001f", -1);
            for (String line : lines.subList(1, lines.size())) {
                String[] values = line.split("\u001f", -1);
                var row = new LinkedHashMap<String, String>();
                for (int i = 0; i < header.length; i++) {
                    row.put(header[i], i < values.length ? values[i] : "");
                }
                rows.add(row);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run psql: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking PgBouncer's console", e);
        }
    }

    /** Stops PgBouncer and deletes its directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
        deleteDirectory();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to run
        }
    }

    @Override
    public String toString() {
        return "EmbeddedPgBouncer[" + HOST + ":" + port + ", dir=" + directory + "]";
    }

    private void launch() {
        List<String> command = List.of(binary.toString(), directory.resolve("pgbouncer.ini").toString());
        var builder = new ProcessBuilder(runAs == null ? command : runAs.wrap(command))
                .directory(new File("/"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (!listening()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String why = process.isAlive() ? "not listening within " + startTimeout.toSeconds() + " s"
                        : "exited with status " + process.exitValue();
                process.destroyForcibly();
                process = null;
                throw new IllegalStateException("PgBouncer on port " + port + " " + why + "; end of " + logFile()
                        + ":\n" + tail());
            }
            sleep(50);
        }
        log.info("PgBouncer {} listening on {}:{} (pid {})", binary, HOST, port, process.pid());
    }

    private boolean listening() {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private synchronized void destroyOnJvmExit() {
        if (process != null) {
            process.destroy();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.destroyForcibly();
        }
        deleteDirectory();
    }

    private void deleteDirectory() {
        try (Stream<Path> all = Files.walk(directory)) {
            for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("could not delete {}: {}", directory, e.toString());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting PgBouncer", e);
        }
    }

    private static Optional<Path> findTool(String name) {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin"));
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
                .filter(Files::isExecutable).findFirst();
    }

    private static String quote(String value) {
        return "\"" + value.replace("\"", "\"\"") + "\"";
    }

    /** Configuration for an {@link EmbeddedPgBouncer}; not thread-safe. Every setter returns {@code this}. */
    public static final class Builder {
        private final String serverHost;
        private final int serverPort;
        private int port;
        private final Map<String, String> users = new LinkedHashMap<>();
        private String serverLogin = "postgres";
        private final Map<String, String> settings = new LinkedHashMap<>();
        private Path binary;
        private String runAsUser;
        private Duration startTimeout = Duration.ofSeconds(30);

        private Builder(String serverHost, int serverPort) {
            this.serverHost = Objects.requireNonNull(serverHost, "serverHost");
            if (serverPort < 1 || serverPort > 65535) {
                throw new IllegalArgumentException("server port must be 1..65535: " + serverPort);
            }
            this.serverPort = serverPort;
            settings.put("pool_mode", "transaction");
            settings.put("ignore_startup_parameters", "extra_float_digits");
            settings.put("default_pool_size", "20");
            settings.put("max_client_conn", "1000");
            // Debian's default of 15 s keeps refusing clients that long after PostgreSQL failed once (a restart).
            settings.put("server_login_retry", "1");
            // One line per connection is noise under load; errors are still logged.
            settings.put("log_connections", "0");
            settings.put("log_disconnections", "0");
        }

        /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * A user clients log in as with SCRAM-SHA-256, and PgBouncer as on the server. The first one is the console's
         * admin. Without any, authentication is {@code any} and the server login is {@link #serverLogin(String)}.
         */
        public Builder user(String name, String password) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(password, "password");
            if (name.isEmpty() || password.isEmpty() || (name + password).chars().anyMatch(ch -> ch < 32)) {
                throw new IllegalArgumentException("user name and password must be non-empty, without control"
                        + " characters");
            }
            users.put(name, password);
            return this;
        }

        /** Without {@link #user(String, String)}: the role every client is logged in to the server as (postgres). */
        public Builder serverLogin(String role) {
            if (!NAME.matcher(Objects.requireNonNull(role, "role")).matches()) {
                throw new IllegalArgumentException("invalid role name: " + role);
            }
            this.serverLogin = role;
            return this;
        }

        /**
         * A {@code [pgbouncer]} setting, e.g. {@code ("default_pool_size", "5")}. The listener, authentication, log
         * and pid file are managed here and rejected.
         */
        public Builder setting(String name, String value) {
            Objects.requireNonNull(value, "value");
            if (!NAME.matcher(Objects.requireNonNull(name, "name")).matches() || MANAGED.contains(name)) {
                throw new IllegalArgumentException("setting not accepted: " + name);
            }
            if (value.chars().anyMatch(ch -> ch < 32)) {
                throw new IllegalArgumentException("setting " + name + " must be one line");
            }
            settings.put(name, value);
            return this;
        }

        /** The {@code pgbouncer} binary; default {@link #installedBinary()}. */
        public Builder binary(Path binary) {
            this.binary = Objects.requireNonNull(binary, "binary").toAbsolutePath();
            return this;
        }

        /** As root only: the unprivileged account PgBouncer runs as (default postgres, else nobody). */
        public Builder runAsUser(String user) {
            this.runAsUser = Objects.requireNonNull(user, "user");
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("start timeout must be positive: " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Writes the configuration and starts PgBouncer; returns once it listens.
         *
         * @throws IllegalStateException when no binary is installed, or PgBouncer does not start (with its log)
         */
        public EmbeddedPgBouncer start() {
            Path bin = binary != null ? binary : installedBinary().orElseThrow(() -> new IllegalStateException(
                    "pgbouncer is not installed (Debian: apt-get install pgbouncer)"));
            RunAs runAs = RunAs.isRoot() ? RunAs.resolve(runAsUser) : null;
            int listenPort = port != 0 ? port : freePort();
            Path dir;
            try {
                dir = Files.createTempDirectory("trading-desk-pgbouncer-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Path userlist = dir.resolve("userlist.txt");
                var lines = new StringBuilder();
                users.forEach((user, password) -> lines.append(quote(user)).append(' ').append(quote(password))
                        .append('\n'));
                Files.writeString(userlist, lines, StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(userlist, PosixFilePermissions.fromString("rw-------"));
                Files.writeString(dir.resolve("pgbouncer.ini"), ini(dir, listenPort), StandardCharsets.UTF_8);
                Files.createFile(dir.resolve("pgbouncer.log"));
                if (runAs != null) {
                    runAs.requireReachable(dir, "PgBouncer directory");
                    runAs.chownRecursively(dir);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare PgBouncer's directory: " + e.getMessage(), e);
            }
            String admin = users.isEmpty() ? serverLogin : users.keySet().iterator().next();
            var bouncer = new EmbeddedPgBouncer(bin, dir, runAs, listenPort, admin,
                    users.isEmpty() ? null : users.get(admin), startTimeout);
            Runtime.getRuntime().addShutdownHook(bouncer.shutdownHook);
            synchronized (bouncer) {
                try {
                    bouncer.launch();
                } catch (RuntimeException e) {
                    bouncer.close();
                    throw e;
                }
            }
            return bouncer;
        }

        private String ini(Path dir, int listenPort) {
            var ini = new StringBuilder("; Written by io.tradingdesk.embedded.EmbeddedPgBouncer.\n[databases]\n")
                    .append("* = host=").append(serverHost).append(" port=").append(serverPort)
                    .append(users.isEmpty() ? " user=" + serverLogin : "").append("\n\n[pgbouncer]\n")
                    .append("listen_addr = ").append(HOST).append('\n')
                    .append("listen_port = ").append(listenPort).append('\n')
                    // TCP only: a socket in the shared /tmp could collide with another PgBouncer's.
                    .append("unix_socket_dir =\n")
                    .append("auth_type = ").append(users.isEmpty() ? "any" : "scram-sha-256").append('\n')
                    .append("auth_file = ").append(dir.resolve("userlist.txt")).append('\n');
            String admin = users.isEmpty() ? serverLogin : users.keySet().iterator().next();
            ini.append("admin_users = ").append(admin).append('\n').append("stats_users = ").append(admin).append('\n');
            settings.forEach((k, v) -> ini.append(k).append(" = ").append(v).append('\n'));
            return ini.toString();
        }

        private static int freePort() {
            try (var socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("no free port on 127.0.0.1: " + e.getMessage(), e);
            }
        }
    }
}
