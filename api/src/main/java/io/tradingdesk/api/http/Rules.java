package io.tradingdesk.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tradingdesk.db.WalPosition;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The rules behind {@link Field}'s factories. Messages are what clients see in {@code details.fields}; they name
 * the accepted form, never echo more than the length of what was sent. Stateless.
 */
final class Rules {
    /** Positive ids as PostgreSQL bigint identity columns hand them out (at most 18 digits, so no overflow). */
    static final Pattern ID = Pattern.compile("[1-9][0-9]{0,17}");
    static final String ID_RULE = "must be a positive integer id";
    static final String INSTANT_RULE = "must be an ISO-8601 instant in years 0001..9999, such as 2024-01-31T00:00:00Z";
    /** The columns keep at most 8 decimals; more than this many fraction digits is a client error, see below. */
    static final int MAX_FRACTION_DIGITS = 20;
    private static final Instant MIN_INSTANT = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant MAX_INSTANT = Instant.parse("9999-12-31T23:59:59.999999Z");

    private Rules() {
    }

    /** A rule on text: a JSON value must be a string, which is then read like a path or query parameter. */
    interface TextRule<T> extends Rule<T> {
        @Override
        default T fromJson(JsonNode value, String name, Problems problems) {
            return value.isTextual() ? fromText(value.textValue(), name, problems)
                    : problems.add(name, "must be " + expected() + ", found " + Json.kind(value));
        }

        /** What a JSON value must be, for the message. */
        default String expected() {
            return "a string";
        }
    }

    /** Non-blank text of at most {@code maxLength} characters that PostgreSQL can store as sent. */
    record Text(int maxLength) implements Rule<String> {
        @Override
        public String fromJson(JsonNode value, String name, Problems problems) {
            if (!value.isTextual()) {
                return problems.add(name, "must be a string, found " + Json.kind(value));
            }
            String text = value.textValue();
            if (text.isBlank()) {
                return problems.add(name, "must not be blank");
            }
            if (text.length() > maxLength) {
                return problems.add(name, "must be at most " + maxLength + " characters (found " + text.length() + ")");
            }
            return storable(text, name, problems);
        }

        @Override
        public String fromText(String raw, String name, Problems problems) {
            if (raw.isBlank()) {
                return problems.add(name, "must not be blank");
            }
            if (raw.length() > maxLength) {
                return problems.add(name, "must be at most " + maxLength + " characters");
            }
            return storable(raw, name, problems);
        }

        @Override
        public Map<String, Object> schema() {
            // \S: at least one character that is not white space, as "not blank" above.
            return Schema.of("type", "string", "minLength", 1, "maxLength", maxLength, "pattern", "\\S");
        }

        @Override
        public Object example() {
            return "text";
        }
    }

    /** Text matching {@code pattern} (which also bounds its length and characters). */
    record Matching(Pattern pattern, String rule, String example) implements TextRule<String> {
        @Override
        public String fromText(String raw, String name, Problems problems) {
            return pattern.matcher(raw).matches() ? raw : problems.add(name, rule);
        }

        @Override
        public Map<String, Object> schema() {
            return Schema.of("type", "string", "pattern", pattern.pattern());
        }
    }

    /** One of a fixed set of words. */
    record OneOf(List<String> values) implements TextRule<String> {
        @Override
        public String fromText(String raw, String name, Problems problems) {
            return values.contains(raw) ? raw
                    : problems.add(name, "must be one of " + String.join(", ", values.stream().sorted().toList()));
        }

        @Override
        public Map<String, Object> schema() {
            return Schema.of("type", "string", "enum", values);
        }

        @Override
        public Object example() {
            return values.getFirst();
        }
    }

