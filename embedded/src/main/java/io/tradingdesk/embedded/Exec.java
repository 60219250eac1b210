package io.tradingdesk.embedded;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a short-lived command (initdb, pg_ctl, id) to completion and collects its output. Thread-safe. */
final class Exec {

    /** The exit code and everything the command wrote, stderr merged into stdout. */
    record Result(int exitCode, String output) {
    }

    private Exec() {
    }

    /**
     * Runs {@code command} in {@code /} (the JVM's working directory may not be readable by the server user), with
     * stdin empty and without the inherited {@code PG*} variables (they would point initdb and pg_ctl elsewhere).
     *
     * @throws IllegalStateException if it does not finish within {@code timeout} (it is then killed), or this
     *                               thread is interrupted (the interrupt is restored)
     */
    static Result run(List<String> command, Duration timeout) {
        return run(command, timeout, Map.of());
    }

    /** {@link #run(List, Duration)} with {@code environment} added (e.g. PGPASSWORD, which stays off the command line). */
    static Result run(List<String> command, Duration timeout, Map<String, String> environment) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(new File("/"))
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        builder.environment().putAll(environment);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not run " + command.get(0) + ": " + e.getMessage(), e);
        }
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofPlatform().daemon().name("embedded-postgres-exec").start(() -> {
            try (InputStream in = process.getInputStream()) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                synchronized (output) {
                    output.append(text);
                }
            } catch (IOException killed) {
                // the process was killed after a timeout: what it wrote so far is not needed
            }
        });
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("Timed out after " + timeout + " running " + String.join(" ", command));
            }
            reader.join(5_000);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + command.get(0), e);
        }
        synchronized (output) {
            return new Result(process.exitValue(), output.toString());
        }
    }
}
