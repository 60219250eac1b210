package io.tradingdesk.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server as a user runs it: {@code <java.home>/bin/java -p target/modules -m app} in a child process with only
 * the given variables (plus PATH and HOME), stdout and stderr captured to files. Public for the tests of other
 * packages (io.tradingdesk.app.ops). Not thread-safe; one per test.
 */
public final class AppProcess implements AutoCloseable {
    /** Where `package` laid out the module path; failsafe passes it, the default suits a run from app/. */
    static final Path MODULE_PATH = Path.of(System.getProperty("app.modulePath", "target/modules")).toAbsolutePath();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * A command started in the background by a non-interactive shell (CI run as {@code bash .ci/run &}, nohup)
     * inherits SIGINT as ignored, and the JVM then leaves an ignored shutdown signal alone: the server would never see
     * the tests' SIGINT. coreutils' env (9.x on Debian 12) resets the disposition before it execs java, so the pid
     * stays the server's; without that option the server starts as it is.
     */
    private static final List<String> DEFAULT_SIGNALS = defaultSignals();

    private static List<String> defaultSignals() {
        List<String> prefix = List.of("env", "--default-signal=INT,TERM");
        try {
            var probeCommand = new ArrayList<>(prefix);
            probeCommand.add("true");
            Process probe = new ProcessBuilder(probeCommand).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0 ? prefix : List.of();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    private AppProcess(Process process, Path stdout, Path stderr, int port) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.port = port;
    }

    /** Starts the server with {@code variables}; PORT is set to a free port unless given; HOST defaults to 127.0.0.1. */
    public static AppProcess start(Path workDirectory, Map<String, String> variables) {
        try {
            Files.createDirectories(workDirectory);
            var env = new HashMap<String, String>();
            env.put("HOST", "127.0.0.1");
            env.put("PORT", Integer.toString(freePort()));
            env.put("LOG_LEVEL", "INFO");
            env.putAll(variables);
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            var command = new ArrayList<>(DEFAULT_SIGNALS);
            command.addAll(List.of(java.toString(), "-p", MODULE_PATH.toString(), "-m", "app"));
            var builder = new ProcessBuilder(command).directory(workDirectory.toFile());
            // Nothing from the developer's shell (a DATABASE_URL, say) may leak into the server under test.
            Map<String, String> childEnv = builder.environment();
            childEnv.keySet().retainAll(List.of("PATH", "HOME", "LANG", "TZ"));
            childEnv.putAll(env);
            long id = System.nanoTime();
            Path out = workDirectory.resolve("app-" + id + ".out");
            Path err = workDirectory.resolve("app-" + id + ".err");
            builder.redirectOutput(out.toFile()).redirectError(err.toFile());
            return new AppProcess(builder.start(), out, err, Integer.parseInt(env.get("PORT")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() throws IOException {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    /** Polls GET /health/ready until 200; fails with the server's output if it exits or times out first. */
    public void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the server exited with " + process.exitValue() + " before it was ready\n"
                        + output());
            }
            try {
                if (get("/health/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // keep polling
            }
            Thread.sleep(200);
        }
        throw new AssertionError("/health/ready did not answer 200 within " + READY_TIMEOUT + "\n" + output());
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return get(path, null);
    }

    /** GET with {@code Authorization: Bearer <token>} unless {@code token} is null. */
    public HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> put(String path, String json, String token) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends SIGTERM (Process.destroy) and returns the exit code; fails if the process is still alive after {@code within}. */
    int terminate(Duration within) throws InterruptedException {
        process.destroy();
        return awaitExit(within);
    }

    /** Sends SIGTERM without waiting. */
    void signalTerm() {
        process.destroy();
    }

    /** Sends SIG{@code name} (e.g. "INT") with kill(1) without waiting. */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int awaitExit(Duration within) throws InterruptedException {
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the server did not exit within " + within + "\n" + output());
        }
        return process.exitValue();
    }

    public String log() {
        return read(stdout);
    }

    String errors() {
        return read(stderr);
    }

    public String output() {
        return "--- stdout\n" + log() + "--- stderr\n" + errors();
    }

    /** Stops a server a failed test left running: SIGTERM first so it stops its PostgreSQL, then SIGKILL. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
