package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Java runs are the k6 scripts' runs: the scenarios {@link K6Script} drives and the thresholds it judges are
 * those of the scripts themselves, as Node evaluates their options (test/print-options.js with the k6 stand-ins of
 * test/). Needs Node.js; skipped without it, except in CI.
 */
class K6ScriptTest {

    private static final Path K6 = Path.of(System.getProperty("loadtest.k6Dir", "k6")).toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");
    private static final List<String> DURATION_FIELDS = List.of("duration", "gracefulStop", "startTime", "maxDuration",
            "gracefulRampDown", "timeUnit");

    @Test
    void every_script_is_run_with_the_scenarios_and_judged_by_the_thresholds_of_its_options() throws Exception {
        JsonNode options = scriptOptions();
        K6Limits limits = K6Limits.read(K6);
        for (K6Script script : K6Script.values()) {
            JsonNode js = options.get(script.scriptName());
            assertThat(js).as(script.scriptName()).isNotNull();

            ObjectNode expected = JSON.createObjectNode();
            for (K6Scenario s : script.scenarios(1)) {
                expected.set(s.name(), JSON.valueToTree(s.describe()));
            }
            ObjectNode actual = JSON.createObjectNode();
            js.get("scenarios").properties().forEach(e -> actual.set(e.getKey(), normalise(e.getValue())));
            assertThat(JSON.readTree(actual.toString())).as(script.scriptName() + " scenarios")
                    .isEqualTo(JSON.readTree(expected.toString()));

            Map<String, List<String>> thresholds = JSON.convertValue(js.get("thresholds"),
                    JSON.getTypeFactory().constructMapType(Map.class, JSON.constructType(String.class),
                            JSON.getTypeFactory().constructCollectionType(List.class, String.class)));
            assertThat(script.thresholds(limits)).as(script.scriptName() + " thresholds").isEqualTo(thresholds);
            assertThat(script.parsedThresholds(limits)).isNotEmpty();
        }
    }

    @Test
    void a_given_warm_up_length_moves_the_measured_scenarios_behind_it_as_WARMUP_does_in_the_scripts() {
        List<K6Scenario> scenarios = K6Script.SUSTAINED.scenarios(1, Duration.ofSeconds(10));

        assertThat(scenarios.getFirst().executor()).isEqualTo(new K6Scenario.ConstantVus(100, Duration.ofSeconds(10),
                Duration.ofSeconds(2)));
        assertThat(scenarios.get(1).startTime()).isEqualTo(Duration.ofSeconds(12));
        assertThat(scenarios.get(5).startTime()).isEqualTo(Duration.ofSeconds(52));
        assertThat(K6Script.SUSTAINED.scenarios(1)).isEqualTo(K6Script.SUSTAINED.scenarios(1, Duration.ofSeconds(30)));
    }

    @Test
    void a_scaled_run_keeps_the_warm_up_first_and_the_measured_scenarios_after_it() {
        for (K6Script script : K6Script.values()) {
            List<K6Scenario> scenarios = script.scenarios(0.1);
            K6Scenario warmup = scenarios.getFirst();
            assertThat(warmup.phase()).isEqualTo(K6Scenario.WARMUP);
            assertThat(warmup.startTime()).isZero();
            assertThat(warmup.executor()).isEqualTo(new K6Scenario.ConstantVus(
                    warmup.executor().maxVus(), Duration.ofSeconds(3), Duration.ofMillis(200)));
            for (K6Scenario s : scenarios.subList(1, scenarios.size())) {
                assertThat(s.phase()).isEqualTo(K6Scenario.MEASURE);
                assertThat(s.startTime()).isGreaterThanOrEqualTo(warmup.end());
            }
        }
    }

    /** The script's scenario with k6 duration strings turned into milliseconds and k6's defaults made explicit. */
    private static JsonNode normalise(JsonNode scenario) {
        ObjectNode s = scenario.deepCopy();
        for (String field : DURATION_FIELDS) {
            if (s.has(field)) {
                s.put(field, millis(s.get(field).asText()));
            }
        }
        if (!s.has("startTime")) {
            s.put("startTime", 0);
        }
        if (s.has("stages")) {
            for (JsonNode stage : s.get("stages")) {
                ((ObjectNode) stage).put("duration", millis(stage.get("duration").asText()));
            }
        }
        return s;
    }

    private static long millis(String k6Duration) {
        Map<String, Double> unit = Map.of("ms", 1.0, "s", 1_000.0, "m", 60_000.0, "h", 3_600_000.0);
        Matcher m = DURATION.matcher(k6Duration);
        double total = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(1)) * unit.get(m.group(2));
        }
        return Math.round(total);
    }

    private static JsonNode scriptOptions() throws Exception {
        boolean node = LoadTool.onPath("node").isPresent();
        if (!node && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("node not found: CI must compare the k6 scripts with their Java runs");
        }
        assumeTrue(node, "node not on PATH");
        var pb = new ProcessBuilder("node", "--no-warnings", "--import", "./test/register.js", "test/print-options.js")
                .directory(K6.toFile());
        Command.Result r = Command.run(pb, Duration.ofSeconds(60));
        assertThat(r.exitCode()).as("node output:\n%s", r.output()).isZero();
        return JSON.readTree(r.output());
    }
}
