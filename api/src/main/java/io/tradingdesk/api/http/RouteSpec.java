package io.tradingdesk.api.http;

import io.javalin.http.Handler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One row of the route table: what {@code HttpApi} registers with Javalin and what {@link OpenApi} documents, so
 * the two cannot drift apart. Immutable.
 *
 * @param method   GET, POST, PUT, PATCH or DELETE
 * @param path     Javalin path template, e.g. {@code /api/research/{id}}
 * @param summary  one line for the documentation
 * @param query    documented query parameters: name to schema
 * @param request  schema of the JSON request body, or {@code null} when the route takes none
 * @param status   the success status
 * @param response schema of the success body
 * @param errors   the error statuses the route can answer besides the generic ones
 * @param handler  the Javalin handler
 */
public record RouteSpec(String method, String path, String summary, Map<String, Map<String, Object>> query,
                        Map<String, Object> request, int status, Map<String, Object> response, List<Integer> errors,
                        Handler handler) {

    private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");

    public RouteSpec {
        query = Map.copyOf(query);
        errors = List.copyOf(errors);
    }

    /** POST, PUT, PATCH and DELETE change data: they require the bearer token when one is configured. */
    public boolean mutating() {
        return MUTATING.contains(method);
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

    /** Collects one route's documentation, then {@link #handle} closes it with the handler. Not thread-safe. */
    public static final class Builder {
        private final String method;
        private final String path;
        private final String summary;
        private final LinkedHashMap<String, Map<String, Object>> query = new LinkedHashMap<>();
        private Map<String, Object> request;
        private int status = 200;
        private Map<String, Object> response = Schema.freeObject();
        private List<Integer> errors = List.of();

        private Builder(String method, String path, String summary) {
            this.method = method;
            this.path = path;
            this.summary = summary;
        }

        public Builder query(String name, Map<String, Object> schema) {
            query.put(name, schema);
            return this;
        }

        public Builder body(Map<String, Object> schema) {
            this.request = schema;
            return this;
        }

        public Builder returns(int status, Map<String, Object> schema) {
            this.status = status;
            this.response = schema;
            return this;
        }

        public Builder errors(Integer... statuses) {
            this.errors = List.of(statuses);
            return this;
        }

        public RouteSpec handle(Handler handler) {
            return new RouteSpec(method, path, summary, query, request, status, response, errors, handler);
        }
    }
}
