package io.tradingdesk.api.http;

import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One row of the route table: what {@code HttpApi} registers with Javalin, what it validates before the handler
 * runs ({@link Input}) and what {@link OpenApi} documents, so that the three cannot drift apart. Immutable.
 *
 * @param method         GET, POST, PUT, PATCH or DELETE
 * @param path           Javalin path template, e.g. {@code /api/research/{id}}
 * @param summary        one line for the documentation
 * @param pathParameters one declaration per {@code {name}} of the path, in order
 * @param query          the query parameters the route reads
 * @param headers        the request headers the route reads (beyond Content-Type and Authorization)
 * @param body           the JSON request body, or {@code null} when the route takes none
 * @param responses      status to body schema of every answer that is not the error shape (successes, and e.g.
 *                       a 503 readiness report); the first is the usual one
 * @param errors         the statuses the route can answer with the error shape besides the generic ones
 * @param produces       the media types of the {@code responses} (JSON unless declared otherwise)
 * @param access         which token the route may need; {@code HttpApi} decides from the configuration
 * @param handler        what runs once the inputs are valid
 */
public record RouteSpec(String method, String path, String summary, List<Field<?>> pathParameters,
                        List<Field<?>> query, List<Field<?>> headers, Body<?> body,
                        Map<Integer, Map<String, Object>> responses, List<Integer> errors, List<String> produces,
                        Access access, Handler handler) {

    /** The methods that change data: their routes are {@link Access#WRITE} unless declared otherwise. */
    private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");

    /** Who may call a route, before the configuration (API_AUTH, API_TOKEN, METRICS_TOKEN) has its say. */
    public enum Access {
        /** Never needs a token: the probes and the documentation. */
        PUBLIC,
        /** Needs METRICS_TOKEN when one is set. */
        METRICS,
        /** A read of the desk's data: needs API_TOKEN when API_AUTH=all. */
        READ,
        /** A change of the desk's data: needs API_TOKEN when API_AUTH=all or writes. */
        WRITE
    }

    /** A route's logic, called with inputs that are already valid. */
    @FunctionalInterface
    public interface Handler {
        void handle(Context ctx, Input input) throws Exception;
    }

    public RouteSpec {
        pathParameters = List.copyOf(pathParameters);
        query = List.copyOf(query);
        headers = List.copyOf(headers);
        responses = Collections.unmodifiableMap(new LinkedHashMap<>(responses));
        errors = List.copyOf(errors);
        produces = List.copyOf(produces);
        if (responses.isEmpty() || produces.isEmpty()) {
            throw new IllegalArgumentException(method + " " + path + ": declare at least one response and media type");
        }
        long declared = path.chars().filter(c -> c == '{').count();
        if (declared != pathParameters.size()
                || pathParameters.stream().anyMatch(p -> !path.contains("{" + p.name() + "}"))) {
            throw new IllegalArgumentException(method + " " + path + ": declare each path parameter once, in order");
        }
    }

    /** Reads the declared inputs (400 when one is invalid), then runs the handler. */
    public void serve(Context ctx, Json json) throws Exception {
        handler.handle(ctx, Input.read(this, ctx, json));
    }

    public static Builder get(String path, String summary) {
        return new Builder("GET", path, summary);
    }

    public static Builder post(String path, String summary) {
        return new Builder("POST", path, summary);
    }

    public static Builder put(String path, String summary) {
        return new Builder("PUT", path, summary);
    }

    public static Builder patch(String path, String summary) {
        return new Builder("PATCH", path, summary);
    }

    /** Collects one route's declarations, then {@link #handle} closes it with the handler. Not thread-safe. */
    public static final class Builder {
        private final String method;
        private final String path;
        private final String summary;
        private final List<Field<?>> pathParameters = new ArrayList<>();
        private final List<Field<?>> query = new ArrayList<>();
        private final List<Field<?>> headers = new ArrayList<>();
        private Body<?> body;
        private final Map<Integer, Map<String, Object>> responses = new LinkedHashMap<>();
        private List<Integer> errors = List.of();
        private List<String> produces = List.of(Json.CONTENT_TYPE);
        private Access access;

        private Builder(String method, String path, String summary) {
            this.method = method;
            this.path = path;
            this.summary = summary;
            this.access = MUTATING.contains(method) ? Access.WRITE : Access.READ;
        }

        public Builder path(Field<?>... parameters) {
            pathParameters.addAll(List.of(parameters));
            return this;
        }

        public Builder query(Field<?>... parameters) {
            query.addAll(List.of(parameters));
            return this;
        }

        public Builder headers(Field<?>... parameters) {
            headers.addAll(List.of(parameters));
            return this;
        }

        public Builder body(Body<?> declaration) {
            this.body = declaration;
            return this;
        }

        /** An answer with {@code status} and a body of {@code schema}; call once per such status. */
        public Builder returns(int status, Map<String, Object> schema) {
            responses.put(status, schema);
            return this;
        }

        public Builder errors(Integer... statuses) {
            this.errors = List.of(statuses);
            return this;
        }

        /** The media types the answers are written in, instead of JSON (e.g. {@code text/html}). */
        public Builder produces(String... mediaTypes) {
            this.produces = List.of(mediaTypes);
            return this;
        }

        /** Open to anyone who can reach the server, whatever API_AUTH says: probes and documentation only. */
        public Builder publicAccess() {
            this.access = Access.PUBLIC;
            return this;
        }

        /** Guarded by METRICS_TOKEN when one is set, never by API_TOKEN. */
        public Builder metricsAccess() {
            this.access = Access.METRICS;
            return this;
        }

        public RouteSpec handle(Handler handler) {
            return new RouteSpec(method, path, summary, pathParameters, query, headers, body, responses, errors,
                    produces, access, handler);
        }
    }
}
