package io.tradingdesk.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.db.DbConfig;
import io.tradingdesk.db.testing.TestDatabase;
import io.tradingdesk.migrations.Migrations;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A real server on a random port over a fresh, migrated database, and an HTTP client for it. One per test class.
 */
final class ApiServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final DatabaseUrl url;
    final Database database;
    final HttpApi api;
    final PrometheusMeterRegistry registry;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    private ApiServer(DatabaseUrl url, Database database, HttpApi api, PrometheusMeterRegistry registry) {
        this.url = url;
        this.database = database;
        this.api = api;
        this.registry = registry;
        this.base = "http://127.0.0.1:" + api.port();
    }

    static ApiServer start(String purpose) {
        return start(purpose, Map.of(), Map.of());
    }

    static ApiServer start(String purpose, Map<String, String> dbVariables, Map<String, String> apiVariables) {
        DatabaseUrl url = TestDatabase.fresh(purpose);
        Migrations.migrate(url.jdbcUrl(), url.user(), url.password());
        return start(url, TestDatabase.config(url, dbVariables), apiVariables);
    }

    static ApiServer start(DatabaseUrl url, DbConfig dbConfig, Map<String, String> apiVariables) {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Database database = Database.start(dbConfig, registry);
        var env = new HashMap<>(apiVariables);
        env.putIfAbsent("PORT", "0");
        env.putIfAbsent("HOST", "127.0.0.1");
        HttpApi api = HttpApi.create(ApiConfig.from(env), database, registry, () -> true).start();
        return new ApiServer(url, database, api, registry);
    }

    String base() {
        return base;
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    /** GET with an {@code Authorization} header, e.g. {@code "Bearer <token>"}. */
    Response get(String path, String authorization) {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", authorization).GET());
    }

    Response post(String path, Object body, String... headers) {
        return send(json(path, body, headers).POST(bodyOf(body)));
    }

    Response put(String path, Object body, String... headers) {
        return send(json(path, body, headers).PUT(bodyOf(body)));
    }

    Response patch(String path, Object body, String... headers) {
        return send(json(path, body, headers).method("PATCH", bodyOf(body)));
    }

    Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpRequest.Builder json(String path, Object body, String... headers) {
        var builder = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            builder.setHeader(headers[i], headers[i + 1]);
        }
        return builder;
    }

    URI uri(String path) {
        return URI.create(base + path);
    }

    static HttpRequest.BodyPublisher bodyOf(Object body) {
        try {
            return HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates an instrument, asserting success. */
    void instrument(String symbol) {
        Response r = put("/api/instruments/" + symbol, Map.of("name", "Test " + symbol, "assetClass", "equity",
                "currency", "USD"));
        if (r.status() != 200 && r.status() != 201) {
            throw new AssertionError("PUT instrument: " + r);
        }
    }

    @Override
    public void close() {
        api.stop(Duration.ofSeconds(1));
        database.close();
    }

    record Response(int status, HttpHeaders headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        /** The error code of the one error shape; asserts the shape. */
        String error() {
            JsonNode json = json();
            if (!json.path("error").isTextual() || !json.path("message").isTextual() || !json.path("details").isObject()) {
                throw new AssertionError("not the error shape: " + body);
            }
            return json.get("error").asText();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }
}