    /**
     * An exact decimal (never a double) within bounds; each bound inclusive or not. A number such as 1e-999999999 is
     * small and passes every range check, but the driver would expand it to a billion digits (pgjdbc fails with an
     * ArithmeticException after burning CPU on it), hence the limit on fraction digits.
     */
    record Decimal(BigDecimal min, boolean minInclusive, BigDecimal max, boolean maxInclusive, BigDecimal example)
            implements Rule<BigDecimal> {
        @Override
        public BigDecimal fromJson(JsonNode value, String name, Problems problems) {
            if (!value.isNumber()) {
                return problems.add(name, "must be a number, found " + Json.kind(value));
            }
            return checked(value.decimalValue(), name, problems);
        }

        @Override
        public BigDecimal fromText(String raw, String name, Problems problems) {
            try {
                return checked(new BigDecimal(raw), name, problems);
            } catch (NumberFormatException e) {
                return problems.add(name, "must be a number");
            }
        }

        private BigDecimal checked(BigDecimal number, String name, Problems problems) {
            if (number.scale() > MAX_FRACTION_DIGITS && number.stripTrailingZeros().scale() > MAX_FRACTION_DIGITS) {
                return problems.add(name, "must have at most " + MAX_FRACTION_DIGITS + " digits after the decimal point");
            }
            int low = number.compareTo(min);
            int high = number.compareTo(max);
            if (minInclusive && maxInclusive && (low < 0 || high > 0)) {
                return problems.add(name, "must be between " + min.toPlainString() + " and " + max.toPlainString());
            }
            if (low < 0 || (low == 0 && !minInclusive)) {
                return problems.add(name, "must be " + (minInclusive ? "at least " : "greater than ") + min.toPlainString());
            }
            if (high > 0 || (high == 0 && !maxInclusive)) {
                return problems.add(name, "must be " + (maxInclusive ? "at most " : "less than ") + max.toPlainString());
            }
            return number;
        }

        @Override
        public Map<String, Object> schema() {
            var schema = Schema.of("type", "number", "minimum", min);
            if (!minInclusive) {
                schema.put("exclusiveMinimum", true);
            }
            schema.put("maximum", max);
            if (!maxInclusive) {
                schema.put("exclusiveMaximum", true);
            }
            return schema;
        }
    }

    /** A whole number in {@code min..max}. */
    record Whole(int min, int max) implements Rule<Integer> {
        @Override
        public Integer fromJson(JsonNode value, String name, Problems problems) {
            if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                return fail(name, problems);
            }
            return within(value.intValue(), name, problems);
        }

        @Override
        public Integer fromText(String raw, String name, Problems problems) {
            try {
                return within(Integer.parseInt(raw), name, problems);
            } catch (NumberFormatException e) {
                return fail(name, problems);
            }
        }

        private Integer within(int value, String name, Problems problems) {
            return value >= min && value <= max ? Integer.valueOf(value) : fail(name, problems);
        }

        private Integer fail(String name, Problems problems) {
            return problems.add(name, "must be an integer in " + min + ".." + max);
        }

        @Override
        public Map<String, Object> schema() {
            return Schema.of("type", "integer", "format", "int32", "minimum", min, "maximum", max);
        }

