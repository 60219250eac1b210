package io.tradingdesk.app.ops;

import java.util.List;
import java.util.Locale;

/**
 * Draws a {@link SaturationRun} as a stand-alone SVG (no charting library: the server's module path stays as it
 * is): callers waiting on top, connections active and idle below, over seconds since the load started, with the
 * alert's pending and firing intervals shaded across both and the load's start and stop marked. Stateless.
 */
final class SaturationChart {
    private static final int WIDTH = 960;
    private static final int LEFT = 70;
    private static final int RIGHT = 30;
    private static final int PLOT_WIDTH = WIDTH - LEFT - RIGHT;
    private static final int TOP_Y = 80;
    private static final int TOP_HEIGHT = 190;
    private static final int BOTTOM_Y = TOP_Y + TOP_HEIGHT + 30;
    private static final int BOTTOM_HEIGHT = 130;
    private static final int HEIGHT = BOTTOM_Y + BOTTOM_HEIGHT + 90;
    private static final String PENDING = "#f2b233";
    private static final String FIRING = "#d62728";
    private static final String ACTIVE = "#1f77b4";
    private static final String IDLE = "#2ca02c";
    private static final String WAITING = "#9467bd";

    private SaturationChart() {
    }

    static String svg(SaturationRun run) {
        double x0 = run.start() - run.loadStart();
        double x1 = run.end() - run.loadStart();
        var out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">%n",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        out.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        text(out, LEFT, 26, 16, "bold", "start", "Pool saturation: TradingDeskDbPoolSaturated on a real Prometheus");
        text(out, LEFT, 46, 12, "normal", "start", String.format(Locale.ROOT,
                "DB_MAX_POOL_SIZE=%d, %d clients in a closed loop on GET %s; scrape and evaluation every 1 s, "
                        + "'for' shortened to %s", run.poolSize(), run.clients(), run.route(), run.forInTest()));
        text(out, LEFT, 64, 12, "normal", "start", String.format(Locale.ROOT,
                "Alert pending %s after the load started, firing %s after it; resolved %s after the load stopped",
                seconds(run.secondsToPending()), seconds(run.secondsToFiring()), seconds(run.secondsToResolved())));

        // Headroom above the highest point, for the pending and firing labels.
        double waitingMax = niceCeiling(max(run.series().get("waiting")) * 1.2);
        double connectionsMax = run.poolSize() + 1;
        for (int[] plot : new int[][] {{TOP_Y, TOP_HEIGHT}, {BOTTOM_Y, BOTTOM_HEIGHT}}) {
            for (double[] span : run.pending()) {
                shade(out, span, run.loadStart(), x0, x1, plot[0], plot[1], PENDING);
            }
            for (double[] span : run.firing()) {
                shade(out, span, run.loadStart(), x0, x1, plot[0], plot[1], FIRING);
            }
            out.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                    + "stroke=\"#888\"/>%n", LEFT, plot[0], PLOT_WIDTH, plot[1]));
        }
        labelSpans(out, run.pending(), x0, x1, "pending", "#a66f00", run.loadStart());
        labelSpans(out, run.firing(), x0, x1, "firing", FIRING, run.loadStart());
        yAxis(out, TOP_Y, TOP_HEIGHT, waitingMax, "callers waiting");
        yAxis(out, BOTTOM_Y, BOTTOM_HEIGHT, connectionsMax, "connections");
        xAxis(out, x0, x1);
        marker(out, 0, x0, x1, "load on");
        marker(out, run.loadStop() - run.loadStart(), x0, x1, "load off");
        double maxY = BOTTOM_Y + BOTTOM_HEIGHT - (double) run.poolSize() / connectionsMax * BOTTOM_HEIGHT;
        out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#555\" "
                + "stroke-dasharray=\"6 4\"/>%n", LEFT, maxY, LEFT + PLOT_WIDTH, maxY));
        line(out, run.series().get("waiting"), run.loadStart(), x0, x1, TOP_Y, TOP_HEIGHT, waitingMax, WAITING);
        line(out, run.series().get("idle"), run.loadStart(), x0, x1, BOTTOM_Y, BOTTOM_HEIGHT, connectionsMax, IDLE);
        line(out, run.series().get("active"), run.loadStart(), x0, x1, BOTTOM_Y, BOTTOM_HEIGHT, connectionsMax, ACTIVE);
        legend(out);
        out.append("</svg>\n");
        return out.toString();
    }

    private static double x(double t, double x0, double x1) {
        return LEFT + (t - x0) / (x1 - x0) * PLOT_WIDTH;
    }

    private static void shade(StringBuilder out, double[] span, double origin, double x0, double x1, int y,
                              int height, String color) {
        double from = Math.max(LEFT, x(span[0] - origin, x0, x1));
        double to = Math.min(LEFT + PLOT_WIDTH, x(span[1] - origin, x0, x1));
        out.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
                + "fill-opacity=\"0.22\"/>%n", from, y, Math.max(1, to - from), height, color));
    }

    private static void labelSpans(StringBuilder out, List<double[]> spans, double x0, double x1, String label,
                                   String color, double origin) {
        for (double[] span : spans) {
            double middle = (x(span[0] - origin, x0, x1) + x(span[1] - origin, x0, x1)) / 2;
            out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" font-weight=\"bold\" "
                    + "text-anchor=\"middle\" fill=\"%s\" stroke=\"white\" stroke-width=\"3\" "
                    + "paint-order=\"stroke\">%s</text>%n", middle, TOP_Y + 14, color, escape(label)));
        }
    }

    private static void line(StringBuilder out, List<double[]> samples, double origin, double x0, double x1, int y,
                             int height, double yMax, String color) {
        if (samples == null || samples.isEmpty()) {
            return;
        }
        var points = new StringBuilder();
        for (double[] sample : samples) {
            double value = Math.min(sample[1], yMax);
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(sample[0] - origin, x0, x1),
                    y + height - value / yMax * height));
        }
        out.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                + "stroke-linejoin=\"round\"/>%n", points.toString().trim(), color));
    }

    private static void yAxis(StringBuilder out, int y, int height, double yMax, String label) {
        int steps = (int) Math.round(yMax / tickStep(yMax));
        for (int i = 0; i <= steps; i++) {
            double value = yMax * i / steps;
            double py = y + height - (double) i / steps * height;
            out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>%n",
                    LEFT + 1, py, LEFT + PLOT_WIDTH - 1, py));
            text(out, LEFT - 6, py + 4, 11, "normal", "end", String.format(Locale.ROOT, "%.0f", value));
        }
        double cy = y + height / 2.0;
        out.append(String.format(Locale.ROOT, "<text x=\"18\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 18 %.1f)\">%s</text>%n", cy, cy, escape(label)));
    }

    private static void xAxis(StringBuilder out, double x0, double x1) {
        double span = x1 - x0;
        int tick = span > 120 ? 20 : span > 60 ? 10 : 5;
        int bottom = BOTTOM_Y + BOTTOM_HEIGHT;
        for (int t = (int) Math.ceil(x0 / tick) * tick; t <= x1; t += tick) {
            double px = x(t, x0, x1);
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#888\"/>%n",
                    px, bottom, px, bottom + 5));
            text(out, px, bottom + 18, 11, "normal", "middle", Integer.toString(t));
        }
        text(out, LEFT + PLOT_WIDTH / 2.0, bottom + 36, 12, "normal", "middle", "seconds since the load started");
    }

    private static void marker(StringBuilder out, double t, double x0, double x1, String label) {
        double px = x(t, x0, x1);
        out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\" "
                + "stroke-dasharray=\"3 3\"/>%n", px, TOP_Y, px, BOTTOM_Y + BOTTOM_HEIGHT));
        text(out, px + 4, BOTTOM_Y - 8, 11, "normal", "start", label);
    }

    private static void legend(StringBuilder out) {
        int y = HEIGHT - 22;
        double x = LEFT;
        String[][] items = {{WAITING, "line", "waiting (db_pool_connections_waiting)"},
                {ACTIVE, "line", "active"}, {IDLE, "line", "idle"}, {"#555", "dash", "DB_MAX_POOL_SIZE"},
                {PENDING, "box", "alert pending"}, {FIRING, "box", "alert firing"}};
        for (String[] item : items) {
            if (item[1].equals("box")) {
                out.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"18\" height=\"10\" fill=\"%s\" "
                        + "fill-opacity=\"0.35\"/>%n", x, y - 9, item[0]));
            } else {
                out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
                        + "stroke-width=\"2\"%s/>%n", x, y - 4, x + 18, y - 4, item[0],
                        item[1].equals("dash") ? " stroke-dasharray=\"6 4\"" : ""));
            }
            text(out, x + 24, y, 11, "normal", "start", item[2]);
            x += 24 + item[2].length() * 6.4 + 18;
        }
    }

    private static void text(StringBuilder out, double x, double y, int size, String weight, String anchor, String s) {
        text(out, x, y, size, weight, anchor, s, "#222");
    }

    private static void text(StringBuilder out, double x, double y, int size, String weight, String anchor, String s,
                             String color) {
        out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" font-weight=\"%s\" "
                + "text-anchor=\"%s\" fill=\"%s\">%s</text>%n", x, y, size, weight, anchor, color, escape(s)));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String seconds(Double value) {
        return value == null ? "never" : String.format(Locale.ROOT, "%.1f s", value);
    }

    private static double max(List<double[]> samples) {
        double max = 0;
        if (samples != null) {
            for (double[] sample : samples) {
                max = Math.max(max, sample[1]);
            }
        }
        return max;
    }

    /** The smallest multiple of {@link #tickStep} at or above {@code value} (at least 5). */
    private static double niceCeiling(double value) {
        double v = Math.max(5, value);
        double step = tickStep(v);
        return Math.ceil(v / step) * step;
    }

    /** 1, 2 or 5 times a power of ten, giving at most 6 ticks up to {@code top}. */
    private static double tickStep(double top) {
        double power = Math.pow(10, Math.floor(Math.log10(Math.max(1, top / 6))));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (top / (m * power) <= 6) {
                return m * power;
            }
        }
        return 10 * power;
    }
}
