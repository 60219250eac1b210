package io.tradingdesk.app.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one saturation run recorded: its set-up, the moments the test saw (unix seconds; null when it never happened),
 * Prometheus's series over the run at a 1 s step (pool active, idle, waiting, the saturation record) and the
 * alert's pending and firing intervals. Written as saturation.json and drawn by {@link SaturationChart}. Immutable.
 */
record SaturationRun(
        int poolSize,
        int clients,
        String route,
        String forInTest,
        double start,
        double loadStart,
        Double pendingAt,
        Double firingAt,
        double loadStop,
        Double resolvedAt,
        double end,
        Map<Integer, Long> answersByStatus,
        Map<String, List<double[]>> series,
        List<double[]> pending,
        List<double[]> firing) {

    Double secondsToPending() {
        return pendingAt == null ? null : pendingAt - loadStart;
    }

    Double secondsToFiring() {
        return firingAt == null ? null : firingAt - loadStart;
    }

    Double secondsToResolved() {
        return resolvedAt == null ? null : resolvedAt - loadStop;
    }

    /** Contiguous runs of samples (gaps up to 1.5 steps) as [from, to) intervals, each extended by one step. */
    static List<double[]> spans(List<double[]> samples, double step) {
        var out = new ArrayList<double[]>();
        double from = Double.NaN;
        double last = Double.NaN;
        for (double[] sample : samples) {
            double t = sample[0];
            if (!Double.isNaN(last) && t - last > 1.5 * step) {
                out.add(new double[] {from, last + step});
                from = Double.NaN;
            }
            if (Double.isNaN(from)) {
                from = t;
            }
            last = t;
        }
        if (!Double.isNaN(from)) {
            out.add(new double[] {from, last + step});
        }
        return out;
    }

    void writeJson(Path file) throws IOException {
        var doc = new LinkedHashMap<String, Object>();
        doc.put("setup", Map.of("poolSize", poolSize, "clients", clients, "route", route,
                "saturationAlertForInTest", forInTest, "scrapeAndEvaluationIntervalSeconds", 1));
        var moments = new LinkedHashMap<String, Object>();
        moments.put("start", start);
        moments.put("loadStart", loadStart);
        moments.put("pending", pendingAt);
        moments.put("firing", firingAt);
        moments.put("loadStop", loadStop);
        moments.put("resolved", resolvedAt);
        moments.put("end", end);
        doc.put("moments", moments);
        var durations = new LinkedHashMap<String, Object>();
        durations.put("loadStartToPendingSeconds", secondsToPending());
        durations.put("loadStartToFiringSeconds", secondsToFiring());
        durations.put("loadStopToResolvedSeconds", secondsToResolved());
        doc.put("durations", durations);
        doc.put("answersByStatus", answersByStatus);
        doc.put("series", series);
        doc.put("alertPending", pending);
        doc.put("alertFiring", firing);
        Files.createDirectories(file.getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), doc);
    }
}
