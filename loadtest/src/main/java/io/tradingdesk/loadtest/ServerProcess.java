package io.tradingdesk.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The service under test, started as a user would start it ({@code java -p <module path> -m app}) in a child
 * process with its configuration in the environment, its output going to a log file. {@link #close()} stops it
 * (SIGTERM, then SIGKILL after a grace period); a JVM shutdown hook does the same if the benchmark dies first.
 * Thread-safe.
 */
final class ServerProcess implements AutoCloseable {

    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final URI baseUri;
    private final Path log;
    private final HttpClient http;
    private final Thread shutdownHook;

    private ServerProcess(Process process, URI baseUri, Path log) {
        this.process = process;
        this.baseUri = baseUri;
        this.log = log;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        this.shutdownHook = new Thread(this::kill, "bench-server-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts {@code java [jvmOptions] -p <the server's module path> -m app} with {@code env} added to this process's
     * environment (less any API_TOKEN, API_AUTH and METRICS_TOKEN) and PORT/HOST set to a free port on 127.0.0.1, then
     * waits until {@code GET /health/ready} is 200.
     *
     * @throws IllegalStateException if the server exits or is not ready within {@code readyTimeout}; the message
     *                               carries the end of its log
     */
    static ServerProcess start(Map<String, String> env, List<String> jvmOptions, Path log, Duration readyTimeout) {
        return start(env, jvmOptions, log, readyTimeout, freePort(), false);
    }

    /**
     * As {@link #start(Map, List, Path, Duration)}, on a given port (an instance restarted behind a balancer), and,
     * with {@code dropRoot}, as the unprivileged account when this process is root (see {@link Unprivileged}).
     */
    static ServerProcess start(Map<String, String> env, List<String> jvmOptions, Path log, Duration readyTimeout,
                               int port, boolean dropRoot) {
        var cmd = new ArrayList<String>();
        cmd.add(javaExecutable());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-p", modulePath(), "-m", "app"));
        var pb = new ProcessBuilder(dropRoot ? Unprivileged.wrap(cmd) : cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // The drivers send no token: a token in the caller's shell must not make the server refuse their requests
        // (with one, reads need it too). HOST below is loopback, which needs none.
        pb.environment().keySet().removeAll(List.of("API_TOKEN", "API_AUTH", "METRICS_TOKEN"));
        pb.environment().putAll(env);
        pb.environment().put("PORT", Integer.toString(port));
        pb.environment().put("HOST", "127.0.0.1");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the server (" + String.join(" ", cmd) + "): " + e.getMessage(), e);
        }
        var server = new ServerProcess(p, URI.create("http://127.0.0.1:" + port), log);
        try {
            server.awaitReady(readyTimeout);
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    URI baseUri() {
        return baseUri;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int port() {
        return baseUri.getPort();
    }

    /**
     * SIGTERM (the server drains for its SHUTDOWN_DRAIN, then stops) and waits up to {@code within}.
     *
     * @return the exit code, or -1 if it was still running (it is then killed)
     */
    int terminate(Duration within) {
        process.destroy();
        try {
            if (process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
                return process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        return -1;
    }

    /** SIGKILL, as a crash would end it: no drain, no graceful stop; waits for the process to be gone. */
    void killHard() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Path log() {
        return log;
    }

    /** GET a path; a transport error becomes an {@link UncheckedIOException}. */
    HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(baseUri + path)).timeout(HEALTH_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The {@code pool} object of {@code GET /api/health} as the server wrote it, or an empty object when the server
     * does not report one.
     */
    JsonNode poolStats() {
        try {
            JsonNode pool = JSON.readTree(get("/api/health").body()).path("pool");
            if (pool.isObject()) {
                return pool;
            }
        } catch (IOException | RuntimeException e) {
            // reported as missing below
        }
        return JSON.createObjectNode();
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the server exited with status " + process.exitValue()
                        + " before it was ready; end of " + log + ":\n" + tail(log, 30));
            }
            try {
                HttpResponse<String> r = get("/health/ready");
                if (r.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + r.statusCode() + " " + r.body();
            } catch (UncheckedIOException e) {
                last = e.getMessage();
            }
            sleep(Duration.ofMillis(200));
        }
        throw new IllegalStateException("the server at " + baseUri + " was not ready within " + timeout.toSeconds()
                + " s (last: " + last + "); end of " + log + ":\n" + tail(log, 30));
    }

    /** SIGTERM, wait for a graceful stop, then SIGKILL. Idempotent. */
    @Override
    public void close() {
        kill();
        http.close();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it does the same
        }
    }

    private void kill() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * The server's module path: the system property {@code app.modulePath} ({@code ./desk bench} passes a private
     * copy of {@code app/target/modules}, so that a rebuild during the run cannot swap jars under the server), else
     * {@code app/target/modules}.
     */
    static String modulePath() {
        String mp = System.getProperty("app.modulePath");
        if (mp == null || mp.isBlank()) {
            return Path.of("app", "target", "modules").toAbsolutePath().toString();
        }
        return mp;
    }

    static int freePort() {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1: " + e.getMessage(), e);
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
