package io.tradingdesk.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The OpenAPI 3.0 document, generated from the same route table that registers the routes (the Javalin OpenAPI
 * plugin has no release for Javalin 7 in our repository, and an annotation processor would be a second source of
 * truth anyway). Built once at startup; served as bytes. Thread-safe.
 */
public final class OpenApi {
    private OpenApi() {
    }

    public static byte[] document(List<RouteSpec> routes, String version, boolean auth, ObjectMapper mapper) {
        var paths = new LinkedHashMap<String, Map<String, Object>>();
        for (RouteSpec route : routes) {
            paths.computeIfAbsent(route.path(), p -> new LinkedHashMap<>())
                    .put(route.method().toLowerCase(Locale.ROOT), operation(route, auth));
        }
        var errorSchema = Schema.object(List.of("error", "message", "details"),
                "error", Schema.string("stable machine-readable code, e.g. bad_request, not_found, conflict"),
                "message", Schema.string("for people"),
                "details", Schema.freeObject());
        var components = Schema.of("schemas", Schema.of("Error", errorSchema));
        if (auth) {
            components.put("securitySchemes", Schema.of("bearer", Schema.of("type", "http", "scheme", "bearer")));
        }
        var doc = Schema.of(
                "openapi", "3.0.3",
                "info", Schema.of("title", "Trading desk API", "version", version,
                        "description", "Instruments, market data, research notes, pitches and trades. Errors are "
                                + "always {error, message, details}; a 400 names every invalid field in "
                                + "details.fields. No string may contain NUL (\\u0000) or an unpaired UTF-16 "
                                + "surrogate, and decimals carry at most " + Rules.MAX_FRACTION_DIGITS
                                + " fraction digits."),
                "paths", paths,
                "components", components);
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("OpenAPI document not serialisable", e);
        }
    }

    private static Map<String, Object> operation(RouteSpec route, boolean auth) {
        var op = Schema.of("summary", route.summary(),
                "operationId", (route.method() + route.path()).replaceAll("[^A-Za-z0-9]+", "_"));
        var parameters = new ArrayList<Map<String, Object>>();
        for (Field<?> field : route.pathParameters()) {
            parameters.add(Schema.of("name", field.name(), "in", "path", "required", true, "schema", field.schema()));
        }
        for (Field<?> field : route.query()) {
            parameters.add(Schema.of("name", field.name(), "in", "query", "required", field.isRequired(),
                    "schema", field.schema()));
        }
        for (Field<?> field : route.headers()) {
            parameters.add(Schema.of("name", field.name(), "in", "header", "required", field.isRequired(),
                    "schema", field.schema()));
        }
        if (!parameters.isEmpty()) {
            op.put("parameters", parameters);
        }
        if (route.body() != null) {
            op.put("requestBody", Schema.of("required", true,
                    "content", Schema.of(Json.CONTENT_TYPE, Schema.of("schema", route.body().schema()))));
        }
        var responses = new LinkedHashMap<String, Object>();
        String mediaType = route.path().equals("/metrics") ? "text/plain" : Json.CONTENT_TYPE;
        route.responses().forEach((status, schema) -> responses.put(Integer.toString(status),
                Schema.of("description", status < 300 ? "success" : ErrorMapper.codeFor(status),
                        "content", Schema.of(mediaType, Schema.of("schema", schema)))));
        var statuses = new TreeSet<>(route.errors());
        if (route.body() != null) {
            statuses.addAll(List.of(400, 413, 415));
        }
        if (!route.pathParameters().isEmpty() || !route.query().isEmpty() || !route.headers().isEmpty()) {
            statuses.add(400);
        }
        if (route.mutating() && auth) {
            statuses.add(401);
        }
        statuses.add(500);
        statuses.removeAll(route.responses().keySet());
        for (int status : statuses) {
            responses.put(Integer.toString(status), Schema.of("description", ErrorMapper.codeFor(status),
                    "content", Schema.of(Json.CONTENT_TYPE, Schema.of("schema", Schema.of("$ref", "#/components/schemas/Error")))));
        }
        op.put("responses", responses);
        if (route.mutating() && auth) {
            op.put("security", List.of(Schema.of("bearer", List.of())));
        }
        return op;
    }
}
