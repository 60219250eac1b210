package io.tradingdesk.loadtest;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the benchmark ran on and with: the report's Environment table, and benchmark.json's {@code environment} in
 * this order. Machine facts come from {@code /proc} and {@code /etc/os-release} ("unknown" when missing). Immutable.
 *
 * @param date               start of the measurements, UTC, ISO-8601
 * @param loadAverageAtStart 1-, 5- and 15-minute load averages then
 * @param serverCommand      how the measured server was started
 * @param modulePath         the server's module path (a private copy of app/target/modules under ./desk bench)
 * @param pgbench            pgbench's version and path, null when pgbench was not found
 * @param totalSeconds       the whole run, NaN until it is over
 * @param loadAverageAtEnd   null until the run is over
 */
record Environment(String date, String loadAverageAtStart, String plan, int nproc, String cpu, String memory,
                   String kernel, String os, String jdk, String postgresql, String database, String driver,
                   String roundsDriver, int poolSize, long warmupPooledSeconds, long warmupDirectSeconds,
                   long workloadSeconds, String serverCommand, String modulePath,
                   @JsonInclude(JsonInclude.Include.NON_NULL) String pgbench, double totalSeconds,
                   String loadAverageAtEnd) {

    /** The machine now, the database the cluster runs and the drivers chosen; the run's outcome comes later. */
    static Environment describe(Plan plan, BenchCluster cluster, LoadTool driver, LoadTool roundsDriver) {
        return new Environment(OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString(), ProcStats.loadAverage(),
                plan.name(), Runtime.getRuntime().availableProcessors(),
                firstMatch(Path.of("/proc/cpuinfo"), "model name\\s*:\\s*(.+)").orElse("unknown"),
                firstMatch(Path.of("/proc/meminfo"), "MemTotal:\\s*(\\d+) kB")
                        .map(kb -> String.format("%.1f GiB", Long.parseLong(kb) / 1024.0 / 1024.0)).orElse("unknown"),
                firstLine(Path.of("/proc/sys/kernel/osrelease")).orElse(System.getProperty("os.version")),
                firstMatch(Path.of("/etc/os-release"), "PRETTY_NAME=\"?([^\"]+)\"?").orElse("unknown"),
                System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                        + Runtime.version(),
                cluster.serverVersion(), cluster.description(), driver.name(), roundsDriver.name(), Plan.POOL_SIZE,
                plan.warmupPooled().toSeconds(), plan.warmupDirect().toSeconds(), plan.workload().toSeconds(),
                "java -p app/target/modules -m app", ServerProcess.modulePath(), null, Double.NaN, null);
    }

    /** "2 CPUs (model name), 23.5 GiB RAM", from /proc; "unknown" parts when it is not there. */
    static String machine() {
        return Runtime.getRuntime().availableProcessors() + " CPUs ("
                + firstMatch(Path.of("/proc/cpuinfo"), "model name\\s*:\\s*(.+)").orElse("unknown") + "), "
                + firstMatch(Path.of("/proc/meminfo"), "MemTotal:\\s*(\\d+) kB")
                        .map(kb -> String.format("%.1f GiB", Long.parseLong(kb) / 1024.0 / 1024.0)).orElse("unknown")
                + " RAM";
    }

    Environment withPgbench(String version) {
        return new Environment(date, loadAverageAtStart, plan, nproc, cpu, memory, kernel, os, jdk, postgresql,
                database, driver, roundsDriver, poolSize, warmupPooledSeconds, warmupDirectSeconds, workloadSeconds,
                serverCommand, modulePath, version, totalSeconds, loadAverageAtEnd);
    }

    /** This environment with the run's length and the load average at its end. */
    Environment finished(double seconds, String loadAverage) {
        return new Environment(date, loadAverageAtStart, plan, nproc, cpu, memory, kernel, os, jdk, postgresql,
                database, driver, roundsDriver, poolSize, warmupPooledSeconds, warmupDirectSeconds, workloadSeconds,
                serverCommand, modulePath, pgbench, seconds, loadAverage);
    }

    private static Optional<String> firstMatch(Path file, String regex) {
        try {
            Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(Files.readString(file));
            return m.find() ? Optional.of(m.group(1).strip()) : Optional.empty();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> firstLine(Path file) {
        try {
            return Files.readAllLines(file).stream().findFirst().map(String::strip);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
