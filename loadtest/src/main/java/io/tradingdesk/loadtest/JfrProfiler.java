package io.tradingdesk.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Profiles the pooled server when a full run misses a throughput or latency target against pgbench (or when
 * {@code --profile} asks): point reads at {@value Plan#CONCURRENCY} clients under JFR's profile settings, then the
 * hottest methods and the GC pauses as {@code jfr view} prints them. A failure becomes a note of the report, never an
 * error of the run. Used from one thread.
 */
final class JfrProfiler {

    /** The recording, next to the report. */
    static final String RECORDING = "pooled-point.jfr";

    private final Options options;
    private final Map<Integer, LoadResult> pgbench;
    private final Measurer measurer;
    private final Duration duration;
    private final Path outDir;
    private final Progress progress;
    private final List<String> notes;

    JfrProfiler(Options options, Map<Integer, LoadResult> pgbench, Measurer measurer, Duration duration, Path outDir,
                Progress progress, List<String> notes) {
        this.options = options;
        this.pgbench = pgbench;
        this.measurer = measurer;
        this.duration = duration;
        this.outDir = outDir;
        this.progress = progress;
        this.notes = notes;
    }

    /**
     * Whether to profile the pooled server: always with {@code --profile}, never in a quick run, else when its point
     * reads reach less than 0.8x pgbench's throughput or more than 2.5x its p99.
     */
    boolean wanted(ModeResults pooled) {
        if (options.profile()) {
            return true;
        }
        if (options.quick()) {
            return false;
        }
        LoadResult ceiling = pgbench.get(Plan.CONCURRENCY);
        Measurement point = pooled.workloads.get(Workload.POINT);
        return ceiling != null && point != null && (point.result().throughput() < 0.8 * ceiling.throughput()
                || point.result().p99Millis() > 2.5 * ceiling.p99Millis());
    }

    /** Records point reads, then fills {@code mode.profiled} and {@code mode.profileSummary}. */
    void profile(ServerProcess server, ModeResults mode, Dataset data) {
        Path jdkBin = Path.of(ServerProcess.javaExecutable()).getParent();
        Path jfrFile = outDir.resolve(RECORDING);
        progress.say("[pooled] profiling point reads @" + Plan.CONCURRENCY + " with JFR for " + duration.toSeconds()
                + " s -> " + jfrFile);
        try {
            Files.deleteIfExists(jfrFile);
            String started = exec(List.of(jdkBin.resolve("jcmd").toString(), Long.toString(server.pid()), "JFR.start",
                    "name=bench", "settings=profile", "duration=" + (duration.toSeconds() + 2) + "s",
                    "filename=" + jfrFile), Duration.ofSeconds(30));
            if (!started.contains("Started recording")) {
                notes.add("JFR could not be started: " + started.strip());
                return;
            }
            mode.profiled = measurer.measure(server, mode.mode, "profiled", Workload.POINT, data, Plan.CONCURRENCY,
                    duration);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && !(Files.exists(jfrFile) && Files.size(jfrFile) > 0)) {
                ServerProcess.sleep(Duration.ofMillis(500));
            }
            ServerProcess.sleep(Duration.ofSeconds(1)); // the file is written in one go at the end of the recording
            String hot = exec(List.of(jdkBin.resolve("jfr").toString(), "view", "--width", "150", "hot-methods",
                    jfrFile.toString()), Duration.ofSeconds(60));
            String gc = exec(List.of(jdkBin.resolve("jfr").toString(), "view", "--width", "150", "gc-pauses",
                    jfrFile.toString()), Duration.ofSeconds(60));
            mode.profileSummary = hot.strip() + "\n\n" + gc.strip();
        } catch (IOException | RuntimeException e) {
            notes.add("JFR profile failed: " + e.getMessage());
        }
    }

    private static String exec(List<String> cmd, Duration timeout) {
        return Command.run(cmd, timeout).output();
    }
}
