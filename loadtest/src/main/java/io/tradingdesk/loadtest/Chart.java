package io.tradingdesk.loadtest;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * {@code throughput-p99.png}: throughput (top) and p99 latency (bottom) of point reads against concurrency, for
 * both modes and pgbench, on logarithmic value axes because direct and pooled differ by orders of magnitude.
 * Needs {@code java.awt.headless=true} when there is no display. Stateless.
 */
final class Chart {

    private static final Color POOLED = new Color(0x1f77b4);
    private static final Color DIRECT = new Color(0xd62728);
    private static final Color PGBENCH = new Color(0x7f7f7f);

    private Chart() {
    }

    static void write(Path file, ModeResults direct, ModeResults pooled, Map<Integer, LoadResult> pgbench) {
        var throughput = new XYSeriesCollection();
        var p99 = new XYSeriesCollection();
        throughput.addSeries(series("pooled", pooled, r -> r.throughput()));
        throughput.addSeries(series("direct", direct, r -> r.throughput()));
        p99.addSeries(series("pooled", pooled, LoadResult::p99Millis));
        p99.addSeries(series("direct", direct, LoadResult::p99Millis));
        if (!pgbench.isEmpty()) {
            throughput.addSeries(series("pgbench -S", pgbench, LoadResult::throughput));
            p99.addSeries(series("pgbench -S", pgbench, LoadResult::p99Millis));
        }
        var domain = new NumberAxis("concurrent clients");
        domain.setRange(0, 210);
        var plot = new CombinedDomainXYPlot(domain);
        plot.setGap(12);
        plot.add(subplot(throughput, "throughput (req/s, log)", true), 1);
        plot.add(subplot(p99, "p99 latency (ms, log)", false), 1);
        var chart = new JFreeChart("Point reads: throughput and p99 vs concurrency",
                new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        try {
            ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 750);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static XYPlot subplot(XYSeriesCollection data, String label, boolean inLegend) {
        var axis = new LogAxis(label);
        axis.setSmallestValue(0.01);
        axis.setTickUnit(new NumberTickUnit(1.0)); // one tick per power of ten, labelled as plain numbers
        axis.setMinorTickCount(9);
        axis.setMinorTickMarksVisible(true);
        axis.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
        var renderer = new XYLineAndShapeRenderer(true, true);
        Color[] colors = {POOLED, DIRECT, PGBENCH};
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, colors[i]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesVisibleInLegend(i, inLegend);
        }
        var plot = new XYPlot(data, null, axis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return plot;
    }

    private static XYSeries series(String name, ModeResults mode, ToDoubleFunction<LoadResult> value) {
        var s = new XYSeries(name);
        mode.sweep.forEach((level, m) -> add(s, level, value.applyAsDouble(m.result())));
        return s;
    }

    private static XYSeries series(String name, Map<Integer, LoadResult> results, ToDoubleFunction<LoadResult> value) {
        var s = new XYSeries(name);
        results.forEach((level, r) -> add(s, level, value.applyAsDouble(r)));
        return s;
    }

    private static void add(XYSeries s, int x, double y) {
        if (y > 0 && !Double.isNaN(y) && !Double.isInfinite(y)) {
            s.add(x, y);
        }
    }
}
