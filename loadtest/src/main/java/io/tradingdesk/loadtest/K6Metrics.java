package io.tradingdesk.loadtest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The samples of one k6-like run ({@link K6Runner}), kept as k6 keeps them: every sample is a metric name, a tag set
 * and a value, and a threshold aggregates the samples of the sub-metric it selects (all samples whose tags include
 * the selector's). The metric types and their aggregations are k6's: a trend has avg, min, max, med and p(N) with
 * k6's interpolation between ranks; a rate has rate; a counter has count and rate.
 *
 * <p>Thread-safety: samples are added through {@link Recorder}s, each used by one thread at a time (one per virtual
 * user), and registered here thread-safely; {@link #aggregate} is meant for after the run, once every recorder is
 * done.
 */
final class K6Metrics {

    /** k6's metric types, as far as thresholds see them. */
    enum Type {
        TREND, RATE, COUNTER
    }

    /** The metrics the scripts' thresholds use: k6's built-in ones and the scripts' custom ones (k6/metrics). */
    static final Map<String, Type> TYPES = Map.of(
            "http_req_duration", Type.TREND,
            "http_req_failed", Type.RATE,
            "http_reqs", Type.COUNTER,
            "checks", Type.RATE,
            "dropped_iterations", Type.COUNTER,
            "iterations", Type.COUNTER,
            "pool_exhausted_503", Type.COUNTER,
            "trade_flow_duration", Type.TREND,
            "trades_executed", Type.COUNTER);

    /** One sample; the tag map is shared between samples and never modified. */
    record Sample(String metric, Map<String, String> tags, double value) {
    }

    /** Adds samples for one thread at a time; registered with its store when created. */
    static final class Recorder {
        private final List<Sample> samples = new ArrayList<>();

        void add(String metric, Map<String, String> tags, double value) {
            samples.add(new Sample(metric, tags, value));
        }
    }

    /**
     * What the samples of one sub-metric aggregate to. Immutable.
     *
     * @param count   samples (for a counter: their sum)
     * @param sorted  the values in ascending order (trends only, else empty)
     * @param sum     sum of the values
     * @param seconds the run's length, for a counter's rate
     */
    record Aggregate(Type type, long count, double[] sorted, double sum, double seconds) {

        /**
         * The aggregation a threshold names: avg, min, max, med, p (with {@code percentile}), rate or count.
         *
         * @throws IllegalArgumentException when the metric's type has no such aggregation (k6 refuses to start)
         */
        double value(String method, double percentile) {
            return switch (type) {
                case TREND -> switch (method) {
                    case "avg" -> count == 0 ? 0 : sum / count;
                    case "min" -> count == 0 ? 0 : sorted[0];
                    case "max" -> count == 0 ? 0 : sorted[sorted.length - 1];
                    case "med" -> percentile(sorted, 50);
                    case "p" -> percentile(sorted, percentile);
                    default -> throw unsupported(method);
                };
                case RATE -> switch (method) {
                    case "rate" -> count == 0 ? 0 : sum / count;
                    default -> throw unsupported(method);
                };
                case COUNTER -> switch (method) {
                    case "count" -> sum;
                    case "rate" -> seconds > 0 ? sum / seconds : 0;
                    default -> throw unsupported(method);
                };
            };
        }

        private IllegalArgumentException unsupported(String method) {
            return new IllegalArgumentException("a " + type.name().toLowerCase() + " has no aggregation " + method);
        }
    }

    private final ConcurrentLinkedQueue<Recorder> recorders = new ConcurrentLinkedQueue<>();
    private volatile double seconds;

    /** A recorder for one thread (one virtual user), registered here. */
    Recorder recorder() {
        var r = new Recorder();
        recorders.add(r);
        return r;
    }

    /** The run's length, for counters' rates. */
    void runSeconds(double s) {
        this.seconds = s;
    }

    /** The type of a metric the thresholds may name. */
    static Type type(String metric) {
        Type t = TYPES.get(metric);
        if (t == null) {
            throw new IllegalArgumentException("unknown metric " + metric + " (known: " + TYPES.keySet() + ")");
        }
        return t;
    }

    /** Every sample of {@code metric} whose tags include all of {@code selector}'s, aggregated. */
    Aggregate aggregate(String metric, Map<String, String> selector) {
        Type type = type(metric);
        double sum = 0;
        long n = 0;
        double[] values = type == Type.TREND ? new double[1024] : new double[0];
        for (Recorder r : recorders) {
            for (Sample s : r.samples) {
                if (!s.metric().equals(metric) || !matches(s.tags(), selector)) {
                    continue;
                }
                if (type == Type.TREND) {
                    if (n == values.length) {
                        values = Arrays.copyOf(values, values.length * 2);
                    }
                    values[(int) n] = s.value();
                }
                sum += s.value();
                n++;
            }
        }
        double[] sorted = type == Type.TREND ? Arrays.copyOf(values, (int) n) : values;
        Arrays.sort(sorted);
        return new Aggregate(type, type == Type.COUNTER ? (long) sum : n, sorted, sum, seconds);
    }

    private static boolean matches(Map<String, String> tags, Map<String, String> selector) {
        for (var e : selector.entrySet()) {
            if (!e.getValue().equals(tags.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * k6's percentile of a trend (metrics.TrendSink.P): linear interpolation between the two closest ranks of the
     * sorted values, 0 for no values.
     */
    static double percentile(double[] sorted, double pct) {
        int n = sorted.length;
        if (n == 0) {
            return 0;
        }
        if (n == 1) {
            return sorted[0];
        }
        double i = pct / 100.0 * (n - 1);
        double lower = sorted[(int) Math.floor(i)];
        double upper = sorted[(int) Math.ceil(i)];
        return lower + (upper - lower) * (i - Math.floor(i));
    }
}
