package io.tradingdesk.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tradingdesk.app.ops.Deployed.Rule;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What promtool does not check in the rules file, and what Grafana needs to import the dashboard as is. The
 * expressions themselves are checked by promtool (rules) and by a real Prometheus (dashboard, SaturationAlertIT).
 */
class DeployedFilesTest {

    @Test
    void everyAlertHasASeveritySummaryAndADescriptionSayingWhatToDo() {
        List<Rule> alerts = Deployed.rules().stream().filter(r -> r.alert() != null).toList();
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
        for (Rule alert : alerts) {
            assertThat(alert.labels().get("severity")).as("severity of %s", alert.alert()).isIn("warning", "critical");
            assertThat(alert.annotations().get("summary")).as("summary of %s", alert.alert()).isNotBlank();
            assertThat(alert.annotations().get("description")).as("description of %s", alert.alert())
                    .hasSizeGreaterThan(100);
        }
    }

    @Test
    void recordingRulesAreNamedLevelMetricOperations() {
        for (String name : Deployed.recordedNames()) {
            assertThat(name).as("recording rule name").matches("[a-z_]+:[a-z0-9_]+:[a-z0-9_]+");
        }
    }

    @Test
    void theFiringTestShortensTheSaturationAlertsDurationAndNothingElse() throws Exception {
        String text = Files.readString(Deployed.rulesFile());
        List<Rule> original = Deployed.rules(text);
        List<Rule> shortened = Deployed.rules(Deployed.withFor(text, SaturationAlertIT.ALERT, "5s"));
        assertThat(shortened).hasSameSizeAs(original);
        for (int i = 0; i < original.size(); i++) {
            Rule before = original.get(i);
            Rule after = shortened.get(i);
            if (SaturationAlertIT.ALERT.equals(before.alert())) {
                assertThat(before.forDuration()).isEqualTo("5m");
                assertThat(after.forDuration()).isEqualTo("5s");
                assertThat(after.expr()).isEqualTo(before.expr());
            } else {
                assertThat(after).isEqualTo(before);
            }
        }
    }

    @Test
    void theDashboardIsImportableWithAnyPrometheusDataSource() {
        JsonNode dashboard = Deployed.dashboard();
        assertThat(dashboard.path("schemaVersion").asInt()).as("schemaVersion").isGreaterThanOrEqualTo(39);
        assertThat(dashboard.path("uid").asText()).isEqualTo("trading-desk");
        assertThat(dashboard.path("id").isNull()).as("id is null until Grafana saves it").isTrue();
        JsonNode datasource = null;
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("name").asText().equals("datasource")) {
                datasource = variable;
            }
        }
        assertThat(datasource).as("a 'datasource' variable").isNotNull();
        assertThat(datasource.path("type").asText()).isEqualTo("datasource");
        assertThat(datasource.path("query").asText()).isEqualTo("prometheus");

        Set<Integer> ids = new HashSet<>();
        var cells = new ArrayList<int[]>();
        for (JsonNode panel : dashboard.path("panels")) {
            String title = panel.path("title").asText();
            assertThat(ids.add(panel.path("id").asInt())).as("unique id of panel '%s'", title).isTrue();
            JsonNode pos = panel.path("gridPos");
            int x = pos.path("x").asInt(), y = pos.path("y").asInt(), w = pos.path("w").asInt(), h = pos.path("h").asInt();
            assertThat(x + w).as("panel '%s' fits the 24 columns", title).isBetween(1, 24);
            for (int[] other : cells) {
                boolean overlaps = x < other[0] + other[2] && other[0] < x + w && y < other[1] + other[3] && other[1] < y + h;
                assertThat(overlaps).as("panel '%s' overlaps another", title).isFalse();
            }
            cells.add(new int[] {x, y, w, h});
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(panel.path("datasource").path("uid").asText()).as("data source of '%s'", title)
                    .isEqualTo("${datasource}");
            assertThat(panel.path("targets")).as("queries of '%s'", title).isNotEmpty();
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
            }
        }
        assertThat(ids).as("panels").hasSizeGreaterThanOrEqualTo(20);
    }

    @Test
    void everyRecordedSeriesTheDashboardReadsIsRecordedByTheRules() {
        Set<String> recorded = Deployed.recordedNames();
        Deployed.dashboardExpressions().forEach((where, expr) -> {
            for (String name : PromQl.metricNames(expr)) {
                if (name.contains(":")) {
                    assertThat(recorded).as("%s reads %s", where, name).contains(name);
                }
            }
        });
    }
}
