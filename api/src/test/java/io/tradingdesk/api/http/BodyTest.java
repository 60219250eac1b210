package io.tradingdesk.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a body declaration accepts, refuses and documents: one declaration, three uses. */
class BodyTest {
    private static final ObjectMapper JSON = Json.newMapper();

    private record Order(String side, BigDecimal price, Integer count, List<String> tags) {
    }

    private static final Field<String> SIDE = Field.oneOf("side", "buy", "sell").required();
    private static final Field<BigDecimal> PRICE = Field.positiveBelow("price", new BigDecimal("1e12")).required();
    private static final Field<Integer> COUNT = Field.integer("count", 1, 10).orElse(3);
    private static final Field<List<String>> TAGS = Field.strings("tags", 2, 5);
    private static final Body<Order> ORDER = Body.object(
            v -> new Order(v.get(SIDE), v.get(PRICE), v.get(COUNT), v.get(TAGS)), SIDE, PRICE, COUNT, TAGS)
            .check((v, problems) -> {
                if (v.get(SIDE).equals("sell") && v.get(PRICE).compareTo(BigDecimal.TEN) < 0) {
                    problems.add("price", "must be at least 10 for a sell");
                }
            }, SIDE, PRICE);

    @Test
    void a_valid_body_becomes_the_value_with_defaults_for_absent_optional_fields() {
        Order order = ORDER.read(json("{\"side\":\"buy\",\"price\":1.50,\"count\":null}"));
        assertThat(order).isEqualTo(new Order("buy", new BigDecimal("1.50"), 3, List.of()));
    }

    @Test
    void every_invalid_missing_and_unknown_field_is_named_in_one_400() {
        ApiError error = refused("{\"price\":0,\"count\":11,\"tags\":[\"a\",\"\\u0000\"],\"admin\":true}");
        assertThat(error.status()).isEqualTo(400);
        assertThat(fields(error)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "side", "is required",
                "price", "must be greater than 0",
                "count", "must be an integer in 1..10",
                "tags", "items must not contain NUL (\\u0000) characters",
                "admin", "unknown field"));
    }

    @Test
    void a_cross_field_rule_runs_only_on_fields_that_are_valid_on_their_own() {
        assertThat(fields(refused("{\"side\":\"sell\",\"price\":5}")))
                .containsExactly(Map.entry("price", "must be at least 10 for a sell"));
        assertThat(fields(refused("{\"side\":\"sell\",\"price\":\"5\"}")))
                .containsExactly(Map.entry("price", "must be a number, found string"));
    }

    @Test
    void numbers_with_absurd_precision_and_text_out_of_range_are_refused() {
        assertThat(fields(refused("{\"side\":\"buy\",\"price\":1e-999999999}")).get("price"))
                .isEqualTo("must have at most 20 digits after the decimal point");
        assertThat(fields(refused("{\"side\":\"buy\",\"price\":1e12}")).get("price"))
                .isEqualTo("must be less than 1000000000000");
        assertThat(fields(refused("{\"side\":\"BUY\",\"price\":1}")).get("side")).isEqualTo("must be one of buy, sell");
    }

    @Test
    void arrays_are_counted_before_any_element_is_read_and_elements_are_named_by_index() {
        Body<List<Order>> batch = Body.arrayOf(ORDER, 1, 2);
        assertThat(catchThrowableOfType(ApiError.class, () -> batch.read(json("[]"))).status()).isEqualTo(400);
        assertThat(catchThrowableOfType(ApiError.class, () -> batch.read(json("[1,2,3]"))).status()).isEqualTo(413);
        ApiError error = catchThrowableOfType(ApiError.class,
                () -> batch.read(json("[{\"side\":\"buy\",\"price\":1}, 7]")));
        assertThat(fields(error)).containsExactly(Map.entry("[1]", "must be an object, found number"));
        assertThat(batch.read(json("[{\"side\":\"buy\",\"price\":1}]"))).hasSize(1);
    }

    @Test
    void the_schema_is_written_from_the_same_declaration() {
        Map<String, Object> schema = ORDER.schema();
        assertThat(schema).containsEntry("additionalProperties", false).containsEntry("required", List.of("side", "price"));
        @SuppressWarnings("unchecked")
        var properties = (Map<String, Map<String, Object>>) schema.get("properties");
        assertThat(properties.get("side")).containsEntry("enum", List.of("buy", "sell"));
        assertThat(properties.get("price")).containsEntry("exclusiveMinimum", true).containsEntry("exclusiveMaximum", true);
        assertThat(properties.get("count")).containsEntry("minimum", 1).containsEntry("maximum", 10)
                .containsEntry("default", 3);
        assertThat(properties.get("tags")).containsEntry("maxItems", 2);
    }

    @Test
    void text_parameters_use_the_same_rules_as_json_fields() {
        Problems problems = new Problems();
        assertThat(Field.limit(200, 20).fromText(null, problems)).isEqualTo(20);
        assertThat(Field.limit(200, 20).fromText("201", problems)).isNull();
        assertThat(Field.id("id").fromText("0012", problems)).isNull();
        assertThat(Field.id("id").fromText("12", problems)).isEqualTo(12L);
        assertThat(Field.instant("from").fromText("+100000-01-01T00:00:00Z", problems)).isNull();
        assertThat(Field.text("model", 5).fromText("nul\u0000", problems)).isNull();
        assertThat(problems.size()).isEqualTo(4);
    }

    private static ApiError refused(String body) {
        return catchThrowableOfType(ApiError.class, () -> ORDER.read(json(body)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> fields(ApiError error) {
        return (Map<String, String>) error.details().get("fields");
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
