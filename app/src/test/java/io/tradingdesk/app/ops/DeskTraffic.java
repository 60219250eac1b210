package io.tradingdesk.app.ops;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests a research desk client makes, over the real HTTP API of a running server on 127.0.0.1: seeding
 * instruments and daily bars, and one request to every kind of route (reads, writes, health, errors) so that each
 * per-route series exists. Thread-safe (one HttpClient, shared).
 */
final class DeskTraffic implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"?(\\d+)");
    private static final Instant FIRST_DAY = Instant.parse("2024-01-01T00:00:00Z");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final URI base;

    DeskTraffic(int port) {
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    /** The response status and body; IOExceptions (connection refused, timeout) propagate. */
    HttpResponse<String> send(String method, String path, String json) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT);
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String symbol(int i) {
        return String.format("OPS%03d", i);
    }

    /** {@code instruments} instruments (OPS000...) with {@code days} daily bars each; fails on any refusal. */
    void seed(int instruments, int days) throws IOException, InterruptedException {
        for (int i = 0; i < instruments; i++) {
            expect(send("PUT", "/api/instruments/" + symbol(i),
                    "{\"name\":\"Ops " + symbol(i) + "\",\"assetClass\":\"equity\",\"currency\":\"USD\"}"), 200, 201);
        }
        var bars = new StringJoiner(",", "[", "]");
        int count = 0;
        for (int i = 0; i < instruments; i++) {
            for (int d = 0; d < days; d++) {
                int close = 100 + d;
                bars.add("{\"symbol\":\"" + symbol(i) + "\",\"ts\":\"" + FIRST_DAY.plus(d, ChronoUnit.DAYS)
                        + "\",\"open\":" + close + ",\"high\":" + (close + 1) + ",\"low\":" + (close - 1)
                        + ",\"close\":" + close + ",\"volume\":1000}");
                // The API takes up to 5,000 bars per request.
                if (++count == 5_000) {
                    expect(send("POST", "/api/market/bars", bars.toString()), 200);
                    bars = new StringJoiner(",", "[", "]");
                    count = 0;
                }
            }
        }
        if (count > 0) {
            expect(send("POST", "/api/market/bars", bars.toString()), 200);
        }
    }

    /** One request to each kind of route, good and bad, after {@link #seed} with at least one instrument. */
    void everyRoute() throws IOException, InterruptedException {
        String symbol = symbol(0);
        var note = expect(send("POST", "/api/research", "{\"symbol\":\"" + symbol + "\",\"model\":\"momentum\","
                + "\"title\":\"Ops\",\"body\":\"Metrics coverage.\",\"payload\":{\"score\":0.5},\"tags\":[\"ops\"]}"), 201);
        String noteId = id(note.body());
        var pitch = expect(send("POST", "/api/pitches", "{\"symbol\":\"" + symbol + "\",\"side\":\"buy\","
                + "\"thesis\":\"Ops\",\"entryPrice\":100,\"targetPrice\":110,\"stopPrice\":95,\"confidence\":0.6,"
                + "\"researchIds\":[" + noteId + "]}"), 201);
        for (String path : List.of("/api/instruments", "/api/instruments/" + symbol, "/api/market/bars/" + symbol,
                "/api/market/snapshot", "/api/research/latest?limit=5", "/api/research/" + noteId,
                "/api/research?symbol=" + URLEncoder.encode(symbol, StandardCharsets.UTF_8),
                "/api/pitches/" + id(pitch.body()), "/api/pitches?status=draft", "/api/positions",
                "/api/portfolio/summary", "/api/health", "/health/ready", "/health/live", "/openapi.json")) {
            expect(send("GET", path, null), 200);
        }
        expect(send("GET", "/api/research/999999999", null), 404);
        expect(send("GET", "/no/such/route", null), 404);
        expect(send("POST", "/api/pitches", "{\"symbol\":"), 400);
    }

    private static String id(String body) {
        Matcher m = ID.matcher(body);
        if (!m.find()) {
            throw new AssertionError("no id in " + body);
        }
        return m.group(1);
    }

    private static HttpResponse<String> expect(HttpResponse<String> response, int... statuses) {
        for (int status : statuses) {
            if (response.statusCode() == status) {
                return response;
            }
        }
        throw new AssertionError(response.request().method() + " " + response.request().uri() + " answered "
                + response.statusCode() + ": " + response.body());
    }

    @Override
    public void close() {
        http.close();
    }
}
