package io.tradingdesk.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The one description of a JSON request body: an object of {@link Field}s (no other fields allowed), or an array of
 * such objects. It validates a body (every invalid field named in one 400), builds the value the handler works with,
 * and writes the OpenAPI request schema. Immutable and thread-safe.
 *
 * @param <T> what a valid body becomes
 */
public final class Body<T> {
    private final List<Field<?>> fields;
    private final Function<Values, T> build;
    private final BiConsumer<Values, Problems> crossCheck;
    private final Body<?> element;
    private final int minItems;
    private final int maxItems;

    private Body(List<Field<?>> fields, Function<Values, T> build, BiConsumer<Values, Problems> crossCheck,
                 Body<?> element, int minItems, int maxItems) {
        this.fields = fields;
        this.build = build;
        this.crossCheck = crossCheck;
        this.element = element;
        this.minItems = minItems;
        this.maxItems = maxItems;
    }

    /** A JSON object with exactly these fields (unknown ones are errors), turned into a value by {@code build}. */
    public static <T> Body<T> object(Function<Values, T> build, Field<?>... fields) {
        return new Body<>(List.of(fields), build, (values, problems) -> { }, null, 0, 0);
    }

    /**
     * A JSON array of {@code minItems..maxItems} objects described by {@code element}. A count outside the bounds
     * is refused as a whole (400 for too few, 413 for too many) before any element is looked at.
     */
    public static <T> Body<List<T>> arrayOf(Body<T> element, int minItems, int maxItems) {
        if (element.element != null) {
            throw new IllegalArgumentException("arrays of arrays are not supported");
        }
        return new Body<>(List.of(), null, null, element, minItems, maxItems);
    }

    /**
     * A rule across fields, run when each of the fields it {@code uses} was valid on its own; it records what is
     * wrong in {@code problems} (a 400 naming the field), e.g. "low must not be above high".
     */
    public Body<T> check(BiConsumer<Values, Problems> rule, Field<?>... uses) {
        if (element != null) {
            throw new IllegalStateException("check the element body, not the array");
        }
        List<Field<?>> needed = List.of(uses);
        BiConsumer<Values, Problems> guarded = (values, problems) -> {
            if (needed.stream().allMatch(field -> values.get(field) != null)) {
                rule.accept(values, problems);
            }
        };
        return new Body<>(fields, build, crossCheck.andThen(guarded), null, 0, 0);
    }

    /**
     * The value of a valid body.
     *
     * @throws ApiError 400 naming every invalid or unknown field, or for the wrong JSON type; 413 for too many items
     */
    @SuppressWarnings("unchecked")
    T read(JsonNode node) {
        Problems problems = new Problems();
        if (element == null) {
            if (!node.isObject()) {
                throw ApiError.badRequest("the request body must be a JSON object", Map.of("found", Json.kind(node)));
            }
            T value = readObject(node, problems);
            problems.throwIfAny();
            return value;
        }
        if (!node.isArray()) {
            throw ApiError.badRequest("the request body must be a JSON array", Map.of("found", Json.kind(node)));
        }
        if (node.size() < minItems || node.size() > maxItems) {
            boolean tooMany = node.size() > maxItems;
            throw new ApiError(tooMany ? 413 : 400, tooMany ? "payload_too_large" : "bad_request",
                    "send " + minItems + ".." + maxItems + " items per call (got " + node.size() + "); split larger uploads",
                    Map.of("minItems", minItems, "maxItems", maxItems, "items", node.size()));
        }
        var items = new ArrayList<Object>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (item.isObject()) {
                items.add(element.readObject(item, problems.element(i)));
            } else {
                problems.add("[" + i + "]", "must be an object, found " + Json.kind(item));
            }
        }
        problems.throwIfAny();
        return (T) List.copyOf(items);
    }

    private T readObject(JsonNode node, Problems problems) {
        var values = new Values(new IdentityHashMap<>());
        int before = problems.size();
        for (Field<?> field : fields) {
            values.put(field, field.fromJson(node.get(field.name()), problems));
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (fields.stream().noneMatch(f -> f.name().equals(name))) {
                problems.add(name, "unknown field");
            }
        }
        crossCheck.accept(values, problems);
        return problems.size() > before ? null : build.apply(values);
    }

    /** The OpenAPI schema of the body. */
    public Map<String, Object> schema() {
        if (element != null) {
            return Schema.of("type", "array", "items", element.schema(), "minItems", minItems, "maxItems", maxItems);
        }
        var properties = new LinkedHashMap<String, Object>();
        var required = new ArrayList<String>();
        for (Field<?> field : fields) {
            properties.put(field.name(), field.schema());
            if (field.isRequired()) {
                required.add(field.name());
            }
        }
        var schema = Schema.of("type", "object", "properties", properties, "additionalProperties", false);
        if (!required.isEmpty()) {
            schema.put("required", required);
        }
        return schema;
    }

    /** The fields of one valid object, by declaration. Not thread-safe: one per request. */
    public static final class Values {
        private final Map<Field<?>, Object> values;

        private Values(Map<Field<?>, Object> values) {
            this.values = values;
        }

        private void put(Field<?> field, Object value) {
            values.put(field, value);
        }

        /** The parsed value of {@code field}; {@code null} when it is optional, absent and has no default. */
        @SuppressWarnings("unchecked")
        public <V> V get(Field<V> field) {
            if (!values.containsKey(field)) {
                throw new IllegalStateException(field + " is not declared on this body");
            }
            return (V) values.get(field);
        }
    }
}
