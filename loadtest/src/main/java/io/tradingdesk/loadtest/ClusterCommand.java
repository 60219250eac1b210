package io.tradingdesk.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./desk cluster up|status|down}: the scale-out topology ({@link Topology}) for trying it by hand.
 *
 * <pre>
 *   up [--instances N] [--replicas M] [--pool N] [--bouncer-pool N] [--port P] [--direct]
 *                        starts everything, prints each part, then stays in the foreground; Ctrl-C stops it all
 *   status               from any shell: each part, its port, pid and health (from .cluster/state)
 *   down                 from any shell: stops the running 'up' (SIGTERM) and with it every part
 * </pre>
 *
 * {@code up} writes {@code .cluster/state} (no secrets: names, ports, pids) and the parts' logs to {@code .cluster/};
 * the state file goes when {@code up} ends. Exit codes: 0 done, 1 failed or nothing running, 2 bad arguments.
 */
public final class ClusterCommand {
    static final String USAGE = """
            usage: ./desk cluster up [--instances N] [--replicas M] [--pool N] [--bouncer-pool N] [--port P] [--direct]
                   ./desk cluster status
                   ./desk cluster down
              up       PostgreSQL, PgBouncer (transaction mode), N instances (java -p app/target/modules -m app)
                       and HAProxy on free ports of 127.0.0.1; stays in the foreground, Ctrl-C stops everything
                       --instances N     server instances (default 3)
                       --replicas M      M streaming replicas (1..4) under a pg_auto_failover monitor, a PgBouncer
                                         per node; reads go to the replicas, a killed primary is replaced
                                         (default 0: one plain PostgreSQL)
                       --pool N          each instance's DB_MAX_POOL_SIZE (default 50)
                       --bouncer-pool N  PgBouncer's default_pool_size (default 10)
                       --port P          HAProxy's port (default: a free one)
                       --direct          no PgBouncer: the instances connect to PostgreSQL directly
              status   each part, its port, pid and health (works from another shell)
              down     stops a running 'up' and every part it started (works from another shell)""";
    private static final Path DIRECTORY = Path.of(".cluster");
    private static final Path STATE = DIRECTORY.resolve("state");
    private static final Duration DOWN_TIMEOUT = Duration.ofSeconds(120);

    private ClusterCommand() {
    }

    public static void main(String[] args) {
        String command = args.length == 0 ? "help" : args[0];
        try {
            int exit = switch (command) {
                case "up" -> up(List.of(args).subList(1, args.length));
                case "status" -> status();
                case "down" -> down();
                default -> {
                    System.out.println(USAGE);
                    yield command.equals("help") || command.equals("--help") ? 0 : 2;
                }
            };
            System.exit(exit);
        } catch (IllegalArgumentException e) {
            System.err.println("cluster: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        }
    }

    private static int up(List<String> args) {
        Path deploy = Path.of(System.getProperty("deploy.directory", "deploy")).toAbsolutePath();
        var options = Topology.Options.defaults(DIRECTORY.toAbsolutePath().resolve("logs"), deploy);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--instances" -> options = options.withInstances(number(args, ++i, arg));
                case "--replicas" -> options = options.withReplicas(number(args, ++i, arg));
                case "--pool" -> options = options.withMaxPoolSize(number(args, ++i, arg));
                case "--bouncer-pool" -> options = options.withBouncerPoolSize(number(args, ++i, arg));
                case "--port" -> options = options.withHaproxyPort(number(args, ++i, arg));
                case "--direct" -> options = options.withBouncerPoolSize(0);
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        Optional<Long> running = runningOwner();
        if (running.isPresent()) {
            System.err.println("cluster: already up (pid " + running.get() + "); './desk cluster down' first");
            return 1;
        }
        var progress = new Progress();
        Topology topology = Topology.start(options, progress);
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("cluster: stopping every part");
            topology.close();
            deleteState();
            stopped.countDown();
        }, "cluster-down"));
        ClusterState.write(STATE, ProcessHandle.current().pid(), topology);
        List<Topology.Part> parts = topology.status();
        print(parts.stream().map(p -> new ClusterState.Entry(p.name(), p.port(), p.pid(), 0)).toList(), parts);
        System.out.println();
        System.out.println("clients: " + topology.baseUri() + "   logs: " + options.workDirectory());
        System.out.println("up; Ctrl-C here or './desk cluster down' elsewhere stops everything");
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static int status() {
        if (!Files.exists(STATE)) {
            System.out.println("no cluster is up (no " + STATE + ")");
            return 1;
        }
        List<ClusterState.Entry> entries = ClusterState.read(STATE);
        if (runningOwner().isEmpty()) {
            System.out.println("stale " + STATE + ": its 'up' process is gone; './desk cluster down' cleans up");
        }
        print(entries.stream().filter(e -> !e.name().equals("up")).toList(), null);
        return runningOwner().isPresent() ? 0 : 1;
    }

    private static int down() {
        if (!Files.exists(STATE)) {
            System.out.println("no cluster is up (no " + STATE + ")");
            return 0;
        }
        List<ClusterState.Entry> entries = ClusterState.read(STATE);
        Optional<ProcessHandle> owner = runningOwner().flatMap(ProcessHandle::of);
        if (owner.isPresent()) {
            System.out.println("stopping 'up' (pid " + owner.get().pid() + ") and every part it started");
            owner.get().destroy();
            try {
                owner.get().onExit().get(DOWN_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("cluster: 'up' did not end within " + DOWN_TIMEOUT.toSeconds() + " s");
            }
        }
        // Whatever is left (the 'up' process was killed with SIGKILL, say): stop it part by part.
        for (ClusterState.Entry e : entries) {
            ProcessHandle.of(e.pid()).filter(ProcessHandle::isAlive).ifPresent(p -> {
                System.out.println("stopping leftover " + e.name() + " (pid " + p.pid() + ")");
                p.destroy();
                try {
                    p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception timeout) {
                    p.destroyForcibly();
                }
            });
        }
        deleteState();
        System.out.println("down");
        return 0;
    }

    private static void print(List<ClusterState.Entry> entries, List<Topology.Part> parts) {
        System.out.printf("%-11s %6s %8s  %s%n", "part", "port", "pid", "health");
        for (int i = 0; i < entries.size(); i++) {
            ClusterState.Entry e = entries.get(i);
            String health = parts != null ? parts.get(i).health() : ClusterState.health(e);
            System.out.printf("%-11s %6d %8d  %s%n", e.name(), e.port(), e.pid(), health);
        }
    }

    private static Optional<Long> runningOwner() {
        if (!Files.exists(STATE)) {
            return Optional.empty();
        }
        return ClusterState.read(STATE).stream().filter(e -> e.name().equals("up")).map(ClusterState.Entry::pid)
                .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).findFirst();
    }

    private static void deleteState() {
        try {
            Files.deleteIfExists(STATE);
        } catch (IOException e) {
            System.err.println("cluster: cannot delete " + STATE + ": " + e.getMessage());
        }
    }

    private static int number(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a number");
        }
        try {
            return Integer.parseInt(args.get(i));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + args.get(i) + "' is not a number");
        }
    }
}
