package io.tradingdesk.app.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The monitoring files users copy from {@code deploy/}: the Prometheus rules and the Grafana dashboard, read from the
 * repository the tests run in, and the PromQL in them. Immutable after loading; thread-safe.
 */
final class Deployed {
    static final String RULES = "deploy/prometheus/trading-desk.rules.yml";
    static final String DASHBOARD = "deploy/grafana/trading-desk.json";
    /** Series Prometheus makes itself (scrape health, alert state); no server exports them. */
    static final Set<String> MADE_BY_PROMETHEUS = Set.of("up", "ALERTS", "ALERTS_FOR_STATE");

    /**
     * One rule of the rules file: {@code record} or {@code alert} is set, the other null; {@code forDuration} may be
     * null; labels and annotations are empty when absent.
     */
    record Rule(String group, String record, String alert, String expr, String forDuration,
                Map<String, String> labels, Map<String, String> annotations) {
        String name() {
            return record != null ? record : alert;
        }
    }

    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*\\w+\\s*\\)\\s*$",
            Pattern.DOTALL);

    private Deployed() {
    }

    /** The repository root: the first directory up from the working directory (app/ under Maven) holding deploy/. */
    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve(RULES))) {
                return d;
            }
        }
        throw new IllegalStateException("no " + RULES + " in " + dir + " or any parent directory");
    }

    static Path rulesFile() {
        return root().resolve(RULES);
    }

    static Path dashboardFile() {
        return root().resolve(DASHBOARD);
    }

    static List<Rule> rules() {
        try {
            return rules(Files.readString(rulesFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + rulesFile(), e);
        }
    }

    /** The rules of a rules file's text. */
    static List<Rule> rules(String yaml) {
        JsonNode doc;
        try {
            doc = new YAMLMapper().readTree(yaml);
        } catch (IOException e) {
            throw new UncheckedIOException("parsing rules", e);
        }
        var out = new ArrayList<Rule>();
        for (JsonNode group : doc.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                out.add(new Rule(group.path("name").asText(), text(rule, "record"), text(rule, "alert"),
                        rule.path("expr").asText(), text(rule, "for"), strings(rule.path("labels")),
                        strings(rule.path("annotations"))));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no rules in the rules file");
        }
        return out;
    }

    static Set<String> recordedNames() {
        var names = new LinkedHashSet<String>();
        for (Rule rule : rules()) {
            if (rule.record() != null) {
                names.add(rule.record());
            }
        }
        return names;
    }

    static JsonNode dashboard() {
        return read(new ObjectMapper(), dashboardFile());
    }

    /**
     * Every PromQL expression of the dashboard, keyed by where it is (panel title and refId, annotation, variable):
     * panel targets, annotation queries, and the selector inside each query variable's {@code label_values(...)}.
     */
    static Map<String, String> dashboardExpressions() {
        JsonNode dashboard = dashboard();
        var out = new LinkedHashMap<String, String>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                out.put("panel '" + panel.path("title").asText() + "' " + target.path("refId").asText(),
                        target.path("expr").asText());
            }
        }
        for (JsonNode annotation : dashboard.path("annotations").path("list")) {
            if (annotation.hasNonNull("expr")) {
                out.put("annotation '" + annotation.path("name").asText() + "'", annotation.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (!variable.path("type").asText().equals("query")) {
                continue;
            }
            JsonNode query = variable.path("query");
            String text = query.isObject() ? query.path("query").asText() : query.asText();
            Matcher m = LABEL_VALUES.matcher(text);
            out.put("variable '" + variable.path("name").asText() + "'", m.matches() ? m.group(1) : text);
        }
        return out;
    }

    /**
     * The rules file's text with the {@code for:} of {@code alert} replaced: the firing test shortens the saturation
     * alert's five minutes to seconds. Fails if the alert has no {@code for:} line of its own.
     */
    static String withFor(String rulesText, String alert, String duration) {
        var block = Pattern.compile("(- alert: " + Pattern.quote(alert) + "\\n(?:(?!\\s*- (?:alert|record):).*\\n)*?"
                + "\\s+for: )(\\S+)");
        Matcher m = block.matcher(rulesText);
        if (!m.find()) {
            throw new IllegalStateException("alert " + alert + " has no 'for:' in " + RULES);
        }
        return rulesText.substring(0, m.start(2)) + duration + rulesText.substring(m.end(2));
    }

    private static Map<String, String> strings(JsonNode object) {
        var out = new LinkedHashMap<String, String>();
        object.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return Map.copyOf(out);
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    private static JsonNode read(ObjectMapper mapper, Path file) {
        try {
            return mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }
}
