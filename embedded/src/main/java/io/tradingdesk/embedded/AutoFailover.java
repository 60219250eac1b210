package io.tradingdesk.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pg_auto_failover formation run by Debian's {@code pg_autoctl} (packages {@code pg-auto-failover-cli} and
 * {@code postgresql-15-auto-failover}): a monitor and {@code n} PostgreSQL nodes, the first the primary, the others
 * streaming replicas the monitor promotes when the primary is lost. Everything listens on free ports of 127.0.0.1
 * only, with trust authentication, and runs as an unprivileged user when this process is root (PostgreSQL refuses
 * root), from one temporary directory that {@link #close()} deletes after stopping every process it started.
 *
 * <p>For tests and the topology command: {@link #kill(Node)} is a {@code kill -9} of a whole node (its
 * {@code pg_autoctl}, which would otherwise restart PostgreSQL at once, and PostgreSQL), {@link #restart(Node)} runs
 * its {@code pg_autoctl} again, which rejoins it as a replica of whichever node is primary.
 *
 * <p>Thread-safe: life-cycle methods are synchronized; queries open their own connections.
 */
public final class AutoFailover implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AutoFailover.class);
    private static final Path PG_AUTOCTL = Path.of("/usr/bin/pg_autoctl");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    /**
     * The monitor's settings of {@link Builder#fastFailover()}: its defaults (5 s, 5 s, 2 s, 20 s, 30 s) shortened
     * four- to sixfold, so that a lost primary is replaced well within 30 s; with the defaults it takes about 50 s
     * (20 s to call the node unhealthy, then 30 s of demote timeout before the promoted replica takes writes).
     */
    public static final Map<String, String> FAST_FAILOVER = Map.of(
            "pgautofailover.health_check_period", "1000",
            "pgautofailover.health_check_timeout", "1000",
            "pgautofailover.health_check_retry_delay", "500",
            "pgautofailover.node_considered_unhealthy_timeout", "5000",
            "pgautofailover.primary_demote_timeout", "10000");
    /**
     * The keepers' {@code timeout.network_partition_timeout} of {@link Builder#fastFailover()}, in seconds (default
     * 20): below the demote timeout, so a primary cut off from monitor and replica stops taking writes before the
     * monitor promotes the replica.
     */
    public static final int FAST_NETWORK_PARTITION_TIMEOUT = 5;

    /** One PostgreSQL node of the formation. */
    public record Node(String name, int port, Path dataDirectory) {
    }

    /** A node as the monitor sees it: what the node reported last, and what the monitor wants it to become. */
    public record State(String name, int port, String reported, String goal) {
    }

    private final Path base;
    private final Path binaries;
    private final RunAs runAs;
    private final Map<String, String> environment;
    private final int monitorPort;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Process> running = new LinkedHashMap<>();
    private final Map<String, String> nodeSettings;
    private final Duration timeout;
    private final Thread shutdownHook = new Thread(this::close, "auto-failover-shutdown");
    private boolean closed;

    private AutoFailover(Path base, Path binaries, RunAs runAs, int monitorPort, Map<String, String> nodeSettings,
                         Duration timeout) {
        this.base = base;
        this.binaries = binaries;
        this.runAs = runAs;
        this.monitorPort = monitorPort;
        this.nodeSettings = nodeSettings;
        this.timeout = timeout;
        this.environment = Map.of(
                "PATH", binaries + ":/usr/bin:/bin",
                "HOME", base.toString(),
                "XDG_CONFIG_HOME", base.resolve("config").toString(),
                "XDG_DATA_HOME", base.resolve("state").toString(),
                "XDG_RUNTIME_DIR", base.resolve("run").toString(),
                "PG_CONFIG", binaries.resolve("pg_config").toString());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether Debian's pg_autoctl and the PostgreSQL binaries it needs are installed. */
    public static boolean installed(Path binaries) {
        return Files.isExecutable(PG_AUTOCTL) && Files.isExecutable(binaries.resolve("pg_ctl"))
                && Files.isExecutable(binaries.resolve("pg_basebackup"));
    }

    /** The data nodes, in the order they were created (the first one started as the primary). */
    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** {@code 127.0.0.1:port} of every node, comma-separated, for a multi-host connection URL. */
    public String hosts() {
        return String.join(",", nodes.stream().map(n -> Cluster.HOST + ":" + n.port()).toList());
    }

    /** The pid of the node's pg_autoctl (PostgreSQL runs below it), or -1 when it is not running. */
    public synchronized long pid(Node node) {
        Process process = running.get(node.name());
        return process != null && process.isAlive() ? process.pid() : -1;
    }

    /** The pid of the monitor's pg_autoctl, or -1. */
    public synchronized long monitorPid() {
        Process process = running.get("monitor");
        return process != null && process.isAlive() ? process.pid() : -1;
    }

    /** The monitor's port (database {@code pg_auto_failover}). */
    public int monitorPort() {
        return monitorPort;
    }

    /** Every node as the monitor sees it now. */
    public List<State> states() {
        try (Connection c = connect(monitorPort, "pg_auto_failover"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT nodename, nodeport, reportedstate::text, goalstate::text"
                     + " FROM pgautofailover.node ORDER BY nodeid")) {
            var out = new ArrayList<State>();
            while (rs.next()) {
                out.add(new State(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4)));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("the pg_auto_failover monitor does not answer: " + e.getMessage(), e);
        }
    }

    /** The node the monitor reports as primary (or single, or wait_primary), if any. */
    public Optional<Node> primary() {
        for (State state : states()) {
            if (List.of("primary", "single", "wait_primary").contains(state.reported())
                    && state.reported().equals(state.goal())) {
                return nodes.stream().filter(n -> n.name().equals(state.name())).findFirst();
            }
        }
        return Optional.empty();
    }

    /** Waits up to {@code within} until the monitor's view satisfies {@code condition}; true if it did. */
    public boolean await(Duration within, Predicate<List<State>> condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            try {
                if (condition.test(states())) {
                    return true;
                }
            } catch (IllegalStateException monitorNotReady) {
                // try again until the deadline
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(200);
        }
    }

    /** The monitor's event log, newest last: what it decided and when (for test reports). */
    public List<String> events(int last) {
        try (Connection c = connect(monitorPort, "pg_auto_failover"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM (SELECT eventtime, nodename, reportedstate::text,"
                     + " goalstate::text, description FROM pgautofailover.event ORDER BY eventid DESC LIMIT " + last
                     + ") e ORDER BY eventtime")) {
            var out = new ArrayList<String>();
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " -> " + rs.getString(4)
                        + ": " + rs.getString(5));
            }
            return out;
        } catch (SQLException e) {
            return List.of("(no events: " + e.getMessage() + ")");
        }
    }

    /** Runs {@code sql} on the monitor's database (e.g. a {@code pgautofailover} function). */
    public void monitorExecute(String sql) {
        try (Connection c = connect(monitorPort, "pg_auto_failover"); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("monitor: " + e.getMessage(), e);
        }
    }

    /**
     * {@code kill -9} of the whole node: its pg_autoctl and every process below it (PostgreSQL and its backends) at
     * once, so nothing on it restarts PostgreSQL or says goodbye to the monitor.
     */
    public synchronized void kill(Node node) {
        Process process = running.remove(node.name());
        if (process == null) {
            return;
        }
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        // The postmaster may have been started by a helper that is gone; its pid file names it.
        postmasterOf(node).ifPresent(all::add);
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : all) {
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("process {} of node {} did not end after SIGKILL: {}", handle.pid(), node.name(), e.toString());
            }
        }
        log.info("pg_auto_failover node {} (port {}) killed: {} processes", node.name(), node.port(), all.size());
    }

    /** Runs the node's pg_autoctl again (after {@link #kill}); the monitor tells it what to become. */
    public synchronized void restart(Node node) {
        requireOpen();
        if (running.containsKey(node.name())) {
            throw new IllegalStateException(node.name() + " is running");
        }
        running.put(node.name(), spawn(node.name(), List.of(PG_AUTOCTL.toString(), "run", "--pgdata",
                node.dataDirectory().toString())));
    }

    /** Stops every node (pg_autoctl stops its PostgreSQL), then the monitor, and deletes everything. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        var order = new ArrayList<String>(running.keySet());
        order.remove("monitor");
        order.add("monitor");
        for (String name : order) {
            Process process = running.remove(name);
            if (process != null) {
                stop(name, process);
            }
        }
        PosixFiles.deleteRecursively(base);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNotRegistered) {
            // the JVM is exiting (we may be running inside the hook)
        }
    }

    private void stop(String name, Process process) {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("pg_autoctl of {} did not stop within {}; killing it", name, STOP_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        all.add(process.toHandle());
        all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private Optional<ProcessHandle> postmasterOf(Node node) {
        try {
            List<String> lines = Files.readAllLines(node.dataDirectory().resolve("postmaster.pid"));
            return lines.isEmpty() ? Optional.empty()
                    : ProcessHandle.of(Long.parseLong(lines.getFirst().strip())).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void start(int nodes, boolean synchronous, Map<String, String> monitorSettings, int keeperPartitionTimeout)
            throws SQLException {
        for (String dir : List.of("config", "state", "run", "logs")) {
            mkdir(base.resolve(dir));
        }
        Path monitorData = base.resolve("monitor");
        run(List.of(PG_AUTOCTL.toString(), "create", "monitor", "--pgdata", monitorData.toString(),
                "--pgport", Integer.toString(monitorPort), "--pgctl", binaries.resolve("pg_ctl").toString(),
                "--hostname", Cluster.HOST, "--listen", Cluster.HOST, "--auth", "trust", "--no-ssl"));
        running.put("monitor", spawn("monitor", List.of(PG_AUTOCTL.toString(), "run", "--pgdata",
                monitorData.toString())));
        awaitConnection(monitorPort, "pg_auto_failover");
        try (Connection c = connect(monitorPort, "pg_auto_failover"); Statement s = c.createStatement()) {
            for (var setting : monitorSettings.entrySet()) {
                s.execute("ALTER SYSTEM SET " + setting.getKey() + " = '" + setting.getValue().replace("'", "''") + "'");
            }
            s.execute("SELECT pg_reload_conf()");
        }
        String monitorUrl = "postgres://autoctl_node@" + Cluster.HOST + ":" + monitorPort
                + "/pg_auto_failover?sslmode=disable";
        for (int i = 1; i <= nodes; i++) {
            var node = new Node("node" + i, Cluster.freePort(), base.resolve("node" + i));
            var create = new ArrayList<>(List.of(PG_AUTOCTL.toString(), "create", "postgres",
                    "--pgdata", node.dataDirectory().toString(), "--pgport", Integer.toString(node.port()),
                    "--pgctl", binaries.resolve("pg_ctl").toString(), "--listen", Cluster.HOST,
                    "--hostname", Cluster.HOST, "--name", node.name(), "--monitor", monitorUrl,
                    "--auth", "trust", "--no-ssl", "--replication-quorum", Boolean.toString(synchronous)));
            run(create);
            run(List.of(PG_AUTOCTL.toString(), "config", "set", "--pgdata", node.dataDirectory().toString(),
                    "timeout.network_partition_timeout", Integer.toString(keeperPartitionTimeout)));
            this.nodes.add(node);
            running.put(node.name(), spawn(node.name(), List.of(PG_AUTOCTL.toString(), "run", "--pgdata",
                    node.dataDirectory().toString())));
            int expected = i;
            String target = i == 1 ? "single" : "secondary";
            if (!await(timeout, states -> states.size() == expected && states.stream()
                    .anyMatch(s -> s.name().equals(node.name()) && s.reported().equals(target)
                            && s.goal().equals(target)))) {
                throw new IllegalStateException("pg_auto_failover: " + node.name() + " did not reach " + target
                        + " within " + timeout + ": " + states() + "\n" + String.join("\n", events(10)));
            }
            awaitConnection(node.port(), "postgres");
            try (Connection c = connect(node.port(), "postgres"); Statement s = c.createStatement()) {
                for (var setting : nodeSettings.entrySet()) {
                    s.execute("ALTER SYSTEM SET " + setting.getKey() + " = '" + setting.getValue().replace("'", "''")
                            + "'");
                }
                s.execute("SELECT pg_reload_conf()");
            }
        }
        if (nodes > 1 && !await(timeout, states -> states.stream().anyMatch(s -> s.reported().equals("primary")
                && s.goal().equals("primary")))) {
            throw new IllegalStateException("pg_auto_failover: no primary within " + timeout + ": " + states());
        }
        log.info("pg_auto_failover formation up: monitor on {}, nodes {} ({} replication)", monitorPort, hosts(),
                synchronous ? "synchronous" : "asynchronous");
    }

    /** A short-lived pg_autoctl command, to completion. */
    private void run(List<String> command) {
        Exec.Result r = Exec.run(asServerUser(command), timeout.plusSeconds(30), environment);
        if (r.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command.subList(0, Math.min(3, command.size())))
                    + " failed (exit " + r.exitCode() + "):\n" + r.output().strip());
        }
    }

    /** A long-running pg_autoctl, its output appended to logs/{name}.log. */
    private Process spawn(String name, List<String> command) {
        var builder = new ProcessBuilder(asServerUser(command)).directory(base.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(base.resolve("logs").resolve(name + ".log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().keySet().removeIf(key -> key.startsWith("PG") || key.startsWith("XDG"));
        builder.environment().putAll(environment);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command.getFirst(), e);
        }
    }

    /** The log of {@code name} (monitor, node1, ...), for failure reports. */
    public String log(String name) {
        try {
            return Files.readString(base.resolve("logs").resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private List<String> asServerUser(List<String> command) {
        return runAs == null ? command : runAs.wrap(command);
    }

    private void mkdir(Path dir) {
        try {
            Files.createDirectories(dir);
            if (runAs != null) {
                runAs.chown(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + dir, e);
        }
    }

    private void awaitConnection(int port, String database) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Connection c = connect(port, database)) {
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("nothing answers on port " + port + " within " + timeout, e);
                }
                sleep(200);
            }
        }
    }

    private static Connection connect(int port, String database) throws SQLException {
        var props = new Properties();
        props.setProperty("user", Cluster.SUPERUSER);
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", "30");
        props.setProperty("ApplicationName", "auto-failover-harness");
        return DriverManager.getConnection("jdbc:postgresql://" + Cluster.HOST + ":" + port + "/" + database, props);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the formation was closed");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Configuration of a formation; not thread-safe. */
    public static final class Builder {
        private int nodes = 2;
        private boolean synchronous = true;
        private Path binaries = Path.of("/usr/lib/postgresql/15/bin");
        private final Map<String, String> monitorSettings = new LinkedHashMap<>();
        private final Map<String, String> nodeSettings = new LinkedHashMap<>();
        private int networkPartitionTimeout = 20;
        private Duration timeout = Duration.ofSeconds(90);

        private Builder() {
        }

        /** Data nodes: 2 (the default) or more; the first starts as the primary. */
        public Builder nodes(int count) {
            if (count < 1 || count > 9) {
                throw new IllegalArgumentException("nodes: 1..9");
            }
            this.nodes = count;
            return this;
        }

        /**
         * Whether the replicas take part in the write quorum ({@code --replication-quorum}): true (the default)
         * makes the primary commit only once a replica has the commit ({@code synchronous_standby_names}); false
         * leaves replication asynchronous.
         */
        public Builder synchronous(boolean synchronous) {
            this.synchronous = synchronous;
            return this;
        }

        /** {@link #FAST_FAILOVER} on the monitor and {@link #FAST_NETWORK_PARTITION_TIMEOUT} on the keepers. */
        public Builder fastFailover() {
            FAST_FAILOVER.forEach(this::monitorSetting);
            return networkPartitionTimeout(FAST_NETWORK_PARTITION_TIMEOUT);
        }

        /** PostgreSQL 15's bin directory (pg_ctl, pg_basebackup, ...); default /usr/lib/postgresql/15/bin. */
        public Builder binariesDirectory(Path dir) {
            this.binaries = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** A {@code pgautofailover.*} setting of the monitor, e.g. {@code health_check_period = 1000} (ms). */
        public Builder monitorSetting(String name, String value) {
            if (!name.matches("pgautofailover\\.[a-z_]+")) {
                throw new IllegalArgumentException("not a pgautofailover setting: " + name);
            }
            monitorSettings.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        /** A PostgreSQL setting of every node, applied with ALTER SYSTEM once it runs (reloadable ones only). */
        public Builder nodeSetting(String name, String value) {
            if (!name.matches("[a-z_]+")) {
                throw new IllegalArgumentException("invalid setting name: " + name);
            }
            nodeSettings.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * The keepers' {@code timeout.network_partition_timeout} in seconds (default 20): how long a primary that
         * reaches neither monitor nor replica waits before it demotes itself. Keep it below the monitor's
         * {@code pgautofailover.primary_demote_timeout}, or a partitioned primary could still write after a failover.
         */
        public Builder networkPartitionTimeout(int seconds) {
            this.networkPartitionTimeout = seconds;
            return this;
        }

        /** How long each step of start-up may take; default 90 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Creates the monitor and the nodes one after the other, each waiting for the monitor to see it settled.
         *
         * @throws IllegalStateException when pg_autoctl is missing or a step fails (everything started is stopped)
         */
        public AutoFailover start() {
            if (!installed(binaries)) {
                throw new IllegalStateException("pg_auto_failover needs " + PG_AUTOCTL + " and PostgreSQL 15 in "
                        + binaries + " (Debian: apt-get install pg-auto-failover-cli postgresql-15-auto-failover)");
            }
            RunAs runAs = RunAs.isRoot() ? RunAs.resolve(null) : null;
            Path base;
            try {
                base = Files.createTempDirectory(Path.of("/var/tmp"), "trading-desk-failover-");
                if (runAs != null) {
                    runAs.requireReachable(base, "Formation directory");
                    runAs.chown(base);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not create the formation directory", e);
            }
            var formation = new AutoFailover(base, binaries, runAs, Cluster.freePort(), Map.copyOf(nodeSettings),
                    timeout);
            Runtime.getRuntime().addShutdownHook(formation.shutdownHook);
            try {
                formation.start(nodes, synchronous, monitorSettings, networkPartitionTimeout);
                return formation;
            } catch (SQLException | RuntimeException e) {
                String logs = "\n--- monitor ---\n" + tail(formation.log("monitor")) + "\n--- node1 ---\n"
                        + tail(formation.log("node1"));
                formation.close();
                throw new IllegalStateException("pg_auto_failover formation failed to start: " + e.getMessage()
                        + logs, e);
            }
        }

        private static String tail(String text) {
            List<String> lines = text.lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        }
    }
}
