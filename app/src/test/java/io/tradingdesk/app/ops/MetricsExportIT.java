package io.tradingdesk.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradingdesk.app.AppProcess;
import io.tradingdesk.db.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules and the dashboard in deploy/ read only what the server exports: every metric name in their PromQL must
 * appear in a real server's /metrics, so renaming a meter breaks the build instead of silently emptying a panel or
 * disarming an alert. Recorded series count as defined by the rules file; {@code up} and {@code ALERTS} are
 * Prometheus's own.
 */
@Tag("ops")
class MetricsExportIT {
    private static final Duration TRAFFIC_LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path work;

    @Test
    void everyMetricTheRulesAndTheDashboardReadIsExportedByTheServer() throws Exception {
        Map<String, Set<String>> needed = neededNames();
        assertThat(needed).as("metric names found in the rules and the dashboard")
                .containsKeys("db_pool_acquire_seconds_bucket", "db_pool_connections_waiting",
                        "http_server_requests_seconds_bucket", "hikaricp_connections_min", "jvm_gc_pause_seconds_sum",
                        "db_pool_replica_lag_seconds", "db_pool_reads_routed_total");

        String url = TestDatabase.environmentUrl(TestDatabase.fresh("opsmetrics"));
        try (var app = AppProcess.start(work, Map.of(
                "DATABASE_URL", url,
                // The replica rules' meters exist per configured replica, whatever the node behind it: the same
                // database stands in for one here (ReadReplicaIT runs a real one).
                "DATABASE_READ_URL", url,
                "DB_READ_MIN_POOL_SIZE", "1",
                "DB_READ_MAX_POOL_SIZE", "2",
                "DB_MIN_POOL_SIZE", "2",
                "DB_MAX_POOL_SIZE", "4",
                // jvm_gc_pause_seconds exists only after the first collection: a small heap makes the traffic cause one.
                "JAVA_TOOL_OPTIONS", "-Xmx128m"));
             var traffic = new DeskTraffic(app.port())) {
            app.awaitReady();
            traffic.seed(3, 10);

            // Per-route and histogram series appear with the first request; a round of traffic, then a scrape,
            // until everything is there or the time is up.
            Set<String> exported;
            long begin = System.nanoTime();
            long deadline = begin + TRAFFIC_LIMIT.toNanos();
            int rounds = 0;
            do {
                traffic.everyRoute();
                rounds++;
                var scrape = app.get("/metrics");
                assertThat(scrape.statusCode()).isEqualTo(200);
                exported = exportedNames(scrape.body());
            } while (!exported.containsAll(needed.keySet()) && System.nanoTime() < deadline);

            var missing = new TreeMap<>(needed);
            missing.keySet().removeAll(exported);
            System.out.printf("MetricsExportIT: %d metric names read by the rules and the dashboard, %d missing from "
                            + "/metrics after %d rounds of traffic in %d ms%n", needed.size(), missing.size(), rounds,
                    (System.nanoTime() - begin) / 1_000_000);
            assertThat(missing)
                    .as("metrics read by %s or %s (with where) but not in /metrics after %d rounds of traffic; "
                            + "a meter was renamed or removed: fix the rules and the dashboard, or the meter",
                            Deployed.RULES, Deployed.DASHBOARD, rounds)
                    .isEmpty();
        }
    }

    /** Metric name -> where it is read, for every name in the rules' and the dashboard's PromQL. */
    private static Map<String, Set<String>> neededNames() {
        Set<String> recorded = Deployed.recordedNames();
        var needed = new TreeMap<String, Set<String>>();
        for (Deployed.Rule rule : Deployed.rules()) {
            add(needed, rule.expr(), "rule " + rule.name(), recorded);
        }
        Deployed.dashboardExpressions().forEach((where, expr) -> add(needed, expr, "dashboard " + where, recorded));
        return needed;
    }

    private static void add(Map<String, Set<String>> needed, String expr, String where, Set<String> recorded) {
        for (String name : PromQl.metricNames(expr)) {
            if (!recorded.contains(name) && !Deployed.MADE_BY_PROMETHEUS.contains(name)) {
                needed.computeIfAbsent(name, n -> new TreeSet<>()).add(where);
            }
        }
    }

    /** Series names in a Prometheus text exposition: the part of each sample line before its labels or value. */
    static Set<String> exportedNames(String exposition) {
        return exposition.lines()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> line.split("[{ ]", 2)[0])
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
