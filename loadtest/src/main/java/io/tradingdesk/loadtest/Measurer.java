package io.tradingdesk.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Measures one load run against a running server: probes the server before and after (CPU of the server, of
 * PostgreSQL, of this JVM with the tools it waited for, and of the whole machine; the pool section of
 * {@code /api/health}; the acquire histogram of {@code /metrics}), drives the load with the selected tool in between,
 * and turns the differences into a {@link Measurement}. Used from one thread.
 */
final class Measurer {

    private final LoadTool tool;
    private final OptionalLong postmaster;
    private final Progress progress;

    /** {@code postmaster} is the cluster's pid when its CPU can be read, else empty (PostgreSQL's CPU is then NaN). */
    Measurer(LoadTool tool, OptionalLong postmaster, Progress progress) {
        this.tool = tool;
        this.postmaster = postmaster;
        this.progress = progress;
    }

    /** What the probes read at one instant; CPU figures are cumulative seconds. */
    private record Probe(long nanos, double server, double postgres, double client, double machine, JsonNode pool,
                         AcquireHistogram acquire) {
    }

    /**
     * Runs {@code workload} at {@code concurrency} for {@code duration} and measures it.
     *
     * @param name what the run is for ("simple", "stress", "round 2/5"), shown in the progress line and kept
     * @throws IllegalStateException if the server died during the run, with the end of its log
     */
    Measurement measure(ServerProcess server, String mode, String name, Workload workload, Dataset data,
                        int concurrency, Duration duration) {
        Probe before = probe(server);
        String label = "[" + mode + "] " + (name.equals(workload.label()) ? name : name + " " + workload.label())
                + " @" + concurrency;
        LoadResult r = progress.during(label, duration,
                () -> tool.run(server.baseUri(), workload, data, concurrency, duration));
        Probe after = probe(server);
        if (!server.isAlive()) {
            throw new IllegalStateException("the " + mode + " server died during " + label + "; end of its log:\n"
                    + ServerProcess.tail(server.log(), 30));
        }
        double wall = (after.nanos() - before.nanos()) / 1e9;
        double serverCores = (after.server() - before.server()) / wall;
        double postgresCores = (after.postgres() - before.postgres()) / wall;
        double clientCores = (after.client() - before.client()) / wall;
        double machineCores = (after.machine() - before.machine()) / wall;
        double known = serverCores + clientCores + (Double.isNaN(postgresCores) ? 0 : postgresCores);
        return new Measurement(mode, name, workload, r, delta(after.pool(), before.pool(), "acquisitions"),
                delta(after.pool(), before.pool(), "created"), after.acquire().meanMillisSince(before.acquire()),
                after.acquire().p99BoundMillisSince(before.acquire()), after.pool(), serverCores, postgresCores,
                clientCores, Double.isNaN(postgresCores) ? Double.NaN : Math.max(0, machineCores - known));
    }

    private Probe probe(ServerProcess server) {
        AcquireHistogram acquire;
        try {
            acquire = AcquireHistogram.parse(server.get("/metrics").body());
        } catch (RuntimeException e) {
            // no /metrics, or not in the expected shape: the acquire figures are then reported as unknown
            acquire = AcquireHistogram.NONE;
        }
        return new Probe(System.nanoTime(), ProcStats.cpuSeconds(server.pid()),
                postmaster.isPresent() ? ProcStats.clusterCpuSeconds(postmaster.getAsLong()) : Double.NaN,
                ProcStats.cpuSecondsWithReapedChildren(ProcessHandle.current().pid()), ProcStats.machineBusySeconds(),
                server.poolStats(), acquire);
    }

    private static double delta(JsonNode after, JsonNode before, String key) {
        return Measurement.poolNumber(after, key) - Measurement.poolNumber(before, key);
    }
}
