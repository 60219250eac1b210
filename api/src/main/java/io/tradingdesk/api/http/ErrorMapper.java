package io.tradingdesk.api.http;

import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.tradingdesk.api.model.ErrorBody;
import io.tradingdesk.api.store.DomainException;
import io.tradingdesk.db.ConstraintViolationException;
import io.tradingdesk.db.DatabaseUnavailableException;
import io.tradingdesk.db.DbException;
import io.tradingdesk.db.PoolExhaustedException;
import io.tradingdesk.db.StatementTimeoutException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP: every exception a handler throws, and Javalin's own 404/405, ends here
 * as {@code {"error", "message", "details"}}. Database overload and outages are 503 with {@code Retry-After} (a
 * client should back off, not fail), statement timeouts 504, constraint violations 409/422. Anything unexpected is
 * a 500 carrying only a correlation id, which the ERROR log line repeats next to the stack trace. Responses never
 * contain stack traces, SQL or class names. Thread-safe.
 */
public final class ErrorMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

    /**
     * Data exceptions a valid-looking request can still cause: a number that rounds past its column's precision
     * (22003), a timestamp out of PostgreSQL's range (22008), a string longer than its column (22001). The client's
     * data is at fault, so 422, not 500.
     */
    private static final Set<String> VALUE_TOO_LARGE = Set.of("22003", "22008", "22001");

    private static final long OUTAGE_LOG_INTERVAL_NANOS = 5_000_000_000L;

    private final Json json;
    private final AtomicLong lastOutageWarn = new AtomicLong(System.nanoTime() - OUTAGE_LOG_INTERVAL_NANOS);
    private final AtomicLong outagesSinceWarn = new AtomicLong();

    public ErrorMapper(Json json) {
        this.json = json;
    }

    public void handle(Exception e, Context ctx) {
        if (e instanceof Json.ClientGone gone) {
            // Not a server failure and not an answer to write: a health checker or client that gave up waiting.
            LOG.debug("{} {}: {}", ctx.method(), ctx.path(), gone.getMessage());
            return;
        }
        ApiError error = translate(e, ctx);
        if (error.status() == 503) {
            ctx.header("Retry-After", "1");
        }
        if (unreadBody(ctx)) {
            // Refused before its body was read (401, 415, 413, a bad parameter): Jetty will not reuse a connection
            // with unread content in it. Saying so lets the client open a new one instead of sending its next
            // request into a connection that is about to close.
            ctx.header("Connection", "close");
        }
        json.write(ctx, error.status(), new ErrorBody(error.code(), error.getMessage(), error.details()));
    }

    private static boolean unreadBody(Context ctx) {
        boolean hasBody = ctx.req().getContentLengthLong() > 0 || ctx.header("Transfer-Encoding") != null;
        return hasBody && ctx.attribute(Json.BODY_READ) == null;
    }

    private ApiError translate(Exception e, Context ctx) {
        return switch (e) {
            case ApiError api -> api;
            case HttpResponseException http -> fromJavalin(http, ctx);
            case PoolExhaustedException pool -> {
                LOG.debug("{} {}: no connection: {}", ctx.method(), ctx.path(), pool.getMessage());
                yield new ApiError(503, "unavailable", "the database is busy; retry shortly",
                        Map.of("reason", pool.reason().name().toLowerCase(Locale.ROOT)));
            }
            case DatabaseUnavailableException down -> {
                outageLog(ctx, down);
                yield new ApiError(503, "unavailable", "the database is not reachable; retry shortly", Map.of());
            }
            case StatementTimeoutException timeout -> {
                LOG.warn("{} {}: statement timeout: {}", ctx.method(), ctx.path(), timeout.getMessage());
                yield new ApiError(504, "timeout", "the database did not answer in time", Map.of());
            }
            case DomainException refused -> fromDomain(refused);
            case ConstraintViolationException violation -> fromConstraint(violation);
            case DbException db when db.sqlState() != null && VALUE_TOO_LARGE.contains(db.sqlState()) -> ApiError.unprocessable(
                    "a value does not fit its column (too many digits, or a date out of range)", Map.of());
            case DbException db -> internal(db, ctx);
            default -> internal(e, ctx);
        };
    }

    /**
     * During an outage every request fails the same way: one WARN per {@link #OUTAGE_LOG_INTERVAL_NANOS} with the
     * number of failures since the last one keeps the log readable; the rest go to DEBUG.
     */
    private void outageLog(Context ctx, DatabaseUnavailableException down) {
        long now = System.nanoTime();
        long last = lastOutageWarn.get();
        long since = outagesSinceWarn.incrementAndGet();
        if (now - last >= OUTAGE_LOG_INTERVAL_NANOS && lastOutageWarn.compareAndSet(last, now)) {
            outagesSinceWarn.addAndGet(-since);
            LOG.warn("{} {}: database unavailable ({} such failures since the last warning): {}", ctx.method(),
                    ctx.path(), since, down.getMessage());
        } else {
            LOG.debug("{} {}: database unavailable: {}", ctx.method(), ctx.path(), down.getMessage());
        }
    }

    private static ApiError fromJavalin(HttpResponseException e, Context ctx) {
        int status = e.getStatus();
        return switch (status) {
            case 404 -> ApiError.notFound("no route for " + ctx.method() + " " + ctx.path(), Map.of());
            case 405 -> {
                var details = new LinkedHashMap<String, Object>(e.getDetails());
                yield new ApiError(405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path(),
                        details);
            }
            case 413 -> new ApiError(413, "payload_too_large", "the request body is too large", Map.of());
            default -> new ApiError(status, codeFor(status), e.getMessage() == null ? "request failed" : e.getMessage(),
                    Map.of());
        };
    }

    private static ApiError fromDomain(DomainException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> ApiError.notFound(e.getMessage(), e.details());
            case CONFLICT -> ApiError.conflict(e.getMessage(), e.details());
            case RULE_BROKEN -> ApiError.unprocessable(e.getMessage(), e.details());
        };
    }

    private static ApiError fromConstraint(ConstraintViolationException e) {
        String constraint = e.constraint() == null ? "unknown" : e.constraint();
        return switch (e.kind()) {
            case FOREIGN_KEY -> ApiError.unprocessable("a referenced row does not exist (" + constraint + ")",
                    Map.of("constraint", constraint));
            case CHECK, NOT_NULL -> ApiError.unprocessable("a value breaks the data rule " + constraint,
                    Map.of("constraint", constraint));
            case UNIQUE, EXCLUSION -> ApiError.conflict("the row already exists (" + constraint + ")",
                    Map.of("constraint", constraint));
        };
    }

    private static ApiError internal(Exception e, Context ctx) {
        String correlationId = UUID.randomUUID().toString();
        LOG.error("unexpected failure on {} {} (correlationId={})", ctx.method(), ctx.path(), correlationId, e);
        return new ApiError(500, "internal", "unexpected server error; quote the correlationId when reporting it",
                Map.of("correlationId", correlationId));
    }

    static String codeFor(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 408 -> "request_timeout";
            case 409 -> "conflict";
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 415 -> "unsupported_media_type";
            case 422 -> "unprocessable";
            case 431 -> "headers_too_large";
            case 503 -> "unavailable";
            case 504 -> "timeout";
            default -> status >= 500 ? "internal" : "bad_request";
        };
    }
}
