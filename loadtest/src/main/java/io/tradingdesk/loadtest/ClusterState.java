package io.tradingdesk.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The state file {@code ./desk cluster up} writes ({@code .cluster/state}), so that {@code status} and
 * {@code down} from another shell find the running topology: the pid of the {@code up} process and, per part, its
 * name, port and pid. No credentials: {@code status} probes each part over TCP and HTTP only. Stateless and
 * thread-safe.
 */
final class ClusterState {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** One line of the file. */
    record Entry(String name, int port, long pid, int statsPort) {
    }

    private ClusterState() {
    }

    static void write(Path file, long owner, Topology topology) {
        var lines = new ArrayList<String>();
        lines.add("# ./desk cluster up, pid " + owner + "; name port pid [stats port]");
        lines.add("up 0 " + owner);
        for (Topology.Part part : topology.status()) {
            lines.add(part.name() + " " + part.port() + " " + part.pid()
                    + (part.name().equals("haproxy") ? " " + topology.haproxy().statsPort() : ""));
        }
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static List<Entry> read(Path file) {
        try {
            var entries = new ArrayList<Entry>();
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.strip().split("\\s+");
                entries.add(new Entry(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]),
                        f.length > 3 ? Integer.parseInt(f[3]) : 0));
            }
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** What one part looks like from outside: its process, and its port's answer. */
    static String health(Entry e) {
        boolean alive = ProcessHandle.of(e.pid()).map(ProcessHandle::isAlive).orElse(false);
        if (!alive) {
            return "DOWN (process " + e.pid() + " gone)";
        }
        if (e.name().startsWith("app")) {
            return probe(e.port());
        }
        if (e.name().equals("haproxy")) {
            return "via HAProxy " + probe(e.port()) + "; instances "
                    + HaproxyProcess.serverStates(HTTP, e.statsPort());
        }
        return listening(e.port()) ? "up (accepting connections)" : "DOWN (port closed)";
    }

    /** {@code GET /health/ready} on 127.0.0.1:port, as "ready (200)" or what went wrong. */
    static String probe(int port) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/health/ready")).timeout(Duration.ofSeconds(3))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            return (r.statusCode() == 200 ? "ready" : "NOT READY") + " (" + r.statusCode() + " " + r.body() + ")";
        } catch (IOException e) {
            return "DOWN (" + e.getClass().getSimpleName() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown (interrupted)";
        }
    }

    private static boolean listening(int port) {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
