package io.tradingdesk.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * What one input value must be: how it is read from a JSON body, how from the text of a path segment or query
 * parameter, and how OpenAPI describes it. Implementations record a problem and return {@code null} instead of
 * throwing, so that every invalid field of a request is reported at once. Immutable and thread-safe.
 */
interface Rule<T> {

    /** {@code value} is present and not JSON null. */
    T fromJson(JsonNode value, String name, Problems problems);

    /** {@code raw} is present and not empty. */
    T fromText(String raw, String name, Problems problems);

    /** The OpenAPI 3.0 schema object of a valid value (a fresh, mutable map). */
    Map<String, Object> schema();

    /** A valid value, for the documentation's examples and as the starting point of generated test inputs. */
    Object example();
}
