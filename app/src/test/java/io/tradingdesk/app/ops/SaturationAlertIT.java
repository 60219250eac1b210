package io.tradingdesk.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tradingdesk.app.AppProcess;
import io.tradingdesk.app.ops.PrometheusServer.Series;
import io.tradingdesk.db.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The saturation alert end to end: the real server (java -p ... -m app) with a pool of 2, a real Prometheus scraping
 * it every second and evaluating the real rules file, and 40 clients on the market snapshot. The alert must go
 * pending, then fire, while the load lasts, and resolve once it stops. The run's pool series and alert states, as
 * Prometheus recorded them, go to target/ops/saturation.json and are drawn in target/ops/saturation.svg (the copy in
 * docs/operations/ is one such run).
 */
@Tag("ops")
class SaturationAlertIT {
    static final String ALERT = "TradingDeskDbPoolSaturated";
    /** The rules file says 5m; a test of minutes would be skipped by everyone, so a temporary copy says this. */
    private static final String FOR_IN_TEST = "5s";
    private static final int POOL_SIZE = 2;
    private static final int CLIENTS = 40;
    private static final String ROUTE = "/api/market/snapshot";
    private static final Duration BASELINE = Duration.ofSeconds(3);
    private static final Duration FIRING_WITHIN = Duration.ofSeconds(30);
    private static final Duration FIRING_SHOWN = Duration.ofSeconds(5);
    private static final Duration RESOLVED_WITHIN = Duration.ofSeconds(20);
    private static final Duration TAIL = Duration.ofSeconds(2);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Path OUTPUT = Path.of("target", "ops");

    @TempDir
    Path work;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void saturatingAPoolOfTwoFiresTheAlertAndStoppingTheLoadResolvesIt() throws Exception {
        Path binary = PrometheusServer.binary();
        boolean ci = "true".equals(System.getenv("CI"));
        if (!ci) {
            assumeTrue(Files.isExecutable(binary), binary + " missing: apt-get install prometheus (CI requires it)");
        }
        assertThat(binary).as("prometheus binary (apt-get install prometheus)").isExecutable();

        // Only the saturation alert's duration differs from deploy/prometheus/trading-desk.rules.yml.
        Path rules = work.resolve("trading-desk.rules.yml");
        Files.writeString(rules, Deployed.withFor(Files.readString(Deployed.rulesFile()), ALERT, FOR_IN_TEST));

        try (var app = AppProcess.start(work.resolve("server"), Map.of(
                "DATABASE_URL", TestDatabase.environmentUrl(TestDatabase.fresh("opssaturation")),
                "DB_MIN_POOL_SIZE", Integer.toString(POOL_SIZE),
                "DB_MAX_POOL_SIZE", Integer.toString(POOL_SIZE),
                // Let all 40 queue (the default bound is 4 x the pool): saturation, not refusals, is under test.
                "DB_MAX_WAITING", "100",
                "LOG_LEVEL", "WARN"));
             var traffic = new DeskTraffic(app.port())) {
            app.awaitReady();
            traffic.seed(100, 90);
            Files.createDirectories(work.resolve("prometheus"));
            try (var prometheus = PrometheusServer.start(work.resolve("prometheus"), "127.0.0.1:" + app.port(), rules,
                    Duration.ofSeconds(20))) {
                prometheus.awaitTargetUp(Duration.ofSeconds(10));
                SaturationRun run = saturate(prometheus, traffic);
                report(run);

                assertThat(run.pendingAt()).as("alert pending while the load ran\n%s", prometheus.log()).isNotNull();
                assertThat(run.firingAt()).as("alert firing within %s of the load\n%s", FIRING_WITHIN, prometheus.log())
                        .isNotNull();
                assertThat(run.firingAt() - run.pendingAt()).as("seconds from pending to firing")
                        .isGreaterThanOrEqualTo(5.0 - 1.0);
                assertThat(run.resolvedAt()).as("alert resolved within %s of the load's end", RESOLVED_WITHIN)
                        .isNotNull();
                assertThat(run.answersByStatus().getOrDefault(200, 0L)).as("snapshots served during the load")
                        .isGreaterThan(CLIENTS);
                assertThat(max(run.series().get("waiting"))).as("most callers waiting, per Prometheus")
                        .isGreaterThan(1.0);
                assertThat(run.pending()).as("pending intervals recorded by Prometheus (ALERTS)").isNotEmpty();
                assertThat(run.firing()).as("firing intervals recorded by Prometheus (ALERTS)").isNotEmpty();
                assertDashboardQueriesEvaluate(prometheus);
            }
        }
    }

