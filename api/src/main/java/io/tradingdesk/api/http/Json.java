package io.tradingdesk.api.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;

/**
 * JSON in and out, with one shared {@link ObjectMapper}: java.time as ISO-8601 strings, decimals as
 * {@code BigDecimal} written plain (prices never pass through a double), NaN and Infinity rejected by the parser,
 * duplicate keys rejected, camelCase names. Request bodies must be {@code application/json} (else 415) and at most
 * {@code maxBodyBytes} long (else 413, also for chunked bodies without a Content-Length). Thread-safe.
 */
public final class Json {
    public static final String CONTENT_TYPE = "application/json";
    /** Bodies up to this many times the limit are read and dropped before the 413 is sent (see tooLarge). */
    private static final int DRAIN_FACTOR = 4;
    /** Request attribute: the body was read to its end, so the connection can serve the next request. */
    static final String BODY_READ = "tradingdesk.bodyRead";

    /** Javalin compresses responses from 1500 bytes on (when the client accepts it); smaller ones never. */
    private static final int COMPRESSIBLE_BYTES = 1500;

    private final ObjectMapper mapper;
    private final int maxBodyBytes;

    public Json(ObjectMapper mapper, int maxBodyBytes) {
        this.mapper = mapper;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The service's mapper; configured once, then shared by every request. */
    public static ObjectMapper newMapper() {
        // Jackson recycles its buffers per thread by default, which never hits with a new virtual thread per
        // request: every response allocated fresh ones. A shared lock-free pool recycles across threads.
        var factory = JsonFactory.builder().recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build();
        return JsonMapper.builder(factory)
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .build();
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** Writes {@code value} as the JSON response with {@code status}. */
    public void write(Context ctx, int status, Object value) {
        byte[] body;
        try {
            body = mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response not serialisable: " + e.getOriginalMessage(), e);
        }
        ctx.status(status).contentType(CONTENT_TYPE);
        if (body.length >= COMPRESSIBLE_BYTES) {
            ctx.result(body);
            return;
        }
        // Small bodies (a note, a pitch, an error) go straight to the servlet response with a Content-Length:
        // Javalin's result path copies them through its compression wrapper, which profiling showed to be the
        // largest single cost of the benchmarked point read, for bodies it would never compress anyway.
        var response = ctx.res();
        response.setContentLength(body.length);
        try {
            response.getOutputStream().write(body);
        } catch (IOException e) {
            throw new ClientGone(e);
        }
    }

    /** The client closed the connection before its answer was written: nobody is left to answer. */
    static final class ClientGone extends UncheckedIOException {
        ClientGone(IOException cause) {
            super("client went away while the response was written", cause);
        }
    }

    /** The request body as any JSON value (arrays for batch routes). */
    public JsonNode read(Context ctx) {
        requireJson(ctx.contentType());
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBodyBytes) {
            throw tooLarge(ctx);
        }
        byte[] bytes = readLimited(ctx);
        ctx.attribute(BODY_READ, Boolean.TRUE);
        if (bytes.length == 0) {
            throw ApiError.badRequest("the request body is empty; a JSON document is required", Map.of());
        }
        try {
            return mapper.readTree(bytes);
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            String message = e.getOriginalMessage();
            // Jackson's text quotes a bit of the input; keep it short, it is echoed to the client.
            if (message != null && message.length() > 200) {
                message = message.substring(0, 200) + "...";
            }
            throw ApiError.badRequest("malformed JSON: " + message,
                    where == null ? Map.of() : Map.of("line", where.getLineNr(), "column", where.getColumnNr()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static void requireJson(String contentType) {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        int semicolon = type.indexOf(';');
        String media = (semicolon < 0 ? type : type.substring(0, semicolon)).strip();
        String params = semicolon < 0 ? "" : type.substring(semicolon + 1).replace(" ", "");
        boolean utf8 = params.isEmpty() || params.equals("charset=utf-8") || params.equals("charset=\"utf-8\"");
        if (!media.equals(CONTENT_TYPE) || !utf8) {
            throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json (UTF-8)",
                    Map.of("contentType", contentType == null ? "" : contentType));
        }
    }

    private byte[] readLimited(Context ctx) {
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] bytes = in.readNBytes(maxBodyBytes + 1);
            if (bytes.length > maxBodyBytes) {
                throw tooLarge(ctx);
            }
            return bytes;
        } catch (IOException e) {
            throw ApiError.badRequest("the request body could not be read", Map.of());
        }
    }

    /**
     * The 413, after reading and dropping the rest of the body when it is at most {@link #DRAIN_FACTOR} times the
     * limit: a server that answers and closes while the client is still sending makes the client's TCP stack reset
     * the connection, and the client never sees the answer. A larger body is not read; the connection is closed.
     */
    private ApiError tooLarge(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        long cap = (long) maxBodyBytes * DRAIN_FACTOR;
        if (declared <= cap) {
            try (InputStream in = ctx.req().getInputStream()) {
                byte[] sink = new byte[8192];
                long room = cap;
                int n = 0;
                while (room > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, room))) >= 0) {
                    room -= n;
                }
                if (n < 0) {
                    ctx.attribute(BODY_READ, Boolean.TRUE);
                }
            } catch (IOException e) {
                // The client went away or sent less than it declared: nothing to answer on either way.
            }
        }
        return new ApiError(413, "payload_too_large", "the request body exceeds " + maxBodyBytes + " bytes",
                Map.of("maxBytes", maxBodyBytes));
    }
}
