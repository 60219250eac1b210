package io.tradingdesk.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The raw-database ceiling: PostgreSQL's own {@code pgbench} in select-only mode ({@code -S -M prepared}, one
 * primary-key SELECT per transaction over TCP, like the service's point read without HTTP, JSON and the pool) at
 * the same concurrency as the HTTP runs, against the same cluster. Its tables live in their own database so they
 * never mix with the service's. Percentiles come from the per-transaction log ({@code -l}). Not thread-safe: one run
 * at a time.
 */
final class Pgbench {

    /** {@code pgbench -i -s 10}: 1,000,000 rows in pgbench_accounts. */
    static final int SCALE = 10;

    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");

    private final Path binary;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String database;

    Pgbench(Path binary, String host, int port, String user, String password, String database) {
        this.binary = binary;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.database = database;
    }

    /** pgbench on PATH, else in a PostgreSQL installation under /usr/lib/postgresql (newest first). */
    static Optional<Path> find() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "pgbench");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.sorted((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()))
                    .map(v -> v.resolve("bin/pgbench")).filter(Files::isExecutable).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    Path binary() {
        return binary;
    }

    String version() {
        return exec(List.of(binary.toString(), "--version"), Duration.ofSeconds(10)).output().strip();
    }

    /** {@code pgbench -i -s 10 -q}: creates and fills the pgbench tables (drops any earlier ones). */
    void init() {
        var r = exec(command("-i", "-s", Integer.toString(SCALE), "-q"), Duration.ofMinutes(5));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("pgbench -i failed (exit " + r.exitCode() + "):\n" + r.output());
        }
    }

    /**
     * {@code pgbench -S -M prepared -c <clients> -j 2 -T <seconds> -l}: throughput is pgbench's tps without the
     * initial connection time; latencies come from the transaction log.
     */
    LoadResult run(int clients, Duration duration, Path workDir) {
        return run(clients, duration, workDir, "-S");
    }

    /**
     * {@code pgbench -f <script> -M prepared ...}: a custom transaction (one per line of SQL, {@code \set} for
     * variables), measured like {@link #run(int, Duration, Path)}.
     */
    LoadResult runScript(int clients, Duration duration, Path workDir, Path script) {
        return run(clients, duration, workDir, "-f", script.toString());
    }

    private LoadResult run(int clients, Duration duration, Path workDir, String... transaction) {
        Path logDir;
        try {
            logDir = Files.createTempDirectory(workDir, "pgbench-c" + clients + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            var args = new ArrayList<>(List.of(transaction));
            args.addAll(List.of("-M", "prepared", "-c", Integer.toString(clients),
                    "-j", Integer.toString(Math.min(2, clients)), "-T", Long.toString(duration.toSeconds()),
                    "-l", "--log-prefix=" + logDir.resolve("tx")));
            var r = exec(command(args.toArray(String[]::new)), duration.plusMinutes(2));
            if (r.exitCode() != 0) {
                throw new IllegalStateException("pgbench " + transaction[0] + " -c " + clients + " failed (exit "
                        + r.exitCode() + "):\n" + r.output());
            }
            Matcher tps = TPS.matcher(r.output());
            if (!tps.find()) {
                // pgbench prints no tps when no transaction finished, e.g. when connecting all clients (scram) took
                // the whole run on a busy machine.
                throw new IllegalStateException("no transaction completed in " + duration.toSeconds() + " s (connecting "
                        + clients + " clients may have taken the whole run):\n" + r.output());
            }
            Matcher failed = FAILED.matcher(r.output());
            long failures = failed.find() ? Long.parseLong(failed.group(1)) : 0;
            long[] latencies = readLatencyNanos(logDir);
            double rate = Double.parseDouble(tps.group(1));
            Duration elapsed = Duration.ofNanos(rate > 0 ? (long) (latencies.length / rate * 1e9) : duration.toNanos());
            Map<String, Long> f = new HashMap<>();
            if (failures > 0) {
                f.put("failed transactions", failures);
            }
            return LoadResult.of(clients, latencies, f, elapsed);
        } finally {
            deleteRecursively(logDir);
        }
    }

    /** Third column of every line of every log file: the transaction's latency in microseconds. */
    private static long[] readLatencyNanos(Path dir) {
        long[] out = new long[1 << 16];
        int n = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                try (var lines = Files.lines(f)) {
                    for (String line : (Iterable<String>) lines::iterator) {
                        String[] cols = line.split(" ", 4);
                        if (cols.length < 3) {
                            continue;
                        }
                        if (n == out.length) {
                            out = Arrays.copyOf(out, n * 2);
                        }
                        out[n++] = Long.parseLong(cols[2]) * 1_000L;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pgbench logs in " + dir + ": " + e.getMessage(), e);
        }
        return Arrays.copyOf(out, n);
    }

    private List<String> command(String... args) {
        var cmd = new ArrayList<>(List.of(binary.toString(), "-h", host, "-p", Integer.toString(port), "-U", user));
        cmd.addAll(List.of(args));
        cmd.add(database);
        return cmd;
    }

    private Command.Result exec(List<String> cmd, Duration timeout) {
        var builder = new ProcessBuilder(cmd);
        if (password != null) {
            builder.environment().put("PGPASSWORD", password);
        }
        return Command.run(builder, timeout);
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a leftover temp file is harmless
                }
            });
        } catch (IOException e) {
            // same
        }
    }
}
