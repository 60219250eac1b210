package io.tradingdesk.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One PostgreSQL cluster's life cycle: created and started once, then stopped, started again and closed any number
 * of times, with a JVM shutdown hook for a process that exits without closing it; JDBC for the readiness probe and
 * {@link #createDatabase(String)}. The server's tools are driven by {@link Postmaster}. Configuration is fixed at
 * construction; life-cycle changes are serialised on this object's monitor, so every method is thread-safe.
 */
final class Cluster {
    private static final Logger log = LoggerFactory.getLogger(Cluster.class);

    static final String HOST = "127.0.0.1";
    static final String SUPERUSER = "postgres";
    private static final int AUTO_PORT_ATTEMPTS = 5;

    /**
     * What {@link EmbeddedPostgres.Builder} collected, validated there. {@code null} means "the default" for the
     * paths, the password and the server user; port 0 picks a free port; {@code primaryPort} 0 means a cluster of
     * its own, else a streaming replica of the server on that port. {@code toString()} masks the password.
     */
    record Options(Path dataDirectory, int port, String superuserPassword, Map<String, String> settings,
                   Path binariesDirectory, Path cacheDirectory, String serverUser, Duration startTimeout,
                   int primaryPort) {
        Options {
            settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings)); // postgresql.conf order
        }

        @Override
        public String toString() {
            return "Options[data=" + dataDirectory + ", port=" + port
                    + ", superuserPassword=" + (superuserPassword == null ? "none" : "****")
                    + ", settings=" + settings + ", binaries=" + binariesDirectory + ", cache=" + cacheDirectory
                    + ", serverUser=" + serverUser + ", startTimeout=" + startTimeout
                    + (primaryPort == 0 ? "" : ", replicaOf=" + primaryPort) + "]";
        }
    }

    private enum State { STOPPED, RUNNING, CLOSED }

    // ---- fixed at construction ----
    private final Postmaster postmaster;
    private final Path dataDirectory;
    private final boolean temporaryDataDirectory;
    private final String password; // never logged
    private final Duration startTimeout;
    private final RunAs runAs; // null when not running as root
    private final Thread shutdownHook = new Thread(this::closeOnJvmExit, "embedded-postgres-shutdown");

    // ---- chosen at the first start (port 0), then kept across stop and startAgain ----
    private volatile int port;

    // ---- guarded by "this" ----
    private State state = State.STOPPED;

    private Cluster(Options options, Path binDirectory, Path dataDirectory, boolean temporary, RunAs runAs) {
        this.postmaster = new Postmaster(binDirectory, dataDirectory, runAs, options.superuserPassword(),
                options.settings(), options.startTimeout());
        this.dataDirectory = dataDirectory;
        this.temporaryDataDirectory = temporary;
        this.password = options.superuserPassword();
        this.startTimeout = options.startTimeout();
        this.runAs = runAs;
        this.port = options.port();
    }

    /**
     * Finds the binaries and the server user, runs initdb if the data directory has no cluster yet, starts the
     * server and waits until it accepts JDBC connections. On failure nothing is left running.
     *
     * @throws IllegalStateException if the server cannot be started (the message says why, with the end of the
     *                               server log when the server itself failed)
     */
    static Cluster start(Options options) {
        RunAs runAs = RunAs.isRoot() ? RunAs.resolve(options.serverUser()) : null;
        Path bin = options.binariesDirectory() != null ? options.binariesDirectory()
                : Binaries.bundledBinDirectory(options.cacheDirectory(), runAs);
        for (String tool : List.of("initdb", "pg_ctl", "postgres")) {
            if (!Files.isExecutable(bin.resolve(tool))) {
                throw new IllegalStateException("No executable " + tool + " in PostgreSQL binaries directory " + bin);
            }
        }
        if (runAs != null) {
            runAs.requireReachable(bin.resolve("postgres"), "PostgreSQL binaries");
        }
        boolean temporary = options.dataDirectory() == null;
        Path data;
        try {
            if (temporary) {
                data = Files.createTempDirectory("trading-desk-pg-").toAbsolutePath();
            } else {
                data = options.dataDirectory();
                if (runAs != null) {
                    runAs.requireReachable(data, "Data directory"); // before creating anything
                }
                Files.createDirectories(data);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create PostgreSQL data directory: " + e.getMessage(), e);
        }

        Cluster cluster = new Cluster(options, bin, data, temporary, runAs);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            synchronized (cluster) {
                if (options.primaryPort() == 0) {
                    cluster.postmaster.initdbIfNeeded();
                } else {
                    cluster.postmaster.baseBackupIfNeeded(options.primaryPort());
                }
                cluster.startServer(options.port() == 0);
                cluster.state = State.RUNNING;
            }
            return cluster;
        } catch (RuntimeException | Error e) {
            try {
                cluster.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    int port() {
        return port;
    }

    /** The extra settings of every start; a replica starts from its primary's. */
    Map<String, String> settings() {
        return postmaster.settings();
    }

    /** The superuser's password (a replica logs in to its primary with it), or {@code null}; never logged. */
    String password() {
        return password;
    }

    Path dataDirectory() {
        return dataDirectory;
    }

    String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
    }

    synchronized void stop() {
        if (state != State.RUNNING) {
            return;
        }
        state = State.STOPPED;
        postmaster.stop(port);
    }

    synchronized void startAgain() {
        if (state == State.CLOSED) {
            throw new IllegalStateException("EmbeddedPostgres was closed; build a new one");
        }
        if (state == State.RUNNING && postmaster.running().isPresent()) {
            return;
        }
        startServer(false);
        state = State.RUNNING;
    }

    synchronized void promote() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("EmbeddedPostgres is not running");
        }
        postmaster.promote();
        log.info("Embedded PostgreSQL on port {} promoted", port);
    }

    synchronized boolean isRunning() {
        return state == State.RUNNING && postmaster.running().isPresent();
    }

    void createDatabase(String name) {
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

    void close() {
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            stop();
            state = State.CLOSED;
            if (temporaryDataDirectory) {
                PosixFiles.deleteRecursively(dataDirectory);
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNotRegistered) {
            // the JVM is exiting (we may be running inside the hook), or the hook was never registered
        }
    }

    private void closeOnJvmExit() {
        try {
            close();
        } catch (RuntimeException e) {
            log.warn("Could not stop embedded PostgreSQL at JVM exit: {}", e.getMessage());
        }
    }

    /**
     * Starts the postmaster (the monitor held); with {@code autoPort}, picks a free port and retries if it was taken
     * meanwhile.
     */
    private void startServer(boolean autoPort) {
        // Another process's server on this data directory must be left alone: the clean-up below would stop it.
        Optional<ProcessHandle> running = postmaster.running();
        if (running.isPresent()) {
            throw new IllegalStateException("Embedded PostgreSQL data directory " + dataDirectory
                    + " is in use by a running server (pid " + running.get().pid() + "); stop it or use another directory");
        }
        for (int attempt = 1; ; attempt++) {
            if (autoPort) {
                port = freePort();
            }
            long deadline = System.nanoTime() + startTimeout.toNanos();
            String failure = postmaster.start(port);
            if (failure == null) {
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
            String tail = postmaster.logTail();
            postmaster.stop(port); // in case the postmaster is up but unusable, or still starting after a timeout
            if (autoPort && attempt < AUTO_PORT_ATTEMPTS && isBindFailure(tail)) {
                log.debug("Port {} was taken, retrying with another one", port);
                continue;
            }
            throw new IllegalStateException("Embedded PostgreSQL failed to start on " + HOST + ":" + port + " (data "
                    + dataDirectory + "): " + failure
                    + "\n--- last lines of " + postmaster.logFile() + " ---\n" + tail);
        }
    }

    private static boolean isBindFailure(String logTail) {
        return logTail.contains("could not bind") || logTail.contains("Address already in use")
                || logTail.contains("could not create any TCP/IP sockets");
    }

    /** {@code null} once the server answers {@code SELECT 1}; else the last failure, at the deadline or auth error. */
    private SQLException awaitConnection(long deadlineNanos) {
        SQLException last;
        do {
            try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
                s.execute("SELECT 1");
                return null;
            } catch (SQLException e) {
                last = e;
                String sqlState = e.getSQLState();
                if ("28P01".equals(sqlState) || "28000".equals(sqlState)) {
                    return e; // a wrong password or pg_hba rule: waiting will not help
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

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not find a free port on " + HOST, e);
        }
    }
}
