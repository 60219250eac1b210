package io.tradingdesk.embedded;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server of one data directory, driven through its tools: initdb, the configuration written before
 * every start, {@code pg_ctl start} and {@code stop}, the postmaster's pid and the server log. Every tool runs as the
 * {@link RunAs} user when this process is root. Immutable; {@link Cluster} serialises the calls that change state.
 */
final class Postmaster {
    private static final Logger log = LoggerFactory.getLogger(Postmaster.class);

    private static final String LOG_FILE = "server.log";
    private static final String CONF_FILE = "embedded.conf";
    private static final String INCLUDE_LINE = "include = '" + CONF_FILE + "'";
    private static final int LOG_TAIL_LINES = 20;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** Unix socket paths are limited to 107 bytes on Linux; keep a margin. */
    private static final int MAX_SOCKET_PATH = 100;

    private final Path binDirectory;
    private final Path dataDirectory;
    private final RunAs runAs; // null when not running as root
    private final String password; // never logged
    private final Map<String, String> settings;
    private final Duration startTimeout;

    Postmaster(Path binDirectory, Path dataDirectory, RunAs runAs, String password, Map<String, String> settings,
               Duration startTimeout) {
        this.binDirectory = binDirectory;
        this.dataDirectory = dataDirectory;
        this.runAs = runAs;
        this.password = password;
        this.settings = settings;
        this.startTimeout = startTimeout;
    }

    /**
     * Gives the data directory to the server user, then runs initdb unless it already holds a cluster: superuser
     * {@value Cluster#SUPERUSER}, UTF8, trust authentication, or scram-sha-256 with the password when there is one.
     */
    void initdbIfNeeded() {
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
                "-U", Cluster.SUPERUSER,
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
            Exec.Result r = Exec.run(asServerUser(cmd), startTimeout.plusSeconds(60));
            if (r.exitCode() != 0) {
                throw new IllegalStateException("initdb failed (exit " + r.exitCode() + ") for " + dataDirectory
                        + ":\n" + lastLines(r.output()));
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

    /**
     * Gives the data directory to the server user, then, unless it already holds a cluster, fills it with a base
     * backup of the server on {@code primaryPort} ({@code pg_basebackup -R}: {@code standby.signal} and
     * {@code primary_conninfo}, so that it starts as a streaming replica). The superuser's password, when there is
     * one, reaches pg_basebackup through its environment, never its command line.
     */
    void baseBackupIfNeeded(int primaryPort) {
        if (runAs != null) {
            runAs.requireReachable(dataDirectory, "Data directory");
            runAs.chownRecursively(dataDirectory);
        }
        if (Files.isRegularFile(dataDirectory.resolve("PG_VERSION"))) {
            log.debug("Reusing PostgreSQL cluster in {}", dataDirectory);
            return;
        }
        if (!Files.isExecutable(binDirectory.resolve("pg_basebackup"))) {
            throw new IllegalStateException("No executable pg_basebackup in " + binDirectory
                    + ": a replica needs a full PostgreSQL installation (Builder.binariesDirectory)");
        }
        log.info("Copying the primary on port {} into {} (pg_basebackup)", primaryPort, dataDirectory);
        Exec.Result r = Exec.run(asServerUser(List.of(tool("pg_basebackup"),
                        "-h", Cluster.HOST, "-p", Integer.toString(primaryPort), "-U", Cluster.SUPERUSER,
                        "-D", dataDirectory.toString(), "-R", "-X", "stream", "-c", "fast", "--no-sync")),
                startTimeout.plusSeconds(60), password == null ? Map.of() : Map.of("PGPASSWORD", password));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("pg_basebackup failed (exit " + r.exitCode() + ") for " + dataDirectory
                    + ":\n" + lastLines(r.output()));
        }
    }

    /** {@code pg_ctl promote -w}: the replica leaves recovery and becomes a primary of its own. */
    void promote() {
        Exec.Result r = Exec.run(asServerUser(List.of(tool("pg_ctl"), "promote", "-D", dataDirectory.toString(),
                "-w", "-t", Long.toString(Math.max(1, startTimeout.toSeconds())), "-s")), startTimeout.plusSeconds(30));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("pg_ctl promote failed (exit " + r.exitCode() + "): " + r.output().strip());
        }
    }

    /**
     * Writes the configuration for {@code port}, then {@code pg_ctl start -w} within the start timeout.
     *
     * @return {@code null} when pg_ctl reports the server up, else what failed (the log tail is not included)
     */
    String start(int port) {
        writeConfig(port);
        long timeoutSeconds = Math.max(1, (startTimeout.toMillis() + 999) / 1000);
        Exec.Result r = Exec.run(asServerUser(List.of(tool("pg_ctl"), "start",
                        "-D", dataDirectory.toString(),
                        "-l", logFile().toString(),
                        "-w", "-t", Long.toString(timeoutSeconds), "-s")),
                startTimeout.plusSeconds(30));
        if (r.exitCode() == 0) {
            return null;
        }
        return "pg_ctl start failed (exit " + r.exitCode() + ")"
                + (r.output().isBlank() ? "" : ": " + r.output().strip());
    }

    /** Fast shutdown (sessions are disconnected, data is kept); if pg_ctl cannot stop it, kill it. Never throws. */
    void stop(int port) {
        try {
            if (!Files.exists(dataDirectory.resolve("postmaster.pid"))) {
                return;
            }
            Exec.Result r = Exec.run(asServerUser(List.of(tool("pg_ctl"), "stop",
                    "-D", dataDirectory.toString(), "-m", "fast", "-w",
                    "-t", Long.toString(STOP_TIMEOUT.toSeconds()), "-s")), STOP_TIMEOUT.plusSeconds(15));
            if (r.exitCode() != 0) {
                Optional<ProcessHandle> pm = running();
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

    /** The live postmaster of this data directory, from {@code postmaster.pid}; possibly another process's. */
    Optional<ProcessHandle> running() {
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

    /** The extra postgresql.conf settings this server starts with. */
    Map<String, String> settings() {
        return settings;
    }

    Path logFile() {
        return dataDirectory.resolve(LOG_FILE);
    }

    /** The last lines of the server log (at most the last 32 KiB), for error messages. */
    String logTail() {
        try (RandomAccessFile f = new RandomAccessFile(logFile().toFile(), "r")) {
            long len = f.length();
            int n = (int) Math.min(len, 32 * 1024);
            byte[] buf = new byte[n];
            f.seek(len - n);
            f.readFully(buf);
            return lastLines(new String(buf, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return "(no server log: " + e.getMessage() + ")";
        }
    }

    /** (Re)writes {@code embedded.conf} (included from postgresql.conf) with the port, addresses and settings. */
    private void writeConfig(int port) {
        Path socketProbe = dataDirectory.resolve(".s.PGSQL." + port);
        // The Unix socket lives in the data directory (mode 0700, owned by the server user) so it never collides
        // with the system server's /var/run/postgresql; if that path would be too long for a socket, TCP only.
        String socketDirs = socketProbe.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH
                ? dataDirectory.toString() : "";
        StringBuilder conf = new StringBuilder()
                .append("# Written by io.tradingdesk.embedded.EmbeddedPostgres at every start; edits are overwritten.\n")
                .append("listen_addresses = '").append(Cluster.HOST).append("'\n")
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

    private static String lastLines(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    }

    private String tool(String name) {
        return binDirectory.resolve(name).toString();
    }

    private List<String> asServerUser(List<String> cmd) {
        return runAs == null ? cmd : runAs.wrap(cmd);
    }
}
