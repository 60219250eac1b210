package io.tradingdesk.api.http;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small builders for OpenAPI 3.0 schema objects (plain maps, serialised as they are), for the response bodies in
 * the route table; request inputs describe themselves ({@link Field}, {@link Body}). Stateless.
 */
public final class Schema {
    private Schema() {
    }

    public static Map<String, Object> string(String description) {
        return of("type", "string", "description", description);
    }

    public static Map<String, Object> pattern(String regex, String description) {
        return of("type", "string", "pattern", regex, "description", description);
    }

    public static Map<String, Object> enumOf(String... values) {
        return of("type", "string", "enum", List.of(values));
    }

    public static Map<String, Object> dateTime() {
        return of("type", "string", "format", "date-time");
    }

    public static Map<String, Object> id() {
        return of("type", "integer", "format", "int64", "minimum", 1);
    }

    public static Map<String, Object> integer() {
        return of("type", "integer");
    }

    /** A decimal written as a plain JSON number (parsed as BigDecimal, never as a double). */
    public static Map<String, Object> decimal() {
        return of("type", "number");
    }

    public static Map<String, Object> bool() {
        return of("type", "boolean");
    }

    public static Map<String, Object> freeObject() {
        return of("type", "object", "additionalProperties", true);
    }

    public static Map<String, Object> mapOf(Map<String, Object> values) {
        return of("type", "object", "additionalProperties", values);
    }

    public static Map<String, Object> array(Map<String, Object> items) {
        return of("type", "array", "items", items);
    }

    public static Map<String, Object> nullable(Map<String, Object> schema) {
        var copy = new LinkedHashMap<>(schema);
        copy.put("nullable", true);
        return copy;
    }

    /** {"items": [item...]} */
    public static Map<String, Object> items(Map<String, Object> item) {
        return object(List.of("items"), "items", array(item));
    }

    /** {"items": [item...], "nextCursor": string|null} */
    public static Map<String, Object> page(Map<String, Object> item) {
        return object(List.of("items", "nextCursor"), "items", array(item),
                "nextCursor", nullable(string("pass as ?cursor= for the next page; null on the last page")));
    }

    /**
     * An object with the given properties (name, schema, name, schema, ...), no others allowed.
     *
     * @param required names of the required properties
     */
    public static Map<String, Object> object(List<String> required, Object... properties) {
        var props = new LinkedHashMap<String, Object>();
        for (int i = 0; i < properties.length; i += 2) {
            props.put((String) properties[i], properties[i + 1]);
        }
        var schema = of("type", "object", "properties", props, "additionalProperties", false);
        if (!required.isEmpty()) {
            schema.put("required", required);
        }
        return schema;
    }

    public static List<String> required(String... names) {
        return new ArrayList<>(Arrays.asList(names));
    }

    static Map<String, Object> of(Object... pairs) {
        var map = new LinkedHashMap<String, Object>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