        @Override
        public Object example() {
            return min;
        }
    }

    /** A positive 64-bit id, as a JSON integer or a string of digits (JavaScript clients may send either). */
    record Id() implements Rule<Long> {
        @Override
        public Long fromJson(JsonNode value, String name, Problems problems) {
            if (value.isIntegralNumber() && value.canConvertToLong() && value.longValue() > 0) {
                return value.longValue();
            }
            return value.isTextual() ? fromText(value.textValue(), name, problems) : problems.add(name, ID_RULE);
        }

        @Override
        public Long fromText(String raw, String name, Problems problems) {
            return isId(raw) ? Long.valueOf(raw) : problems.add(name, ID_RULE);
        }

        @Override
        public Map<String, Object> schema() {
            return Schema.of("oneOf", List.of(Schema.of("type", "integer", "format", "int64", "minimum", 1),
                    Schema.of("type", "string", "pattern", "^" + ID.pattern() + "$")));
        }

        @Override
        public Object example() {
            return 1;
        }
    }

    /** An ISO-8601 instant in years 1..9999. */
    record At() implements TextRule<Instant> {
        @Override
        public String expected() {
            return "an ISO-8601 instant string";
        }

        @Override
        public Instant fromText(String raw, String name, Problems problems) {
            Instant instant = storableInstant(raw);
            return instant != null ? instant : problems.add(name, INSTANT_RULE);
        }

        @Override
        public Map<String, Object> schema() {
            return Schema.of("type", "string", "format", "date-time");
        }

        @Override
        public Object example() {
            return "2024-01-02T00:00:00Z";
        }
    }

    /** Any JSON object (stored as jsonb), with every key and string storable. */
    record AnyObject() implements Rule<JsonNode> {
        @Override
        public JsonNode fromJson(JsonNode value, String name, Problems problems) {
            if (!value.isObject()) {
                return problems.add(name, "must be a JSON object, found " + Json.kind(value));
            }
            String unstorable = unstorableIn(value);
            return unstorable == null ? value : problems.add(name, "keys and strings " + unstorable);
        }

        @Override
        public JsonNode fromText(String raw, String name, Problems problems) {
            return problems.add(name, "must be a JSON object");
        }

        @Override
        public Map<String, Object> schema() {
            return Schema.of("type", "object", "additionalProperties", true);
        }

        @Override
        public Object example() {
            return Map.of("score", 0.8);
        }
    }

    /** Up to {@code maxItems} non-blank strings of at most {@code maxLength} characters each. */
    record Strings(int maxItems, int maxLength) implements Rule<List<String>> {
        @Override
        public List<String> fromJson(JsonNode value, String name, Problems problems) {
            if (!value.isArray()) {
                return problems.add(name, "must be an array of strings, found " + Json.kind(value));
            }
            if (value.size() > maxItems) {
                return problems.add(name, "must have at most " + maxItems + " items (found " + value.size() + ")");
            }
            var out = new ArrayList<String>(value.size());
            for (JsonNode item : value) {
                if (!item.isTextual() || item.textValue().isBlank() || item.textValue().length() > maxLength) {
                    return problems.add(name, "items must be non-blank strings of at most " + maxLength + " characters");
                }
                String unstorable = unstorable(item.textValue());
                if (unstorable != null) {
                    return problems.add(name, "items " + unstorable);
                }
                out.add(item.textValue());
            }
            return List.copyOf(out);
        }

        @Override
        public List<String> fromText(String raw, String name, Problems problems) {
            return problems.add(name, "must be an array of strings");
        }

        @Override
        public Map<String, Object> schema() {
            return Schema.of("type", "array", "items", new Text(maxLength).schema(), "maxItems", maxItems);
        }

        @Override
        public Object example() {
            return List.of("tech");
        }
    }

    /** Up to {@code maxItems} ids; duplicates are dropped, the order kept. */
    record Ids(int maxItems) implements Rule<List<Long>> {
        @Override
        public List<Long> fromJson(JsonNode value, String name, Problems problems) {
            if (!value.isArray()) {
                return problems.add(name, "must be an array of ids, found " + Json.kind(value));
            }
            if (value.size() > maxItems) {
                return problems.add(name, "must have at most " + maxItems + " items (found " + value.size() + ")");
            }
            var out = new LinkedHashSet<Long>();
            var element = new Id();
            for (JsonNode item : value) {
                Long id = element.fromJson(item, name, problems);
                if (id == null) {
                    return null;
                }
                out.add(id);
            }
            return List.copyOf(out);
        }

        @Override
        public List<Long> fromText(String raw, String name, Problems problems) {
            return problems.add(name, "must be an array of ids");
        }

        @Override
        public Map<String, Object> schema() {
            return Schema.of("type", "array", "items", new Id().schema(), "maxItems", maxItems);
        }

        @Override
        public Object example() {
            return List.of(1);
        }
    }

    /** An opaque keyset cursor of one list, decoded to the last id of the previous page. */
    record PageCursor(String list) implements Rule<Long> {
        @Override
        public Long fromJson(JsonNode value, String name, Problems problems) {
            return value.isTextual() ? fromText(value.textValue(), name, problems) : problems.add(name, Cursor.RULE);
        }

        @Override
        public Long fromText(String raw, String name, Problems problems) {
            Long id = Cursor.decode(list, raw);
            return id != null ? id : problems.add(name, Cursor.RULE);
        }

        @Override
        public Map<String, Object> schema() {
            return Schema.of("type", "string", "maxLength", 200);
        }

        @Override
        public Object example() {
            return Cursor.encode(list, 1);
        }
    }

    /** A WAL position in PostgreSQL's text form ({@code 16/B374D848}): a Consistency-Token as a write handed it out. */
    record Position() implements Rule<WalPosition> {
        static final String RULE = "must be a Consistency-Token exactly as a write response sent it (hex/hex, such as"
                + " 0/16B3748)";

        @Override
        public WalPosition fromJson(JsonNode value, String name, Problems problems) {
            return value.isTextual() ? fromText(value.textValue(), name, problems) : problems.add(name, RULE);
        }

        @Override
        public WalPosition fromText(String raw, String name, Problems problems) {
            return WalPosition.isValid(raw) ? WalPosition.parse(raw) : problems.add(name, RULE);
        }

        @Override
        public Map<String, Object> schema() {
            return Schema.of("type", "string", "pattern", "^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$", "maxLength", 17);
        }

        @Override
        public Object example() {
            return "0/16B3748";
        }
    }

    /** {@link #ID} without a regex: the path id of every point read is checked with it. */
    static boolean isId(String raw) {
        int length = raw.length();
        if (length == 0 || length > 18 || raw.charAt(0) < '1' || raw.charAt(0) > '9') {
            return false;
        }
        for (int i = 1; i < length; i++) {
            char c = raw.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
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

    private static String storable(String text, String name, Problems problems) {
        String unstorable = unstorable(text);
        return unstorable == null ? text : problems.add(name, unstorable);
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

    /**
     * {@code raw} as an instant in years 1..9999, or {@code null}. Instant.parse accepts years up to +1000000000,
     * which PostgreSQL cannot store (22008) and pgjdbc cannot even send.
     */
    static Instant storableInstant(String raw) {
        try {
            Instant instant = Instant.parse(raw);
            return instant.isBefore(MIN_INSTANT) || instant.isAfter(MAX_INSTANT) ? null : instant;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
