package io.tradingdesk.loadtest;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Everything measured for one server mode (direct or pooled). Filled by one thread, then only read. */
final class ModeResults {
    final String mode;
    Measurement warmup;
    final Map<Workload, Measurement> workloads = new EnumMap<>(Workload.class);
    Measurement stress;
    /** The report's sustained test: rounds of a fixed number of requests (LoadDriver). */
    final List<LoadResult> fixedRounds = new ArrayList<>();
    /** A timed run split into equal rounds (the selected driver). */
    final List<Measurement> timedRounds = new ArrayList<>();
    /** Point reads by concurrency, 100 and 200 being the main and the stress run. */
    final Map<Integer, Measurement> sweep = new TreeMap<>();
    Measurement profiled;
    String profileSummary;
    long peakRssKib = -1;
    double serverCpuSeconds = Double.NaN;
    double startSeconds = Double.NaN;

    ModeResults(String mode) {
        this.mode = mode;
    }

    double fixedRoundsCv() {
        return Stats.cv(fixedRounds.stream().mapToDouble(LoadResult::throughput).toArray());
    }

    /** The workloads at 100 clients and the stress run: what the connection totals and the reuse target cover. */
    List<Measurement> mainRuns() {
        var runs = new ArrayList<>(workloads.values());
        if (stress != null) {
            runs.add(stress);
        }
        return runs;
    }

    double timedRoundsCv() {
        return Stats.cv(timedRounds.stream().mapToDouble(m -> m.result().throughput()).toArray());
    }
}
