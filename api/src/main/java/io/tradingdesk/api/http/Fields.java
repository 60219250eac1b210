package io.tradingdesk.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates the fields of one JSON object, collecting every problem instead of stopping at the first, so
 * that a client learns about all its mistakes in one 400. Accessors return {@code null} for a missing optional or
 * an invalid field; call {@link #validate()} after reading them all. Unknown fields are errors too. Not thread-safe:
 * one instance per request.
 */
public final class Fields {
    private static final int MAX_FRACTION_DIGITS = 20;

    private final JsonNode node;
    private final String prefix;
    private final Map<String, String> errors;
    private final Set<String> seen = new LinkedHashSet<>();

    Fields(JsonNode node, String prefix) {
        this(node, prefix, new LinkedHashMap<>());
    }

    private Fields(JsonNode node, String prefix, Map<String, String> errors) {
        this.node = node;
        this.prefix = prefix;
        this.errors = errors;
    }

    /** Fields of the objects in a JSON array, sharing this request's error list; names get an {@code [i].} prefix. */
    public static List<Fields> elements(JsonNode array, Map<String, String> errors) {
        var out = new ArrayList<Fields>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonNode element = array.get(i);
            if (element.isObject()) {
                out.add(new Fields(element, "[" + i + "].", errors));
            } else {
                errors.put("[" + i + "]", "must be an object, found " + Json.kind(element));
            }
        }
        return out;
    }

    public String text(String name, boolean required, int maxLength) {
        JsonNode value = value(name, required);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            return fail(name, "must be a string, found " + Json.kind(value));
        }
        String text = value.textValue();
        if (text.isBlank()) {
            return fail(name, "must not be blank");
        }
        if (text.length() > maxLength) {
            return fail(name, "must be at most " + maxLength + " characters (found " + text.length() + ")");
        }
        String unstorable = unstorable(text);
        if (unstorable != null) {
            return fail(name, unstorable);
        }
        return text;
    }

    /**
     * Why PostgreSQL cannot store {@code text} as sent, or {@code null}: text columns and jsonb reject NUL, and an
     * unpaired UTF-16 surrogate (which a JSON \\u escape can produce) would silently become '?' on the way in.
     */
    static String unstorable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\0') {
                return "must not contain NUL (\\u0000) characters";
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    return "must not contain unpaired UTF-16 surrogates";
                }
            }
        }
        return null;
    }

    public String matching(String name, boolean required, Pattern pattern, String rule) {
        String text = text(name, required, 200);
        if (text != null && !pattern.matcher(text).matches()) {
            return fail(name, rule);
        }
        return text;
    }

    public String oneOf(String name, boolean required, Set<String> allowed) {
        String text = text(name, required, 100);
        if (text != null && !allowed.contains(text)) {
            return fail(name, "must be one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
        return text;
    }

    /** A JSON number within {@code (min, max)} exclusive or [min, max) when {@code minInclusive}. */
    public BigDecimal decimal(String name, boolean required, BigDecimal min, boolean minInclusive, BigDecimal max) {
        BigDecimal number = number(name, required);
        if (number == null) {
            return null;
        }
        int low = number.compareTo(min);
        if (low < 0 || (low == 0 && !minInclusive)) {
            return fail(name, "must be " + (minInclusive ? "at least " : "greater than ") + min.toPlainString());
        }
        if (number.compareTo(max) >= 0) {
            return fail(name, "must be less than " + max.toPlainString());
        }
        return number;
    }

    /** The field as an exact decimal, or {@code null} when it is absent or was rejected (the error is recorded). */
    private BigDecimal number(String name, boolean required) {
        JsonNode value = value(name, required);
        if (value == null) {
            return null;
        }
        if (!value.isNumber()) {
            return fail(name, "must be a number, found " + Json.kind(value));
        }
        BigDecimal number = value.decimalValue();
        if (tooPrecise(number)) {
            return fail(name, "must have at most " + MAX_FRACTION_DIGITS + " digits after the decimal point");
        }
        return number;
    }

    /** A number in [min, max] inclusive. */
    public BigDecimal between(String name, boolean required, BigDecimal min, BigDecimal max) {
        BigDecimal number = number(name, required);
        if (number == null) {
            return null;
        }
        if (number.compareTo(min) < 0 || number.compareTo(max) > 0) {
            return fail(name, "must be between " + min.toPlainString() + " and " + max.toPlainString());
        }
        return number;
    }

    public Integer integer(String name, boolean required, int min, int max) {
        JsonNode value = value(name, required);
        if (value == null) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < min || value.intValue() > max) {
            return fail(name, "must be an integer in " + min + ".." + max);
        }
        return value.intValue();
    }

    /** A positive 64-bit id, as a JSON integer or a string of digits (JavaScript clients may send either). */
    public Long id(String name, boolean required) {
        JsonNode value = value(name, required);
        return value == null ? null : id(name, value);
    }

    public Instant instant(String name, boolean required) {
        JsonNode value = value(name, required);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            return fail(name, "must be an ISO-8601 instant string, found " + Json.kind(value));
        }
        Instant instant = Params.storableInstant(value.textValue());
        return instant != null ? instant : fail(name, Params.INSTANT_RULE);
    }

    /** A JSON object, returned as the node itself (stored as jsonb). */
    public JsonNode object(String name, boolean required) {
        JsonNode value = value(name, required);
        if (value != null && !value.isObject()) {
            return fail(name, "must be a JSON object, found " + Json.kind(value));
        }
        String unstorable = value == null ? null : unstorableIn(value);
        if (unstorable != null) {
            return fail(name, "keys and strings " + unstorable);
        }
        return value;
    }

    private static String unstorableIn(JsonNode node) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String problem = unstorable(field.getKey());
            if (problem == null) {
                problem = unstorableIn(field.getValue());
            }
            if (problem != null) {
                return problem;
            }
        }
        if (node.isArray()) {
            for (JsonNode item : node) {
                String problem = unstorableIn(item);
                if (problem != null) {
                    return problem;
                }
            }
        }
        return node.isTextual() ? unstorable(node.textValue()) : null;
    }

    public List<String> strings(String name, int maxItems, int maxLength) {
        JsonNode value = value(name, false);
        if (value == null) {
            return List.of();
        }
        if (!value.isArray()) {
            return fail(name, "must be an array of strings, found " + Json.kind(value));
        }
        if (value.size() > maxItems) {
            return fail(name, "must have at most " + maxItems + " items (found " + value.size() + ")");
        }
        var out = new ArrayList<String>(value.size());
        for (JsonNode item : value) {
            if (!item.isTextual() || item.textValue().isBlank() || item.textValue().length() > maxLength) {
                return fail(name, "items must be non-blank strings of at most " + maxLength + " characters");
            }
            String unstorable = unstorable(item.textValue());
            if (unstorable != null) {
                return fail(name, "items " + unstorable);
            }
            out.add(item.textValue());
        }
        return out;
    }

    /** Distinct ids, in the order given. */
    public List<Long> ids(String name, int maxItems) {
        JsonNode value = value(name, false);
        if (value == null) {
            return List.of();
        }
        if (!value.isArray()) {
            return fail(name, "must be an array of ids, found " + Json.kind(value));
        }
        if (value.size() > maxItems) {
            return fail(name, "must have at most " + maxItems + " items (found " + value.size() + ")");
        }
        var out = new LinkedHashSet<Long>();
        for (JsonNode item : value) {
            Long id = id(name, item);
            if (id == null) {
                return null;
            }
            out.add(id);
        }
        return List.copyOf(out);
    }

    /**
     * A number such as 1e-999999999 is small and passes every range check, but the driver would expand it to a
     * billion digits (pgjdbc fails with an ArithmeticException, a 500, after burning CPU on it). The columns keep at
     * most 8 decimals; anything beyond {@value #MAX_FRACTION_DIGITS} significant fraction digits is a client error.
     */
    private static boolean tooPrecise(BigDecimal number) {
        return number.scale() > MAX_FRACTION_DIGITS && number.stripTrailingZeros().scale() > MAX_FRACTION_DIGITS;
    }

    /** Records a rule that spans fields (e.g. price ordering). */
    public void error(String name, String reason) {
        errors.putIfAbsent(prefix + name, reason);
    }

    public boolean valid() {
        return errors.isEmpty();
    }

    public Map<String, String> errors() {
        return errors;
    }

    /** Throws a 400 naming every invalid and every unknown field, if there are any. */
    public void validate() {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!seen.contains(name)) {
                errors.putIfAbsent(prefix + name, "unknown field");
            }
        }
        if (!errors.isEmpty()) {
            throw ApiError.invalidFields(errors);
        }
    }

    private Long id(String name, JsonNode value) {
        if (value.isIntegralNumber() && value.canConvertToLong() && value.longValue() > 0) {
            return value.longValue();
        }
        if (value.isTextual() && Params.ID.matcher(value.textValue()).matches()) {
            return Long.parseLong(value.textValue());
        }
        return fail(name, "must be a positive integer id");
    }

    private JsonNode value(String name, boolean required) {
        seen.add(name);
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            if (required) {
                errors.putIfAbsent(prefix + name, "is required");
            }
            return null;
        }
        return value;
    }

    private <T> T fail(String name, String reason) {
        errors.putIfAbsent(prefix + name, reason);
        return null;
    }
}