    /** Baseline, load until the alert fires (and a little longer), then no load until it resolves; then the record. */
    private static SaturationRun saturate(PrometheusServer prometheus, DeskTraffic traffic) throws Exception {
        double start = now();
        Thread.sleep(BASELINE.toMillis());
        assertThat(prometheus.alertState(ALERT)).as("alert state before any load").isEqualTo("inactive");

        double loadStart = now();
        ClosedLoop load = ClosedLoop.start(traffic, CLIENTS, ROUTE);
        Double pendingAt = null;
        Double firingAt = null;
        double loadStop;
        try {
            long deadline = System.nanoTime() + FIRING_WITHIN.toNanos();
            while (firingAt == null && System.nanoTime() < deadline) {
                String state = prometheus.alertState(ALERT);
                if (state.equals("pending") && pendingAt == null) {
                    pendingAt = now();
                } else if (state.equals("firing")) {
                    firingAt = now();
                }
                Thread.sleep(POLL.toMillis());
            }
            if (firingAt != null) {
                Thread.sleep(FIRING_SHOWN.toMillis());
            }
        } finally {
            load.stop();
            loadStop = now();
        }

        Double resolvedAt = null;
        if (firingAt != null) {
            long deadline = System.nanoTime() + RESOLVED_WITHIN.toNanos();
            while (resolvedAt == null && System.nanoTime() < deadline) {
                if (prometheus.alertState(ALERT).equals("inactive")) {
                    resolvedAt = now();
                } else {
                    Thread.sleep(POLL.toMillis());
                }
            }
        }
        Thread.sleep(TAIL.toMillis());
        double end = now();

        var series = new LinkedHashMap<String, List<double[]>>();
        for (String gauge : List.of("active", "idle", "waiting")) {
            series.put(gauge, only(prometheus.queryRange("db_pool_connections_" + gauge + "{job=\"trading-desk\"}",
                    start, end, 1)));
        }
        series.put("saturated", only(prometheus.queryRange("instance_pool:db_pool_saturated:bool", start, end, 1)));
        List<double[]> pending = List.of();
        List<double[]> firing = List.of();
        for (Series alert : prometheus.queryRange("ALERTS{alertname=\"" + ALERT + "\"}", start, end, 1)) {
            List<double[]> spans = SaturationRun.spans(alert.samples(), 1);
            if ("pending".equals(alert.labels().get("alertstate"))) {
                pending = spans;
            } else if ("firing".equals(alert.labels().get("alertstate"))) {
                firing = spans;
            }
        }
        return new SaturationRun(POOL_SIZE, CLIENTS, ROUTE, FOR_IN_TEST, start, loadStart, pendingAt, firingAt,
                loadStop, resolvedAt, end, load.statuses(), series, pending, firing);
    }

    private static void report(SaturationRun run) throws Exception {
        run.writeJson(OUTPUT.resolve("saturation.json"));
        Files.writeString(OUTPUT.resolve("saturation.svg"), SaturationChart.svg(run));
        System.out.printf(Locale.ROOT, "SaturationAlertIT: pending after %s s, firing after %s s (load start), "
                        + "resolved %s s after the load stopped; answers by status %s; written to %s%n",
                format(run.secondsToPending()), format(run.secondsToFiring()), format(run.secondsToResolved()),
                run.answersByStatus(), OUTPUT.toAbsolutePath());
    }

    /** Every dashboard query, with its variables filled in, is valid PromQL for this Prometheus. */
    private static void assertDashboardQueriesEvaluate(PrometheusServer prometheus) throws Exception {
        var failures = new ArrayList<String>();
        for (var entry : Deployed.dashboardExpressions().entrySet()) {
            String expr = entry.getValue().replace("$__rate_interval", "1m").replace("$job", "trading-desk")
                    .replace("$instance", ".*");
            try {
                prometheus.query(expr);
            } catch (AssertionError e) {
                failures.add(entry.getKey() + ": " + e.getMessage());
            }
        }
        assertThat(failures).as("dashboard queries Prometheus rejects").isEmpty();
    }

    private static List<double[]> only(List<Series> result) {
        assertThat(result).as("series in a range query").hasSizeLessThanOrEqualTo(1);
        return result.isEmpty() ? List.of() : result.getFirst().samples();
    }

    private static double max(List<double[]> samples) {
        return samples.stream().mapToDouble(s -> s[1]).max().orElse(0);
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    private static String format(Double seconds) {
        return seconds == null ? "never" : String.format(Locale.ROOT, "%.1f", seconds);
    }
}
