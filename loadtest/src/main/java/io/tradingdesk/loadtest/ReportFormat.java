package io.tradingdesk.loadtest;

import java.util.Locale;
import java.util.TreeMap;

/**
 * How the Markdown report writes numbers: latencies with three significant digits or so, counts and rates with
 * thousands separators, "n/a" for what was not measured (NaN). Locale-independent. Stateless.
 */
final class ReportFormat {

    private ReportFormat() {
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    static String ms(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        return a >= 100 ? f("%.0f", v) : a >= 10 ? f("%.1f", v) : a >= 1 ? f("%.2f", v) : f("%.3f", v);
    }

    static String num(double v) {
        return Double.isNaN(v) ? "n/a" : f("%,.0f", v);
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : f("%.2f %%", v * 100);
    }

    static String mib(long kib) {
        return kib < 0 ? "n/a" : f("%.0f MiB", kib / 1024.0);
    }

    /** Latency change from before to after as a percentage (negative = faster). */
    static String faster(double before, double after) {
        if (Double.isNaN(before) || Double.isNaN(after) || before == 0) {
            return "n/a";
        }
        return f("%+.0f %%", (after - before) / before * 100);
    }

    /** The failures of a run by kind, sorted (" {503=5, read=2}"), or "" when there were none. */
    static String failureDetail(LoadResult r) {
        return r.failures().isEmpty() ? "" : " " + new TreeMap<>(r.failures());
    }

    /** One row of a two-column table. */
    static void row(StringBuilder md, String k, Object v) {
        md.append("| ").append(k).append(" | ").append(v).append(" |\n");
    }
}
