package io.tradingdesk.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void aSelectorIsItsMetricNameWithoutTheLabelMatchers() {
        assertThat(PromQl.metricNames("db_pool_connections_idle{job=\"x\", route=~\"/a|/b{c}\"} == bool 0"))
                .containsExactly("db_pool_connections_idle");
    }

    @Test
    void functionsAggregationsAndTheirLabelListsAreNotMetrics() {
        String expr = "histogram_quantile(0.99, sum by (job, instance, pool, le) "
                + "(rate(db_pool_acquire_seconds_bucket[5m])))";
        assertThat(PromQl.metricNames(expr)).containsExactly("db_pool_acquire_seconds_bucket");
        assertThat(PromQl.metricNames("sum(rate(a_total[1m])) without (instance) / ignoring(x) group_left(reason) b"))
                .containsExactly("a_total", "b");
    }

    @Test
    void recordingRuleNamesWithColonsAreMetricNames() {
        assertThat(PromQl.metricNames("""
                instance_pool_reason:db_pool_connections_closed:rate5m
                  / on (job, instance, pool) group_left
                instance_pool:db_pool_acquisitions:rate5m"""))
                .containsExactly("instance_pool_reason:db_pool_connections_closed:rate5m",
                        "instance_pool:db_pool_acquisitions:rate5m");
    }

    @Test
    void numbersDurationsOffsetsAndOperatorsAreNotMetrics() {
        assertThat(PromQl.metricNames("a > 1e-3 and b offset 5m < 0.5 or c * 1e6 unless d[1h30m:1m] > 0x1F"))
                .containsExactly("a", "b", "c", "d");
    }

    @Test
    void grafanaVariablesAndStringArgumentsAreSkipped() {
        assertThat(PromQl.metricNames("rate(x_sum{job=~\"$job\"}[$__rate_interval]) / ${denominator} "
                + "+ label_replace(y, \"dst\", \"$1\", \"src\", \"(.*)\")"))
                .containsExactly("x_sum", "y");
    }
}
