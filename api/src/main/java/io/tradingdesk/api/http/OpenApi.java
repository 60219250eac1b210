package io.tradingdesk.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The OpenAPI 3.0 document, generated from the same route table that registers the routes (the Javalin OpenAPI
 * plugin has no release for Javalin 7 in our repository, and an annotation processor would be a second source of
 * truth anyway). Built once at startup; served as bytes. Thread-safe.
 */
public final class OpenApi {
    private OpenApi() {
    }

    /**
     * @param guard the check each route runs before its inputs are read, {@code null} for none: its name is the
     *              operation's security requirement, so the document shows which token a route needs in the mode
     *              the server runs in
     */
    public static byte[] document(List<RouteSpec> routes, String version, Function<RouteSpec, BearerAuth> guard,
                                  ObjectMapper mapper) {
        var paths = new LinkedHashMap<String, Map<String, Object>>();
        var schemes = new TreeMap<String, Object>();
        for (RouteSpec route : routes) {
            BearerAuth auth = guard.apply(route);
            if (auth != null) {
                schemes.put(auth.name(), Schema.of("type", "http", "scheme", "bearer"));
            }
            paths.computeIfAbsent(route.path(), p -> new LinkedHashMap<>())
                    .put(route.method().toLowerCase(Locale.ROOT), operation(route, auth));
        }
        var errorSchema = Schema.object(List.of("error", "message", "details"),
                "error", Schema.string("stable machine-readable code, e.g. bad_request, not_found, conflict"),
                "message", Schema.string("for people"),
                "details", Schema.freeObject());
        var components = Schema.of("schemas", Schema.of("Error", errorSchema));
        if (!schemes.isEmpty()) {
            components.put("securitySchemes", schemes);
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

    private static Map<String, Object> operation(RouteSpec route, BearerAuth auth) {
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
        route.responses().forEach((status, schema) -> {
            var content = new LinkedHashMap<String, Object>();
            route.produces().forEach(type -> content.put(type, Schema.of("schema", schema)));
            var response = Schema.of("description", status < 300 ? "success" : ErrorMapper.codeFor(status),
                    "content", content);
            if (status < 300 && route.access() == RouteSpec.Access.WRITE) {
                response.put("headers", Schema.of(Consistency.HEADER, Schema.of(
                        "description", Consistency.RESPONSE_DESCRIPTION, "schema", Field.walPosition(Consistency.HEADER).schema())));
            }
            responses.put(Integer.toString(status), response);
        });
        var statuses = new TreeSet<>(route.errors());
        if (route.body() != null) {
            statuses.addAll(List.of(400, 413, 415));
        }
        if (!route.pathParameters().isEmpty() || !route.query().isEmpty() || !route.headers().isEmpty()) {
            statuses.add(400);
        }
        if (auth != null) {
            statuses.add(401);
        }
        statuses.add(500);
        statuses.removeAll(route.responses().keySet());
        for (int status : statuses) {
            responses.put(Integer.toString(status), Schema.of("description", ErrorMapper.codeFor(status),
                    "content", Schema.of(Json.CONTENT_TYPE, Schema.of("schema", Schema.of("$ref", "#/components/schemas/Error")))));
        }
        op.put("responses", responses);
        if (auth != null) {
            op.put("security", List.of(Schema.of(auth.name(), List.of())));
        }
        return op;
    }
}
