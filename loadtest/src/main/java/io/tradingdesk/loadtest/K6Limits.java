package io.tradingdesk.loadtest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The k6 scripts' latency limits, read from the one place they are written: the {@code LIMITS} block of
 * {@code loadtest/k6/lib/thresholds.js}, strict JSON between the lines {@code // limits:begin} and
 * {@code // limits:end}. The methods build the same threshold expressions as the functions of that file
 * ({@code latency}, {@code percentiles}, {@code base}), so that the Java runs are judged by the numbers k6 uses.
 * Immutable.
 */
final class K6Limits {

    /** The file, relative to the k6 scripts' folder. */
    static final String FILE = "lib/thresholds.js";
    private static final String BEGIN = "// limits:begin";
    private static final String END = "// limits:end";
    private static final String DECLARATION = "export const LIMITS = ";

    private final JsonNode root;

    private K6Limits(JsonNode root) {
        this.root = root;
    }

    /**
     * Reads the block from {@code k6Dir/lib/thresholds.js}.
     *
     * @throws IllegalStateException when the markers are missing or the block is not strict JSON, naming the file
     */
    static K6Limits read(Path k6Dir) {
        Path file = k6Dir.resolve(FILE);
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    static K6Limits parse(String text, String source) {
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException(source + ": no '" + BEGIN + "' ... '" + END + "' block");
        }
        String block = text.substring(begin + BEGIN.length(), end).strip();
        if (!block.startsWith(DECLARATION) || !block.endsWith(";")) {
            throw new IllegalStateException(source + ": the block must be '" + DECLARATION + "{...};'");
        }
        String json = block.substring(DECLARATION.length(), block.length() - 1);
        try {
            JsonNode root = new ObjectMapper().readTree(json);
            if (!root.path("report").isObject() || !root.path("tail").isObject() || !root.path("checks").isNumber()) {
                throw new IllegalStateException(source + ": LIMITS needs report, checks and tail");
            }
            return new K6Limits(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(source + ": LIMITS is not strict JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The reference report's average for a request class (simple, write, complex), in ms. */
    double reportAverage(String cls) {
        return number(root.path("report").path(cls).path("avg"), "report." + cls + ".avg").doubleValue();
    }

    /** The least share of passing checks (0.999). */
    String checksRate() {
        return root.path("checks").asText();
    }

    /** {@code ['p(95)<..', 'p(99)<..']} of a script's class, as lib/thresholds.js percentiles() builds them. */
    List<String> percentiles(String script, String cls) {
        JsonNode t = root.path("tail").path(script).path(cls);
        var out = new ArrayList<String>();
        out.add("p(95)<" + number(t.path("p95"), "tail." + script + "." + cls + ".p95").asText());
        if (t.has("p99")) {
            out.add("p(99)<" + number(t.path("p99"), "tail." + script + "." + cls + ".p99").asText());
        }
        return out;
    }

    /** The report's average, then the script's percentiles, as lib/thresholds.js latency() builds them. */
    List<String> latency(String script, String cls) {
        var out = new ArrayList<String>();
        out.add("avg<" + number(root.path("report").path(cls).path("avg"), "report." + cls + ".avg").asText());
        out.addAll(percentiles(script, cls));
        return out;
    }

    private static JsonNode number(JsonNode node, String path) {
        if (!node.isNumber()) {
            throw new IllegalStateException("LIMITS." + path + " is missing or not a number");
        }
        return node;
    }
}
