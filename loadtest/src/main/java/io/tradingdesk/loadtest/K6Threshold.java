package io.tradingdesk.loadtest;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One k6 threshold: a sub-metric ({@code http_req_duration{kind:simple,phase:measure}}) and one expression
 * ({@code p(95)<250}), parsed as k6 parses them (metrics.ParseMetricName and the grammar of
 * metrics/thresholds_parser.go), and judged against a run's {@link K6Metrics} as k6 judges it. Immutable.
 *
 * @param key        the threshold's key as the script writes it
 * @param metric     the metric name without tags
 * @param selector   the tags the sub-metric selects, in the key's order
 * @param expression the expression as written
 * @param method     avg, min, max, med, p, rate, count or value
 * @param percentile the N of p(N), else NaN
 * @param operator   {@code <, <=, >, >=, ==, ===, !=}
 * @param limit      the number on the right
 */
record K6Threshold(String key, String metric, Map<String, String> selector, String expression, String method,
                   double percentile, String operator, double limit) {

    private static final Pattern KEY = Pattern.compile(
            "^([a-z_][a-z0-9_]*)(?:\\{([a-z_]+:[^{}:,]+(?:,[a-z_]+:[^{}:,]+)*)})?$");
    private static final Pattern EXPRESSION = Pattern.compile(
            "^(avg|min|max|med|count|rate|value|p\\((\\d+(?:\\.\\d+)?)\\)) *(<=|<|>=|>|===|==|!=) *(\\d+(?:\\.\\d+)?)$");

    /**
     * What one threshold came to in a run. Immutable.
     *
     * @param observed the aggregated value the expression tests
     * @param samples  how many samples the sub-metric had
     */
    record Outcome(K6Threshold threshold, double observed, long samples, boolean passed) {

        /**
         * How far the observed value is from the limit, as the share of the limit still unused: 0.4 = the observed
         * value is 40 % below an upper limit. NaN for limits of 0 (rate==0, count==0) and for lower bounds.
         */
        double headroom() {
            boolean upper = threshold.operator().startsWith("<");
            return upper && threshold.limit() > 0 ? 1 - observed / threshold.limit() : Double.NaN;
        }
    }

    /**
     * Parses one threshold as k6 does at start-up.
     *
     * @throws IllegalArgumentException for what k6 would refuse: a malformed key or expression, an unknown metric, or
     *                                  an aggregation the metric's type does not have (p(95) of a rate)
     */
    static K6Threshold parse(String key, String expression) {
        Matcher k = KEY.matcher(key);
        if (!k.matches()) {
            throw new IllegalArgumentException("not a k6 metric selector: " + key);
        }
        var selector = new LinkedHashMap<String, String>();
        if (k.group(2) != null) {
            for (String pair : k.group(2).split(",")) {
                int colon = pair.indexOf(':');
                selector.put(pair.substring(0, colon), pair.substring(colon + 1));
            }
        }
        Matcher e = EXPRESSION.matcher(expression);
        if (!e.matches()) {
            throw new IllegalArgumentException(key + ": not a k6 threshold expression: " + expression);
        }
        String method = e.group(1).startsWith("p(") ? "p" : e.group(1);
        var threshold = new K6Threshold(key, k.group(1), Collections.unmodifiableMap(selector), expression, method,
                e.group(2) == null ? Double.NaN : Double.parseDouble(e.group(2)), e.group(3),
                Double.parseDouble(e.group(4)));
        // The metric's type must have the aggregation; k6 refuses to start otherwise.
        new K6Metrics.Aggregate(K6Metrics.type(threshold.metric()), 0, new double[0], 0, 0)
                .value(method, threshold.percentile());
        return threshold;
    }

    /** Judges this threshold on a finished run's samples. */
    Outcome judge(K6Metrics metrics) {
        K6Metrics.Aggregate a = metrics.aggregate(metric, selector);
        double observed = a.value(method, percentile);
        return new Outcome(this, observed, a.count(), holds(observed));
    }

    /** Whether {@code observed} satisfies the expression. */
    boolean holds(double observed) {
        return switch (operator) {
            case "<" -> observed < limit;
            case "<=" -> observed <= limit;
            case ">" -> observed > limit;
            case ">=" -> observed >= limit;
            case "==", "===" -> observed == limit;
            case "!=" -> observed != limit;
            default -> throw new IllegalStateException("operator " + operator);
        };
    }
}
