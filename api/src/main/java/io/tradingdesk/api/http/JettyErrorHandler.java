package io.tradingdesk.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tradingdesk.api.model.ErrorBody;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty answers some requests before Javalin sees them: headers too large (431), an unparseable request line or URI
 * (400), requests during shutdown (503). This makes those bodies the same JSON shape as every other error instead
 * of Jetty's HTML page. Jetty's reason phrases carry no request data, so they are safe to return. Thread-safe.
 */
public final class JettyErrorHandler extends ErrorHandler {
    private final ObjectMapper mapper;

    public JettyErrorHandler(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Every method gets the JSON body; Jetty's default writes one only for GET, POST and HEAD. */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Json.CONTENT_TYPE);
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    private byte[] body(int status, String reason) {
        String message = reason == null || reason.isBlank() ? "request rejected by the HTTP server" : reason;
        try {
            return mapper.writeValueAsBytes(new ErrorBody(ErrorMapper.codeFor(status), message, Map.of()));
        } catch (JsonProcessingException e) {
            return ("{\"error\":\"" + ErrorMapper.codeFor(status) + "\",\"message\":\"request rejected\",\"details\":{}}")
                    .getBytes(StandardCharsets.US_ASCII);
        }
    }
}
