package io.tradingdesk.app.resilience;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The server's own {@code /openapi.json}, read as the description of every input: which operations exist, their
 * path, query and header parameters and bodies, a valid value for each (from the schemas' examples), and values
 * each schema forbids. The hostile-input tests generate their requests from this alone, so the route declarations
 * in the api module are the one place inputs are described: a new field, limit or route is tested without a test
 * change. Values are judged by a real JSON Schema validator (networknt, OpenAPI 3.0 dialect, formats asserted).
 * Thread-safe after construction.
 */
final class ApiContract {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Reads JSON as the server does: decimals as BigDecimal, so 1 is an integer and 1.0 is not. */
    private static final ObjectMapper AS_SERVER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
    private static final ObjectMapper ESCAPING = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDialect(Dialects.getOpenApi30(),
            builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    /** A path, query or header parameter, or a field of a JSON body. */
    record Input(String name, String in, JsonNode schema, boolean required) {
        @Override
        public String toString() {
            return in + " " + name;
        }
    }

    /** One documented operation. {@code body} is the request body schema, or null. */
    record Operation(String method, String template, List<Input> parameters, JsonNode body) {
        List<Input> in(String where) {
            return parameters.stream().filter(p -> p.in().equals(where)).toList();
        }

        boolean mutating() {
            return !method.equals("GET");
        }

        /** The object schema whose fields a body test changes: the body itself, or the items of an array body. */
        JsonNode bodyObject() {
            return body.path("type").asText().equals("array") ? body.get("items") : body;
        }

        /** How {@code details.fields} names a field of {@link #bodyObject()} in the first element. */
        String fieldName(String field) {
            return body.path("type").asText().equals("array") ? "[0]." + field : field;
        }

        @Override
        public String toString() {
            return method + " " + template;
        }
    }

    private final List<Operation> operations = new ArrayList<>();

    ApiContract(JsonNode document) {
        document.get("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            JsonNode operation = op.getValue();
            var inputs = new ArrayList<Input>();
            for (JsonNode p : operation.path("parameters")) {
                inputs.add(new Input(p.get("name").asText(), p.get("in").asText(), p.get("schema"),
                        p.path("required").asBoolean()));
            }
            JsonNode body = operation.at("/requestBody/content/application~1json/schema");
            operations.add(new Operation(op.getKey().toUpperCase(Locale.ROOT), path.getKey(), List.copyOf(inputs),
                    body.isMissingNode() ? null : body));
        }));
    }

    List<Operation> operations() {
        return operations;
    }

    List<Operation> withBody() {
        return operations.stream().filter(o -> o.body() != null).toList();
    }

    /** The fields of an object schema, each with whether it is required. */
    static List<Input> fields(JsonNode objectSchema) {
        var required = new ArrayList<String>();
        objectSchema.path("required").forEach(n -> required.add(n.asText()));
        var out = new ArrayList<Input>();
        objectSchema.path("properties").properties().forEach(e ->
                out.add(new Input(e.getKey(), "body", e.getValue(), required.contains(e.getKey()))));
        return out;
    }

    /** A valid value of {@code schema}: its example, else one built from its type. */
    static JsonNode example(JsonNode schema) {
        if (schema.has("example")) {
            return schema.get("example");
        }
        if (schema.has("enum")) {
            return schema.get("enum").get(0);
        }
        if (schema.has("oneOf")) {
            return example(schema.get("oneOf").get(0));
        }
        switch (schema.path("type").asText()) {
            case "object" -> {
                ObjectNode out = NODES.objectNode();
                schema.path("properties").properties().forEach(e -> out.set(e.getKey(), example(e.getValue())));
                return out;
            }
            case "array" -> {
                ArrayNode out = NODES.arrayNode();
                out.add(example(schema.get("items")));
                return out;
            }
            case "integer" -> {
                return NODES.numberNode(schema.path("minimum").asLong(1));
            }
            case "number" -> {
                return NODES.numberNode(BigDecimal.ONE);
            }
            case "boolean" -> {
                return NODES.booleanNode(true);
            }
            default -> {
                return NODES.textNode("text");
            }
        }
    }

    /** A valid body of {@code operation}, every documented field set to its example. */
    static JsonNode validBody(Operation operation) {
        return example(operation.body());
    }

    /** {@code value} as the server's parser will see it once sent (an integral decimal becomes an integer). */
    private static JsonNode asServerReadsIt(JsonNode value) {
        try {
            return AS_SERVER.readTree(ESCAPING.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code value} is valid for {@code schema}. */
    static boolean accepts(JsonNode schema, JsonNode value) {
        Schema compiled = SCHEMAS.getSchema(schema);
        return compiled.validate(value).isEmpty() && withinExclusiveBounds(schema, value);
    }

    /**
     * OpenAPI 3.0's boolean {@code exclusiveMinimum}/{@code exclusiveMaximum} (JSON Schema draft 4), which
     * networknt's OpenAPI 3.0 dialect ignores as unknown keywords: a value equal to such a bound is outside.
     */
    private static boolean withinExclusiveBounds(JsonNode schema, JsonNode value) {
        if (!value.isNumber()) {
            return true;
        }
        BigDecimal number = value.decimalValue();
        if (schema.path("exclusiveMinimum").asBoolean(false)
                && number.compareTo(schema.get("minimum").decimalValue()) == 0) {
            return false;
        }
        return !(schema.path("exclusiveMaximum").asBoolean(false)
                && number.compareTo(schema.get("maximum").decimalValue()) == 0);
    }

    /**
     * Values {@code schema} forbids, drawn with {@code random}: a broad pool of candidates (wrong types, values just
     * past every bound the schema states, altered examples, random text) kept only when the validator rejects them,
     * plus what the document's global rules forbid though JSON Schema cannot say it (NUL and unpaired surrogates in
     * any string, more than 20 fraction digits in a decimal). With {@code required}, JSON null too.
     */
    static List<JsonNode> forbidden(JsonNode schema, boolean required, Random random) {
        var out = new ArrayList<JsonNode>();
        for (JsonNode candidate : candidates(schema, random)) {
            JsonNode sent = asServerReadsIt(candidate);
            if (!accepts(schema, sent)) {
                out.add(sent);
            }
        }
        out.addAll(unstorable(schema));
        if (required) {
            out.add(NODES.nullNode());
        }
        return out;
    }

    private static List<JsonNode> candidates(JsonNode schema, Random random) {
        var out = new ArrayList<JsonNode>();
        out.add(NODES.booleanNode(true));
        out.add(NODES.numberNode(42));
        out.add(NODES.numberNode(-1));
        out.add(NODES.numberNode(0));
        out.add(NODES.numberNode(new BigDecimal("1.5")));
        out.add(NODES.numberNode(new BigDecimal("1e400")));
        out.add(NODES.numberNode(new BigDecimal("9223372036854775808")));
        out.add(NODES.textNode(""));
        out.add(NODES.textNode("   \t\n"));
        out.add(NODES.textNode("NaN"));
        out.add(NODES.textNode("1 OR 1=1"));
        out.add(NODES.textNode("'; DROP TABLE trades; --"));
        out.add(NODES.textNode("../../etc/passwd"));
        out.add(NODES.textNode(randomText(random, 1 + random.nextInt(40))));
        out.add(NODES.arrayNode());
        out.add(NODES.arrayNode().add(1));
        out.add(NODES.objectNode());
        out.add(NODES.objectNode().put("$gt", ""));
        JsonNode example = example(schema);
        if (example.isTextual()) {
            String text = example.textValue();
            out.add(NODES.textNode(text.toLowerCase(Locale.ROOT)));
            out.add(NODES.textNode(text + "'"));
            out.add(NODES.textNode("\u202E" + text));
            out.add(NODES.textNode(text.toUpperCase(Locale.ROOT) + "X"));
        }
        if (schema.has("maxLength")) {
            out.add(NODES.textNode("x".repeat(schema.get("maxLength").asInt() + 1)));
        }
        if (schema.has("pattern")) {
            out.add(NODES.textNode("A".repeat(300)));
        }
        if ("date-time".equals(schema.path("format").asText())) {
            for (String date : List.of("yesterday", "2024-13-01T00:00:00Z", "2024-01-01", "+100000-01-01T00:00:00Z",
                    "-0001-01-01T00:00:00Z", "2024-01-01T25:00:00Z")) {
                out.add(NODES.textNode(date));
            }
        }
        for (String bound : List.of("minimum", "maximum")) {
            if (schema.has(bound)) {
                BigDecimal edge = schema.get(bound).decimalValue();
                for (BigDecimal delta : List.of(BigDecimal.ZERO, BigDecimal.ONE, new BigDecimal("0.000000001"))) {
                    out.add(NODES.numberNode(edge.add(delta)));
                    out.add(NODES.numberNode(edge.subtract(delta)));
                }
            }
        }
        if (schema.has("oneOf")) {
            for (JsonNode branch : schema.get("oneOf")) {
                out.addAll(candidates(branch, random));
            }
        }
        if (schema.path("type").asText().equals("array") && schema.has("items")) {
            JsonNode items = schema.get("items");
            for (JsonNode wrongItem : candidates(items, random)) {
                out.add(NODES.arrayNode().add(wrongItem));
            }
            if (schema.has("maxItems")) {
                ArrayNode tooMany = NODES.arrayNode();
                for (int i = 0; i <= schema.get("maxItems").asInt(); i++) {
                    tooMany.add(example(items));
                }
                out.add(tooMany);
            }
        }
        return out;
    }

    /**
     * Values the document's global rules forbid, for string, string-array, object and number schemas (a pattern or
     * an enum may forbid some of them already: they are wrong either way).
     */
    private static List<JsonNode> unstorable(JsonNode schema) {
        var out = new ArrayList<JsonNode>();
        String type = schema.path("type").asText();
        List<String> bad = List.of("nul\u0000inside", "\u0000", "lone high \uD800 surrogate", "lone low \uDC00 surrogate",
                "reversed \uDC00\uD800 pair");
        if (type.equals("string")) {
            bad.forEach(text -> out.add(NODES.textNode(text)));
        }
        if (type.equals("array") && schema.path("items").path("type").asText().equals("string")) {
            bad.forEach(text -> out.add(NODES.arrayNode().add(text)));
        }
        if (type.equals("object") && schema.path("additionalProperties").asBoolean(false)) {
            bad.forEach(text -> out.add(NODES.objectNode().put("k", text)));
            // As keys, only NUL: the JSON parser itself refuses an unpaired surrogate in a field name (a 400
            // "malformed JSON" that names no field; HostileInputIT checks that case on its own).
            out.add(NODES.objectNode().put("nul\u0000key", "v"));
        }
        if (type.equals("number")) {
            out.add(NODES.numberNode(new BigDecimal("1e-999999999")));
            out.add(NODES.numberNode(new BigDecimal("1.000000000000000000001")));
        }
        return out;
    }

    /** Random text of {@code length} code points from all of Unicode (unpaired surrogates included). */
    static String randomText(Random random, int length) {
        var out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(4);
            int cp = switch (kind) {
                case 0 -> 0x20 + random.nextInt(0x5F);
                case 1 -> random.nextInt(0x20);
                case 2 -> random.nextInt(0x10000);
                default -> random.nextInt(0x110000);
            };
            out.appendCodePoint(cp);
        }
        return out.toString();
    }

    /** The operations by "METHOD template", for fixed cases that name one. */
    Map<String, Operation> byName() {
        var out = new LinkedHashMap<String, Operation>();
        operations.forEach(o -> out.put(o.toString(), o));
        return out;
    }
}
