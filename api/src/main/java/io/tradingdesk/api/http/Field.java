package io.tradingdesk.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tradingdesk.db.WalPosition;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One named input of a route: a field of a JSON body, a query parameter or a path segment. The declaration is the
 * single description of that input: it validates requests (every problem named in one 400), it writes the input's
 * OpenAPI schema, and, through {@code /openapi.json}, it drives the generated hostile-input tests. Declare fields as
 * constants and list them on the {@link RouteSpec}; handlers read the parsed values from {@link Input}.
 *
 * <p>Optional fields are {@code null} when absent unless they have a default. A JSON {@code null} counts as absent.
 * Immutable and thread-safe.
 *
 * @param <T> the parsed value's type
 */
public final class Field<T> {
    private final String name;
    private final Rule<T> rule;
    private final boolean required;
    private final T fallback;
    private final String description;
    private final Object example;

    private Field(String name, Rule<T> rule, boolean required, T fallback, String description, Object example) {
        this.name = Objects.requireNonNull(name, "name");
        this.rule = rule;
        this.required = required;
        this.fallback = fallback;
        this.description = description;
        this.example = example;
    }

    private static <T> Field<T> of(String name, Rule<T> rule) {
        return new Field<>(name, rule, false, null, null, rule.example());
    }

    /** Non-blank text of at most {@code maxLength} characters, without NUL or unpaired surrogates. */
    public static Field<String> text(String name, int maxLength) {
        return of(name, new Rules.Text(maxLength));
    }

    /** Text matching {@code pattern}; {@code rule} is the message when it does not, {@code example} a valid value. */
    public static Field<String> matching(String name, Pattern pattern, String rule, String example) {
        return of(name, new Rules.Matching(pattern, rule, example));
    }

    /** One of {@code values}, case-sensitive; the first is the documentation's example. */
    public static Field<String> oneOf(String name, String... values) {
        return of(name, new Rules.OneOf(List.of(values)));
    }

    /** A decimal in the open interval (0, {@code max}). */
    public static Field<BigDecimal> positiveBelow(String name, BigDecimal max) {
        return of(name, new Rules.Decimal(BigDecimal.ZERO, false, max, false, new BigDecimal("185.25")));
    }

    /** A decimal in [0, {@code max}). */
    public static Field<BigDecimal> nonNegativeBelow(String name, BigDecimal max) {
        return of(name, new Rules.Decimal(BigDecimal.ZERO, true, max, false, new BigDecimal("1000")));
    }

    /** A decimal in [{@code min}, {@code max}]. */
    public static Field<BigDecimal> between(String name, BigDecimal min, BigDecimal max) {
        return of(name, new Rules.Decimal(min, true, max, true, min));
    }

    /** A whole number in {@code min..max}. */
    public static Field<Integer> integer(String name, int min, int max) {
        return of(name, new Rules.Whole(min, max));
    }

    /** A positive 64-bit id: a JSON integer or a string of digits. */
    public static Field<Long> id(String name) {
        return of(name, new Rules.Id());
    }

    /** An ISO-8601 instant in years 0001..9999. */
    public static Field<Instant> instant(String name) {
        return of(name, new Rules.At());
    }

    /** Any JSON object whose keys and strings PostgreSQL can store (jsonb). */
    public static Field<JsonNode> object(String name) {
        return of(name, new Rules.AnyObject());
    }

    /** Up to {@code maxItems} non-blank strings of at most {@code maxLength} characters; absent = empty list. */
    public static Field<List<String>> strings(String name, int maxItems, int maxLength) {
        return of(name, new Rules.Strings(maxItems, maxLength)).orElse(List.of());
    }

    /** Up to {@code maxItems} distinct ids in the order given; absent = empty list. */
    public static Field<List<Long>> ids(String name, int maxItems) {
        return of(name, new Rules.Ids(maxItems)).orElse(List.of());
    }

    /** A WAL position in PostgreSQL's text form, such as the Consistency-Token a write answers with. */
    public static Field<WalPosition> walPosition(String name) {
        return of(name, new Rules.Position());
    }

    /** The {@code cursor} query parameter of the keyset-paged {@code list}: the last id of the previous page. */
    public static Field<Long> cursor(String list) {
        return of("cursor", new Rules.PageCursor(list)).describedAs("nextCursor of the previous page, unchanged");
    }

    /** The {@code limit} query parameter: 1..{@code max}, {@code fallback} when absent. */
    public static Field<Integer> limit(int max, int fallback) {
        return integer("limit", 1, max).orElse(fallback);
    }

    public Field<T> required() {
        return new Field<>(name, rule, true, null, description, example);
    }

    /** The value when the input is absent. */
    public Field<T> orElse(T value) {
        return new Field<>(name, rule, false, value, description, example);
    }

    public Field<T> describedAs(String text) {
        return new Field<>(name, rule, required, fallback, text, example);
    }

    /** A valid value for the documentation (and the generated tests' valid requests). */
    public Field<T> example(Object value) {
        return new Field<>(name, rule, required, fallback, description, value);
    }

    public String name() {
        return name;
    }

    public boolean isRequired() {
        return required;
    }

    /** The OpenAPI schema of this input. */
    public Map<String, Object> schema() {
        Map<String, Object> schema = rule.schema();
        if (description != null) {
            schema.put("description", description);
        }
        if (fallback != null && !(fallback instanceof List<?> list && list.isEmpty())) {
            schema.put("default", fallback);
        }
        if (example != null) {
            schema.put("example", example);
        }
        return schema;
    }

    /** The field of a JSON object; {@code null} (with a problem recorded when required) when absent or invalid. */
    T fromJson(JsonNode value, Problems problems) {
        if (value == null || value.isNull()) {
            return absent(problems);
        }
        return rule.fromJson(value, name, problems);
    }

    /** A path segment or query parameter; an empty one counts as absent. */
    T fromText(String raw, Problems problems) {
        if (raw == null || raw.isEmpty()) {
            return absent(problems);
        }
        return rule.fromText(raw, name, problems);
    }

    private T absent(Problems problems) {
        return required ? problems.add(name, "is required") : fallback;
    }

    @Override
    public String toString() {
        return "Field[" + name + "]";
    }
}
