package io.tradingdesk.loadtest;

import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of the server's {@code db_pool_acquire_seconds} histogram from {@code /metrics} (Prometheus text
 * format): its count, its sum in seconds and its cumulative buckets by upper bound in seconds. The figures are
 * totals since the server started; a run's own figures are the difference of the scrapes before and after it.
 * Immutable.
 */
record AcquireHistogram(double count, double sum, NavigableMap<Double, Double> buckets) {

    private static final Pattern SAMPLE = Pattern.compile("^db_pool_acquire_seconds_(count|sum)\\{[^}]*} ([0-9.eE+-]+)",
            Pattern.MULTILINE);
    private static final Pattern BUCKET = Pattern.compile(
            "^db_pool_acquire_seconds_bucket\\{[^}]*le=\"([^\"]+)\"[^}]*} ([0-9.eE+-]+)", Pattern.MULTILINE);

    /** What a server without the histogram (or an unreadable /metrics) gives: the run's figures become unknown. */
    static final AcquireHistogram NONE = new AcquireHistogram(Double.NaN, Double.NaN, new TreeMap<>());

    AcquireHistogram {
        buckets = Collections.unmodifiableNavigableMap(new TreeMap<>(buckets));
    }

    /** Reads the histogram out of a {@code /metrics} page; missing parts stay NaN or empty. */
    static AcquireHistogram parse(String metrics) {
        var buckets = new TreeMap<Double, Double>();
        Matcher b = BUCKET.matcher(metrics);
        while (b.find()) {
            double le = b.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(b.group(1));
            buckets.put(le, Double.parseDouble(b.group(2)));
        }
        double count = Double.NaN;
        double sum = Double.NaN;
        Matcher m = SAMPLE.matcher(metrics);
        while (m.find()) {
            double v = Double.parseDouble(m.group(2));
            if ("count".equals(m.group(1))) {
                count = v;
            } else {
                sum = v;
            }
        }
        return new AcquireHistogram(count, sum, buckets);
    }

    /** Mean acquire time in ms of the acquisitions since {@code before}; NaN when there were none or it is unknown. */
    double meanMillisSince(AcquireHistogram before) {
        double n = count - before.count;
        return n > 0 ? (sum - before.sum) / n * 1000 : Double.NaN;
    }

    /**
     * The upper bound (ms) of the bucket holding the 99th percentile of the acquisitions since {@code before}: exact
     * for that run only, whatever came earlier. NaN when there were none or the histogram is missing.
     */
    double p99BoundMillisSince(AcquireHistogram before) {
        double total = buckets.getOrDefault(Double.POSITIVE_INFINITY, Double.NaN)
                - before.buckets.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (!(total > 0)) {
            return Double.NaN;
        }
        for (var bucket : buckets.entrySet()) {
            double below = bucket.getValue() - before.buckets.getOrDefault(bucket.getKey(), 0.0);
            if (below >= 0.99 * total) {
                return bucket.getKey() * 1000;
            }
        }
        return Double.NaN;
    }
}
