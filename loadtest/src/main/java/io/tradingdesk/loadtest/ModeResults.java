package io.tradingdesk.loadtest;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
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

    double timedRoundsCv() {
        return Stats.cv(timedRounds.stream().mapToDouble(m -> m.result().throughput()).toArray());
    }

    Map<String, Object> toMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put("mode", mode);
        m.put("serverStartSeconds", startSeconds);
        m.put("peakRssKib", peakRssKib);
        m.put("serverCpuSeconds", serverCpuSeconds);
        m.put("warmup", warmup == null ? null : warmup.toMap());
        var w = new LinkedHashMap<String, Object>();
        workloads.forEach((k, v) -> w.put(k.label(), v.toMap()));
        m.put("workloads", w);
        m.put("stress", stress == null ? null : stress.toMap());
        m.put("fixedRounds", fixedRounds.stream().map(LoadResult::toMap).toList());
        m.put("fixedRoundsCv", fixedRoundsCv());
        m.put("timedRounds", timedRounds.stream().map(Measurement::toMap).toList());
        m.put("timedRoundsCv", timedRoundsCv());
        var s = new LinkedHashMap<String, Object>();
        sweep.forEach((k, v) -> s.put(Integer.toString(k), v.toMap()));
        m.put("sweep", s);
        m.put("profiled", profiled == null ? null : profiled.toMap());
        m.put("profileSummary", profileSummary);
        return m;
    }
}
