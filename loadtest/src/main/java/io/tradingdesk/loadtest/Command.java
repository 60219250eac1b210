package io.tradingdesk.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external tool (wrk, k6, pgbench, jcmd, jfr) to completion, bounded in time, with stderr folded into
 * stdout. The output goes through a temporary file so that a chatty tool can never block on a full pipe.
 */
final class Command {
    /** How a run ended: the exit code and everything the tool printed. */
    record Result(int exitCode, String output) {
    }

    private Command() {
    }

    static Result run(List<String> command, Duration timeout) {
        return run(new ProcessBuilder(command), timeout);
    }

    /** Runs {@code builder}; a tool still running after {@code timeout} is killed and reported as an error. */
    static Result run(ProcessBuilder builder, Duration timeout) {
        String tool = Path.of(builder.command().getFirst()).getFileName().toString();
        try {
            Path out = Files.createTempFile(tool + "-", ".out");
            try {
                Process process = builder.redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    throw new IllegalStateException(tool + " did not finish within " + timeout.toSeconds() + " s: "
                            + String.join(" ", builder.command()));
                }
                return new Result(process.exitValue(), Files.readString(out));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + tool + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + tool + " ran", e);
        }
    }
}
