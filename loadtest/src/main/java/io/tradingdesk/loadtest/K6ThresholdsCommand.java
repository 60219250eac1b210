package io.tradingdesk.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * {@code ./bench --k6-thresholds}: the k6 thresholds check at the scripts' own length (or {@code --scale}d), on a
 * throwaway scram-sha-256 cluster of its own (or {@code BENCH_DATABASE_URL}), a fresh server per script and the CPU
 * hog on. Writes {@code <out>/<yyyy-MM-dd>/k6-thresholds.md} and {@code .json} and prints the Markdown; exits 0 when
 * every threshold held and 99 (k6's code for failed thresholds) otherwise. Used from one thread.
 */
final class K6ThresholdsCommand {

    /** k6's exit code when a threshold failed. */
    static final int THRESHOLDS_FAILED = 99;

    private K6ThresholdsCommand() {
    }

    static int run(Options options, Progress progress) {
        long started = System.nanoTime();
        Path outDir = options.outRoot().resolve(LocalDate.now().toString()).toAbsolutePath();
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + outDir + ": " + e.getMessage(), e);
        }
        var settings = new K6ThresholdCheck.Settings(options.k6().scale(), null, options.k6().hog(), true,
                options.k6().scripts());
        String date = OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString();
        String loadAtStart = ProcStats.loadAverage();
        progress.say("k6 thresholds: " + settings.scripts().stream().map(K6Script::scriptName).toList() + ", scale "
                + settings.scale() + (settings.hog() ? ", CPU hog on" : ", no CPU hog") + " -> " + outDir);
        List<K6ThresholdCheck.ScriptResult> results;
        String database;
        try (BenchCluster cluster = BenchCluster.start()) {
            database = cluster.description() + ", " + cluster.serverVersion();
            progress.say("database: " + database);
            cluster.createDatabase("k6");
            var target = new K6ThresholdCheck.Target(cluster.serverDatabaseUrl("k6"), () -> cluster.connect("k6"),
                    cluster.postmasterPid());
            results = new K6ThresholdCheck(Path.of("loadtest", "k6"), settings, outDir, progress).run(target);
        }
        var header = new K6ThresholdReport.Header(date, Environment.machine(), database,
                System.getProperty("java.vm.vendor") + " " + Runtime.version(), loadAtStart, ProcStats.loadAverage(),
                (System.nanoTime() - started) / 1e9, settings);
        String md = K6ThresholdReport.markdown(header, results);
        write(outDir.resolve("k6-thresholds.md"), md);
        write(outDir.resolve("k6-thresholds.json"), K6ThresholdReport.json(header, results));
        System.out.println();
        System.out.println(md);
        boolean passed = results.stream().allMatch(K6ThresholdCheck.ScriptResult::passed);
        progress.say(String.format("done in %.0f s; %s; report in %s", (System.nanoTime() - started) / 1e9,
                passed ? "every threshold held" : "some thresholds FAILED (exit " + THRESHOLDS_FAILED + ")", outDir));
        return passed ? 0 : THRESHOLDS_FAILED;
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
