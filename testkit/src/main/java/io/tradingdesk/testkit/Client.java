package io.tradingdesk.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;

/**
 * The tests' HTTP client: {@link HttpClient} over HTTP/1.1 to 127.0.0.1 for well-formed requests (every call has a
 * request timeout, and a timeout is reported as a {@link Reply#TIMEOUT} reply rather than thrown), and a raw socket
 * for requests no well-behaved client would send (invalid UTF-8, huge headers, unnormalised paths).
 * Thread-safe.
 */
public final class Client implements AutoCloseable {
    private final HttpClient http;
    private final String base;
    private final int port;
    private final String token;
    private final Duration timeout;

    public Client(int port, String token, Duration timeout) {
        this.port = port;
        this.base = "http://127.0.0.1:" + port;
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    public Reply get(String path) {
        return send("GET", path, null, true, null);
    }

    public Reply post(String path, String json) {
        return send("POST", path, json, true, null);
    }

    public Reply post(String path, String json, String idempotencyKey) {
        return send("POST", path, json, true, idempotencyKey);
    }

    public Reply put(String path, String json) {
        return send("PUT", path, json, true, null);
    }

    public Reply patch(String path, String json) {
        return send("PATCH", path, json, true, null);
    }

    /** Any method; {@code authorised} adds the bearer token (when this client has one). */
    public Reply send(String method, String path, String json, boolean authorised, String idempotencyKey) {
        var builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
        if (json != null) {
            builder.header("Content-Type", "application/json");
            builder.method(method, HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        } else {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        if (authorised && token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        if (idempotencyKey != null) {
            builder.header("Idempotency-Key", idempotencyKey);
        }
        return exchange(builder.build());
    }

    /** A request built by the caller (own headers, own body publisher). */
    public Reply exchange(HttpRequest request) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Reply(response.statusCode(), response.body(),
                    response.headers().firstValue("Retry-After").orElse(null),
                    response.headers().firstValue("Content-Type").orElse(null), System.nanoTime() - start);
        } catch (HttpTimeoutException e) {
            return new Reply(Reply.TIMEOUT, e.toString(), null, null, System.nanoTime() - start);
        } catch (IOException e) {
            return new Reply(Reply.IO_ERROR, e.toString(), null, null, System.nanoTime() - start);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(Reply.IO_ERROR, e.toString(), null, null, System.nanoTime() - start);
        }
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
    }

    public String token() {
        return token;
    }

    public int port() {
        return port;
    }

    /**
     * Sends {@code head} (request line and headers, CRLF-separated, without the blank line) and {@code body} as they
     * are over a fresh socket, with {@code Connection: close}, and reads the whole response (de-chunked).
     */
    public Reply raw(byte[] head, byte[] body) {
        long start = System.nanoTime();
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            try {
                out.write(head);
                out.write("\r\nConnection: close\r\n".getBytes(StandardCharsets.US_ASCII));
                if (body != null) {
                    out.write(("Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                if (body != null) {
                    out.write(body);
                }
                out.flush();
            } catch (IOException e) {
                // The server may answer and close as soon as it has seen enough to refuse: read what it said.
            }
            byte[] response = readAll(socket.getInputStream());
            return parse(response, System.nanoTime() - start);
        } catch (SocketTimeoutException e) {
            return new Reply(Reply.TIMEOUT, e.toString(), null, null, System.nanoTime() - start);
        } catch (IOException e) {
            return new Reply(Reply.IO_ERROR, e.toString(), null, null, System.nanoTime() - start);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        var buffer = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        int n;
        try {
            while ((n = in.read(chunk)) >= 0) {
                buffer.write(chunk, 0, n);
                if (buffer.size() > 8_000_000) {
                    break;
                }
            }
        } catch (IOException e) {
            // The server may reset after it has answered a request it refuses to read; keep what arrived.
            if (buffer.size() == 0) {
                throw e;
            }
        }
        return buffer.toByteArray();
    }

    private static Reply parse(byte[] response, long nanos) {
        String text = new String(response, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/") || end < 0) {
            return new Reply(Reply.IO_ERROR, "unparseable response: " + text.substring(0, Math.min(200, text.length())),
                    null, null, nanos);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        String retryAfter = null;
        String contentType = null;
        boolean chunked = false;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            switch (name) {
                case "retry-after" -> retryAfter = value;
                case "content-type" -> contentType = value;
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                default -> { }
            }
        }
        byte[] body = java.util.Arrays.copyOfRange(response, end + 4, response.length);
        if (chunked) {
            body = dechunk(body);
        }
        return new Reply(status, new String(body, StandardCharsets.UTF_8), retryAfter, contentType, nanos);
    }

    private static byte[] dechunk(byte[] body) {
        var out = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < body.length) {
            int lineEnd = indexOf(body, pos);
            if (lineEnd < 0) {
                break;
            }
            String sizeText = new String(body, pos, lineEnd - pos, StandardCharsets.US_ASCII).split(";")[0].trim();
            int size;
            try {
                size = Integer.parseInt(sizeText, 16);
            } catch (NumberFormatException e) {
                break;
            }
            if (size == 0) {
                break;
            }
            int start = lineEnd + 2;
            out.write(body, start, Math.min(size, body.length - start));
            pos = start + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] data, int from) {
        for (int i = from; i + 1 < data.length; i++) {
            if (data[i] == '\r' && data[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        http.close();
    }
}
