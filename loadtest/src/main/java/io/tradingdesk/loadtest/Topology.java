package io.tradingdesk.loadtest;

import io.tradingdesk.embedded.AutoFailover;
import io.tradingdesk.embedded.EmbeddedPgBouncer;
import io.tradingdesk.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The scale-out topology on one machine: a throwaway PostgreSQL cluster, PgBouncer in transaction mode in front of
 * it, N server instances ({@code java -p app/target/modules -m app}, each with its own pool, connected through
 * PgBouncer and migrating directly against PostgreSQL with {@code FLYWAY_URL}), and HAProxy in front of them; every
 * part on a free port of 127.0.0.1, as an unprivileged user when this process is root. PgBouncer and HAProxy run
 * with the settings of {@code deploy/} (only machine-specific lines replaced). Without PgBouncer
 * ({@link Options#bouncerPoolSize()} 0) the instances connect to PostgreSQL directly, for the comparison.
 *
 * <p>With {@link Options#replicas()} M above 0, PostgreSQL is a pg_auto_failover formation instead ({@link
 * AutoFailover}: a monitor, a primary and M streaming replicas, synchronous replication, the monitor's timeouts
 * shortened as {@link AutoFailover#FAST_FAILOVER} says, trust authentication on 127.0.0.1), with a PgBouncer in front
 * of every node. The instances list every PgBouncer in {@code DATABASE_URL} with
 * {@code target_session_attrs=read-write} (pgjdbc finds the primary, and finds it again after a failover) and in
 * {@code DATABASE_READ_URL} (reads go to a replica that is fresh enough), and migrate the nodes directly.
 *
 * <p>Shared by {@code ./desk cluster}, the benchmark's scale-out figures and the {@code scaleout} tests.
 * {@link #close()} stops everything, newest first; so do JVM shutdown hooks if the JVM ends first. Thread-safe.
 */
final class Topology implements AutoCloseable {
    static final String DATABASE = "trading_desk";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** The PgBouncer settings machine-specific or set by EmbeddedPgBouncer itself; the rest come from deploy/. */
    private static final Set<String> MACHINE_SETTINGS = Set.of("listen_addr", "listen_port", "unix_socket_dir",
            "logfile", "pidfile", "auth_type", "auth_file", "admin_users", "stats_users");

    /**
     * What to start.
     *
     * @param instances       server instances behind HAProxy (1..9)
     * @param replicas        streaming replicas under a pg_auto_failover monitor (0..4); 0 = one plain cluster
     * @param maxPoolSize     each instance's DB_MAX_POOL_SIZE
     * @param minPoolSize     each instance's DB_MIN_POOL_SIZE
     * @param bouncerPoolSize PgBouncer's default_pool_size (and max_db_connections); 0 = no PgBouncer, direct
     * @param maxConnections  PostgreSQL's max_connections
     * @param drain           each instance's SHUTDOWN_DRAIN
     * @param apiToken        each instance's API_TOKEN, or null for none
     * @param haproxyPort     HAProxy's port, 0 = a free one
     * @param logLevel        the instances' LOG_LEVEL
     * @param workDirectory   where the logs go
     * @param deployDirectory the repository's {@code deploy/}
     * @param environment     more variables for every instance (they win over the ones derived above)
     */
    record Options(int instances, int replicas, int maxPoolSize, int minPoolSize, int bouncerPoolSize,
                   int maxConnections, Duration drain, String apiToken, int haproxyPort, String logLevel,
                   Path workDirectory, Path deployDirectory, Map<String, String> environment) {
        Options {
            if (instances < 1 || instances > 9) {
                throw new IllegalArgumentException("instances must be 1..9: " + instances);
            }
            if (replicas < 0 || replicas > 4) {
                throw new IllegalArgumentException("replicas must be 0..4: " + replicas);
            }
            if (maxPoolSize < 1 || minPoolSize < 0 || minPoolSize > maxPoolSize || bouncerPoolSize < 0) {
                throw new IllegalArgumentException("pool sizes out of range: " + minPoolSize + ".." + maxPoolSize
                        + ", PgBouncer " + bouncerPoolSize);
            }
            Objects.requireNonNull(drain, "drain");
            Objects.requireNonNull(workDirectory, "workDirectory");
            Objects.requireNonNull(deployDirectory, "deployDirectory");
            environment = Map.copyOf(environment);
        }

        /** The issue's topology: 3 instances x pool 50 through PgBouncer's 10, drain 5 s, max_connections 100. */
        static Options defaults(Path workDirectory, Path deployDirectory) {
            return new Options(3, 0, 50, 2, 10, 100, Duration.ofSeconds(5), null, 0, "INFO", workDirectory,
                    deployDirectory, Map.of());
        }

        Options withInstances(int n) {
            return new Options(n, replicas, maxPoolSize, minPoolSize, bouncerPoolSize, maxConnections, drain, apiToken,
                    haproxyPort, logLevel, workDirectory, deployDirectory, environment);
        }

        Options withReplicas(int n) {
            return new Options(instances, n, maxPoolSize, minPoolSize, bouncerPoolSize, maxConnections, drain,
                    apiToken, haproxyPort, logLevel, workDirectory, deployDirectory, environment);
        }

        Options withBouncerPoolSize(int n) {
            return new Options(instances, replicas, maxPoolSize, minPoolSize, n, maxConnections, drain, apiToken,
                    haproxyPort, logLevel, workDirectory, deployDirectory, environment);
        }

        Options withApiToken(String token) {
            return new Options(instances, replicas, maxPoolSize, minPoolSize, bouncerPoolSize, maxConnections, drain,
                    token, haproxyPort, logLevel, workDirectory, deployDirectory, environment);
        }

        Options withHaproxyPort(int port) {
            return new Options(instances, replicas, maxPoolSize, minPoolSize, bouncerPoolSize, maxConnections, drain,
                    apiToken, port, logLevel, workDirectory, deployDirectory, environment);
        }

        Options withLogLevel(String level) {
            return new Options(instances, replicas, maxPoolSize, minPoolSize, bouncerPoolSize, maxConnections, drain,
                    apiToken, haproxyPort, level, workDirectory, deployDirectory, environment);
        }

        Options withEnvironment(Map<String, String> variables) {
            return new Options(instances, replicas, maxPoolSize, minPoolSize, bouncerPoolSize, maxConnections, drain,
                    apiToken, haproxyPort, logLevel, workDirectory, deployDirectory, variables);
        }

        Options withMaxPoolSize(int n) {
            return new Options(instances, replicas, n, Math.min(minPoolSize, n), bouncerPoolSize, maxConnections,
                    drain, apiToken, haproxyPort, logLevel, workDirectory, deployDirectory, environment);
        }
    }

    /** One part of the topology as {@code status} shows it. */
    record Part(String name, int port, long pid, String health) {
    }

    /**
     * Where the instances' pools and migrations go: the variables every instance gets for its database, and the
     * superuser's password (never printed; null with the formation's trust authentication).
     */
    record Backend(Map<String, String> environment, String password) {
        @Override
        public String toString() {
            return "Backend[" + environment.keySet() + "]";
        }
    }

    private final Options options;
    private final Backend backend;
    private final EmbeddedPostgres postgres; // null with replicas
    private final ReplicatedPostgres replicated; // null without replicas
    private final List<EmbeddedPgBouncer> bouncers; // one per PostgreSQL node; empty when direct
    private final List<ServerProcess> instances;
    private final List<Integer> instancePorts;
    private final HaproxyProcess haproxy;

    private Topology(Options options, Backend backend, EmbeddedPostgres postgres, ReplicatedPostgres replicated,
                     List<EmbeddedPgBouncer> bouncers, List<ServerProcess> instances, HaproxyProcess haproxy) {
        this.options = options;
        this.backend = backend;
        this.postgres = postgres;
        this.replicated = replicated;
        this.bouncers = List.copyOf(bouncers);
        this.instances = new CopyOnWriteArrayList<>(instances);
        this.instancePorts = instances.stream().map(ServerProcess::port).toList();
        this.haproxy = haproxy;
    }

    /**
     * Starts every part and returns once HAProxy sees every instance UP.
     *
     * @throws IllegalStateException when a part does not start (what was started is stopped again)
     */
    static Topology start(Options options, Progress progress) {
        try {
            Files.createDirectories(options.workDirectory());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + options.workDirectory(), e);
        }
        var started = new ArrayList<AutoCloseable>();
        try {
            EmbeddedPostgres postgres = null;
            ReplicatedPostgres replicated = null;
            var bouncers = new ArrayList<EmbeddedPgBouncer>();
            Backend backend;
            if (options.replicas() == 0) {
                String password = randomPassword();
                progress.say("PostgreSQL: throwaway cluster, max_connections=" + options.maxConnections());
                postgres = postgres(options, password);
                started.add(postgres);
                postgres.createDatabase(DATABASE);
                if (options.bouncerPoolSize() > 0) {
                    progress.say("PgBouncer: transaction mode, default_pool_size=" + options.bouncerPoolSize()
                            + " (deploy/pgbouncer/pgbouncer.ini)");
                    bouncers.add(pgbouncer(options, EmbeddedPgBouncer.builder(postgres.host(), postgres.port())
                            .user(postgres.superuser(), password)));
                    started.add(bouncers.getFirst());
                }
                backend = single(postgres, bouncers, password);
            } else {
                replicated = ReplicatedPostgres.start(options, progress);
                started.add(replicated);
                bouncers.addAll(replicated.bouncers());
                backend = replicated.backend();
            }
            progress.say("instances: " + options.instances() + " x pool " + options.maxPoolSize()
                    + (bouncers.isEmpty() ? ", directly to PostgreSQL" : ", through PgBouncer")
                    + (replicated == null ? "" : "; reads to the replicas, writes to the primary"));
            List<ServerProcess> instances = startInstances(options, backend, started);
            progress.say("HAProxy: health checks on /health/ready (deploy/haproxy/haproxy.cfg)");
            HaproxyProcess haproxy = HaproxyProcess.start(options.deployDirectory().resolve("haproxy/haproxy.cfg"),
                    options.haproxyPort(), instances.stream().map(ServerProcess::port).toList(),
                    options.workDirectory().resolve("haproxy.log"));
            started.add(haproxy);
            if (!haproxy.awaitAll("UP", Duration.ofSeconds(30))) {
                throw new IllegalStateException("HAProxy does not see every instance UP: " + haproxy.serverStates());
            }
            return new Topology(options, backend, postgres, replicated, bouncers, instances, haproxy);
        } catch (RuntimeException | Error e) {
            for (AutoCloseable part : started.reversed()) {
                closeQuietly(part);
            }
            throw e;
        }
    }

    private static EmbeddedPostgres postgres(Options options, String password) {
        var builder = EmbeddedPostgres.builder().superuserPassword(password)
                .serverSetting("max_connections", Integer.toString(options.maxConnections()))
                // A throwaway cluster: durability off keeps commit latency from dominating a 2-core machine.
                .serverSetting("fsync", "off")
                .serverSetting("synchronous_commit", "off")
                .serverSetting("full_page_writes", "off");
        BenchCluster.systemBinaries().ifPresent(builder::binariesDirectory);
        return builder.start();
    }

    /** One cluster: the instances' pools go through its PgBouncer (if any), migrations straight to it. */
    private static Backend single(EmbeddedPostgres postgres, List<EmbeddedPgBouncer> bouncers, String password) {
        String credentials = URLEncoder.encode(postgres.superuser(), StandardCharsets.UTF_8) + ":"
                + URLEncoder.encode(password, StandardCharsets.UTF_8);
        String direct = "postgresql://" + credentials + "@127.0.0.1:" + postgres.port() + "/" + DATABASE;
        var env = new HashMap<String, String>();
        if (!bouncers.isEmpty()) {
            env.put("DATABASE_URL", "postgresql://" + credentials + "@127.0.0.1:" + bouncers.getFirst().port() + "/"
                    + DATABASE);
            env.put("DB_PGBOUNCER", "true");
            // Flyway's advisory lock needs a session: migrations go to PostgreSQL itself, never through PgBouncer.
            env.put("FLYWAY_URL", direct);
        } else {
            env.put("DATABASE_URL", direct);
            env.put("DB_PGBOUNCER", "false");
        }
        return new Backend(Map.copyOf(env), password);
    }

    /** A PgBouncer with the settings of deploy/pgbouncer/pgbouncer.ini and the pool sizes of {@code options}. */
    static EmbeddedPgBouncer pgbouncer(Options options, EmbeddedPgBouncer.Builder builder) {
        deployedPgBouncerSettings(options.deployDirectory().resolve("pgbouncer/pgbouncer.ini"))
                .forEach(builder::setting);
        int pool = options.bouncerPoolSize();
        int clients = options.instances() * options.maxPoolSize();
        // Room for every pool twice over (a restarted instance's new pool beside the old one) and the console.
        return builder.setting("default_pool_size", Integer.toString(pool))
                .setting("max_db_connections", Integer.toString(pool))
                .setting("min_pool_size", Integer.toString(Math.min(2, pool)))
                .setting("max_client_conn", Integer.toString(Math.max(500, 2 * clients + 50)))
                .start();
    }

    /** The {@code [pgbouncer]} settings of the deployed file, without the machine-specific ones. */
    static Map<String, String> deployedPgBouncerSettings(Path ini) {
        var settings = new LinkedHashMap<String, String>();
        List<String> lines;
        try {
            lines = Files.readAllLines(ini);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ini + ": " + e.getMessage(), e);
        }
        String section = "";
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                section = line;
                continue;
            }
            int eq = line.indexOf('=');
            if (section.equals("[pgbouncer]") && eq > 0) {
                String key = line.substring(0, eq).strip();
                if (!MACHINE_SETTINGS.contains(key)) {
                    settings.put(key, line.substring(eq + 1).strip());
                }
            }
        }
        return settings;
    }

    private static List<ServerProcess> startInstances(Options options, Backend backend,
                                                      List<AutoCloseable> started) {
        var futures = new ArrayList<Future<ServerProcess>>();
        var ports = new ArrayList<Integer>();
        for (int i = 0; i < options.instances(); i++) {
            ports.add(ServerProcess.freePort());
        }
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < options.instances(); i++) {
                int index = i;
                futures.add(executor.submit(() -> startInstance(options, backend, index, ports.get(index))));
            }
            var instances = new ArrayList<ServerProcess>();
            RuntimeException failure = null;
            for (Future<ServerProcess> f : futures) {
                try {
                    ServerProcess p = f.get();
                    instances.add(p);
                    started.add(p);
                } catch (ExecutionException e) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new IllegalStateException("interrupted while starting the instances", e);
                }
            }
            if (failure != null) {
                throw failure;
            }
            return instances;
        }
    }

    private static ServerProcess startInstance(Options options, Backend backend, int index, int port) {
        var env = new HashMap<>(backend.environment());
        env.put("DB_MAX_POOL_SIZE", Integer.toString(options.maxPoolSize()));
        env.put("DB_MIN_POOL_SIZE", Integer.toString(options.minPoolSize()));
        if (env.containsKey("DATABASE_READ_URL")) {
            env.put("DB_READ_MAX_POOL_SIZE", Integer.toString(options.maxPoolSize()));
            env.put("DB_READ_MIN_POOL_SIZE", Integer.toString(options.minPoolSize()));
        }
        env.put("DB_APPLICATION_NAME", "trading-desk-" + (index + 1));
        env.put("SHUTDOWN_DRAIN", Double.toString(options.drain().toMillis() / 1000.0));
        env.put("SHUTDOWN_GRACE", "10");
        env.put("APP_VERSION", "instance-" + (index + 1));
        env.put("LOG_LEVEL", options.logLevel());
        if (options.apiToken() != null) {
            env.put("API_TOKEN", options.apiToken());
        }
        env.putAll(options.environment());
        return ServerProcess.start(env, List.of("-Xmx512m"), options.workDirectory().resolve("app" + (index + 1)
                + ".log"), READY_TIMEOUT, port, true);
    }

    /** HAProxy's address: where clients go. */
    java.net.URI baseUri() {
        return java.net.URI.create("http://127.0.0.1:" + haproxy.port());
    }

    HaproxyProcess haproxy() {
        return haproxy;
    }

    /** The PgBouncer in front of the single cluster (of the first node, with replicas), or null when direct. */
    EmbeddedPgBouncer bouncer() {
        return bouncers.isEmpty() ? null : bouncers.getFirst();
    }

    /** The single cluster; null with replicas (see {@link #formation()}). */
    EmbeddedPostgres postgres() {
        return postgres;
    }

    /** The pg_auto_failover formation; null without replicas. */
    AutoFailover formation() {
        return replicated == null ? null : replicated.formation();
    }

    Options options() {
        return options;
    }

    ServerProcess instance(int index) {
        return instances.get(index);
    }

    int instanceCount() {
        return instances.size();
    }

    /** The pids of the running instances, for CPU accounting. */
    List<Long> instancePids() {
        return instances.stream().filter(ServerProcess::isAlive).map(ServerProcess::pid).toList();
    }

    /**
     * Stops instance {@code index} as an orchestrator would (SIGTERM: it drains, then stops) and waits for it.
     *
     * @return its exit code, -1 if it had to be killed
     */
    int stopInstance(int index) {
        return instances.get(index).terminate(options.drain().plus(STOP_TIMEOUT));
    }

    /** SIGKILL on instance {@code index}: no drain, requests in flight on it are cut. */
    void killInstance(int index) {
        instances.get(index).killHard();
    }

    /** Starts instance {@code index} again on its port (after a stop or a kill) and waits until it is ready. */
    void startInstance(int index) {
        ServerProcess old = instances.get(index);
        old.close();
        instances.set(index, startInstance(options, backend, index, instancePorts.get(index)));
    }

    /** A superuser connection to the (primary's) {@code postgres} database, outside every pool. */
    Connection observer() throws SQLException {
        return DriverManager.getConnection(url("postgres"), superuser(backend.password()));
    }

    /** A superuser connection to the service's database on the primary, for checking what the service wrote. */
    Connection serviceDatabase() throws SQLException {
        return DriverManager.getConnection(url(DATABASE), superuser(backend.password()));
    }

    private String url(String database) {
        return replicated == null ? postgres.jdbcUrl(database) : replicated.primaryUrl(database);
    }

    static Properties superuser(String password) {
        var props = new Properties();
        props.setProperty("user", "postgres");
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("ApplicationName", "topology-observer");
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", "30");
        return props;
    }

    /** PostgreSQL sessions on the service's database, as {@code pg_stat_activity} shows them. */
    static int serviceSessions(Connection observer) throws SQLException {
        try (Statement s = observer.createStatement(); ResultSet rs = s.executeQuery("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = '""" + DATABASE + "' AND backend_type = 'client backend'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Every part, its port, pid and health, in start order. */
    List<Part> status() {
        var parts = new ArrayList<Part>();
        if (replicated == null) {
            String pg;
            try (Connection c = observer()) {
                pg = "up, " + serviceSessions(c) + " sessions on " + DATABASE + " (max_connections "
                        + options.maxConnections() + ")";
            } catch (SQLException e) {
                pg = "DOWN: " + e.getMessage();
            }
            parts.add(new Part("postgresql", postgres.port(), BenchCluster.postmasterPid(postgres), pg));
        } else {
            parts.addAll(replicated.parts());
        }
        for (int i = 0; i < bouncers.size(); i++) {
            EmbeddedPgBouncer b = bouncers.get(i);
            parts.add(new Part(bouncers.size() == 1 ? "pgbouncer" : "pgbouncer" + (i + 1), b.port(),
                    b.pid().orElse(-1L), bouncerHealth(b)));
        }
        for (int i = 0; i < instances.size(); i++) {
            ServerProcess p = instances.get(i);
            parts.add(new Part("app" + (i + 1), p.port(), p.isAlive() ? p.pid() : -1, ClusterState.probe(p.port())));
        }
        parts.add(new Part("haproxy", haproxy.port(), haproxy.pid(), "instances " + haproxy.serverStates()
                + ", stats http://127.0.0.1:" + haproxy.statsPort() + "/stats"));
        return parts;
    }

    private String bouncerHealth(EmbeddedPgBouncer bouncer) {
        try {
            for (Map<String, String> pool : bouncer.admin("SHOW POOLS")) {
                if (DATABASE.equals(pool.get("database"))) {
                    return "up, clients active " + pool.get("cl_active") + " waiting " + pool.get("cl_waiting")
                            + ", server sessions active " + pool.get("sv_active") + " idle " + pool.get("sv_idle")
                            + " (default_pool_size " + options.bouncerPoolSize() + ")";
                }
            }
            return "up, no pool yet";
        } catch (RuntimeException e) {
            return "DOWN: " + e.getMessage();
        }
    }

    /**
     * Stops HAProxy, the instances, PgBouncer and PostgreSQL (or the formation), in that order; every part is tried.
     * Idempotent.
     */
    @Override
    public void close() {
        closeQuietly(haproxy);
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ServerProcess p : instances) {
                executor.submit(() -> closeQuietly(p));
            }
        }
        if (replicated != null) {
            closeQuietly(replicated);
        } else {
            bouncers.reversed().forEach(Topology::closeQuietly);
        }
        if (postgres != null) {
            closeQuietly(postgres);
        }
    }

    static void closeQuietly(AutoCloseable part) {
        try {
            part.close();
        } catch (Exception e) {
            System.err.println("topology: stopping " + part + " failed: " + e);
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
}
