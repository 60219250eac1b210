package io.tradingdesk.loadtest;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * HAProxy in front of the topology's instances, run from {@code deploy/haproxy/haproxy.cfg} itself: the file users
 * copy is the file tested. Only what belongs to a machine is replaced: the bind addresses (free ports on 127.0.0.1),
 * the server lines (one per instance, the first line's options kept), and the daemon settings (chroot, user, group,
 * daemon, the admin socket), since it runs in the foreground as an unprivileged user. Thread-safe.
 */
final class HaproxyProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final int port;
    private final int statsPort;
    private final Path directory;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Thread shutdownHook;

    private HaproxyProcess(Process process, int port, int statsPort, Path directory) {
        this.process = process;
        this.port = port;
        this.statsPort = statsPort;
        this.directory = directory;
        this.shutdownHook = new Thread(this::stop, "haproxy-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    static Optional<Path> installedBinary() {
        return Stream.of("/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy").map(Path::of)
                .filter(Files::isExecutable).findFirst();
    }

    /** Starts HAProxy on {@code port} (0: a free one) in front of the instances on {@code instancePorts}. */
    static HaproxyProcess start(Path deployConfig, int port, List<Integer> instancePorts, Path log) {
        Path binary = installedBinary().orElseThrow(() -> new IllegalStateException(
                "haproxy is not installed (Debian: apt-get install haproxy)"));
        int listen = port == 0 ? ServerProcess.freePort() : port;
        int stats = ServerProcess.freePort();
        Path dir;
        Path cfg;
        try {
            dir = Files.createTempDirectory("trading-desk-haproxy-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, localConfig(Files.readAllLines(deployConfig), listen, stats, instancePorts));
            Unprivileged.handOver(dir);
            Unprivileged.handOver(cfg);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write HAProxy's configuration: " + e.getMessage(), e);
        }
        // -db: foreground, logs to stdout (the config's "log stdout"); -W is not needed without reloads.
        var pb = new ProcessBuilder(Unprivileged.wrap(List.of(binary.toString(), "-db", "-f", cfg.toString())))
                .directory(new File("/")).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start haproxy: " + e.getMessage(), e);
        }
        var haproxy = new HaproxyProcess(p, listen, stats, dir);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (haproxy.serverStates().isEmpty()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                haproxy.close();
                throw new IllegalStateException("haproxy did not start (" + (p.isAlive() ? "no stats page within "
                        + START_TIMEOUT.toSeconds() + " s" : "exit " + p.exitValue()) + "); end of " + log + ":\n"
                        + ServerProcess.tail(log, 20));
            }
            ServerProcess.sleep(Duration.ofMillis(100));
        }
        return haproxy;
    }

    /** The deployed configuration with this machine's ports; see the class comment for what changes. */
    static String localConfig(List<String> deployed, int port, int statsPort, List<Integer> instancePorts) {
        var out = new StringBuilder("# Generated from deploy/haproxy/haproxy.cfg by the loadtest module's topology.\n");
        String section = "";
        boolean serversWritten = false;
        for (String line : deployed) {
            String t = line.strip();
            if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && !t.startsWith("#")) {
                section = t;
            }
            if (section.equals("global") && (t.startsWith("chroot") || t.startsWith("user ") || t.startsWith("group ")
                    || t.equals("daemon") || t.startsWith("stats socket"))) {
                continue;
            }
            if (t.startsWith("bind ")) {
                out.append("    bind 127.0.0.1:").append(section.startsWith("listen stats") ? statsPort : port)
                        .append('\n');
                continue;
            }
            if (t.startsWith("server ")) {
                if (!serversWritten) {
                    String[] words = t.split("\\s+", 4);
                    String options = words.length > 3 ? " " + words[3] : "";
                    for (int i = 0; i < instancePorts.size(); i++) {
                        out.append("    server app").append(i + 1).append(" 127.0.0.1:").append(instancePorts.get(i))
                                .append(options).append('\n');
                    }
                    serversWritten = true;
                }
                continue;
            }
            out.append(line).append('\n');
        }
        if (!serversWritten) {
            throw new IllegalStateException("deploy/haproxy/haproxy.cfg has no server line to take the options from");
        }
        return out.toString();
    }

    int port() {
        return port;
    }

    int statsPort() {
        return statsPort;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Each instance's state as HAProxy sees it ("UP", "DOWN", "UP 1/2", ...), by server name; empty if no answer. */
    Map<String, String> serverStates() {
        return serverStates(http, statsPort);
    }

    static Map<String, String> serverStates(HttpClient http, int statsPort) {
        var states = new LinkedHashMap<String, String>();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + statsPort + "/stats;csv")).timeout(Duration.ofSeconds(2))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            List<String> lines = r.body().lines().toList();
            if (r.statusCode() != 200 || lines.isEmpty()) {
                return states;
            }
            List<String> header = List.of(lines.get(0).replaceFirst("^# ", "").split(","));
            int px = header.indexOf("pxname");
            int sv = header.indexOf("svname");
            int status = header.indexOf("status");
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",", -1);
                if (f.length > status && f[px].equals("instances") && !f[sv].equals("BACKEND")) {
                    states.put(f[sv], f[status]);
                }
            }
        } catch (IOException e) {
            // not listening (yet, or any more)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return states;
    }

    /** Waits until HAProxy reports every instance in {@code wanted} ("UP" or "DOWN"); false after {@code within}. */
    boolean awaitAll(String wanted, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, String> states = serverStates();
            if (!states.isEmpty() && states.values().stream().allMatch(s -> s.equals(wanted))) {
                return true;
            }
            ServerProcess.sleep(Duration.ofMillis(100));
        }
        return false;
    }

    private void stop() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path f : new ArrayList<>(files.toList())) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // a temporary directory; the next boot clears it
        }
    }

    @Override
    public void close() {
        stop();
        http.close();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs or ran
        }
    }
}
