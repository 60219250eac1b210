package io.tradingdesk.api.http;

import io.javalin.http.Context;
import java.util.List;

/**
 * The validated inputs of one request: the path and query parameters and the body its {@link RouteSpec} declares,
 * read before the handler runs. A request with any invalid parameter never reaches its handler (400 naming every
 * one). Asking for an input the route did not declare is a programming error ({@link IllegalStateException}), so
 * a handler cannot read what the documentation does not show. Not thread-safe: one per request.
 */
public final class Input {
    private static final Object[] NONE = {};

    private final RouteSpec route;
    private final Object[] values;
    private final Object body;

    private Input(RouteSpec route, Object[] values, Object body) {
        this.route = route;
        this.values = values;
        this.body = body;
    }

    /**
     * Reads and validates what {@code route} declares: path, query and header parameters first (all their problems
     * in one 400, before the body is read), then the body.
     */
    static Input read(RouteSpec route, Context ctx, Json json) {
        List<Field<?>> path = route.pathParameters();
        List<Field<?>> query = route.query();
        List<Field<?>> headers = route.headers();
        Object[] values = NONE;
        if (!path.isEmpty() || !query.isEmpty() || !headers.isEmpty()) {
            values = new Object[path.size() + query.size() + headers.size()];
            Problems problems = new Problems();
            for (int i = 0; i < path.size(); i++) {
                values[i] = path.get(i).fromText(ctx.pathParam(path.get(i).name()), problems);
            }
            for (int i = 0; i < query.size(); i++) {
                values[path.size() + i] = query.get(i).fromText(ctx.queryParam(query.get(i).name()), problems);
            }
            int offset = path.size() + query.size();
            for (int i = 0; i < headers.size(); i++) {
                values[offset + i] = headers.get(i).fromText(ctx.header(headers.get(i).name()), problems);
            }
            problems.throwIfAny();
        }
        Object body = route.body() == null ? null : route.body().read(json.read(ctx));
        return new Input(route, values, body);
    }

    /** The value of a path, query or header parameter the route declares; {@code null} when optional and absent. */
    @SuppressWarnings("unchecked")
    public <T> T get(Field<T> parameter) {
        List<Field<?>> path = route.pathParameters();
        for (int i = 0; i < path.size(); i++) {
            if (path.get(i) == parameter) {
                return (T) values[i];
            }
        }
        List<Field<?>> query = route.query();
        for (int i = 0; i < query.size(); i++) {
            if (query.get(i) == parameter) {
                return (T) values[path.size() + i];
            }
        }
        List<Field<?>> headers = route.headers();
        for (int i = 0; i < headers.size(); i++) {
            if (headers.get(i) == parameter) {
                return (T) values[path.size() + query.size() + i];
            }
        }
        throw new IllegalStateException(parameter + " is not declared on this route");
    }

    /** The request body, as the route's {@code body} declaration built it. */
    @SuppressWarnings("unchecked")
    public <T> T body(Body<T> declared) {
        if (declared != route.body()) {
            throw new IllegalStateException("this route declares another body");
        }
        return (T) body;
    }
}
