package io.tradingdesk.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * A busy-loop process ({@code sh -c 'while :; do :; done'}) that takes up to one core for as long as it runs: the
 * stand-in for k6's own CPU when the Java driver plays k6 (k6 with 100 VUs takes a large part of one core on the
 * 2-core machines this project is built on). Not pinned: like k6's threads it competes with the server and
 * PostgreSQL on both cores for one core's share. {@link #close()} stops it by its own pid; a shutdown hook does the
 * same if the JVM dies first. Not thread-safe.
 */
final class CpuHog implements AutoCloseable {

    private final Process process;
    private final Thread shutdownHook;

    private CpuHog(Process process) {
        this.process = process;
        this.shutdownHook = new Thread(process::destroyForcibly, "cpu-hog-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    static CpuHog start() {
        try {
            return new CpuHog(new ProcessBuilder("sh", "-c", "while :; do :; done")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the CPU hog (sh): " + e.getMessage(), e);
        }
    }

    long pid() {
        return process.pid();
    }

    /** CPU seconds the hog has used so far (NaN once it is gone). */
    double cpuSeconds() {
        return ProcStats.cpuSeconds(process.pid());
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it does the same
        }
    }
}
