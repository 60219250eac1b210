package io.tradingdesk.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * One virtual user of a {@link K6Runner} scenario: what a k6 script's iteration sees of k6. Requests go through the
 * run's HTTP client and record k6's samples ({@code http_req_duration} in ms, {@code http_req_failed},
 * {@code http_reqs}) tagged with the scenario, its phase and the request's {@code name} and {@code kind} tags, as
 * lib/api.js tags them; {@link #expectJson} parses the body and records {@code checks} as lib/checks.js does; custom
 * metrics carry the scenario's tags. Reading and parsing every body is part of the work k6 does per request.
 *
 * <p>Thread-safety: one thread at a time (a VU runs one iteration at a time); hand-offs between threads go through
 * a queue, which orders them.
 */
final class K6Vu {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** Ends an iteration whose request or sleep was interrupted at the end of the graceful stop; nothing is recorded. */
    static final class Interrupted extends RuntimeException {
        Interrupted() {
            super("interrupted by the end of the graceful stop", null, false, false);
        }
    }

    /** An HTTP answer; {@code status} 0 and {@code error} set for a transport failure. */
    record Response(int status, String body, String error) {
    }

    private final HttpClient client;
    private final String base;
    private final String scenario;
    private final String phase;
    private final K6Metrics.Recorder recorder;
    private final AtomicLong iterations;
    private final Map<String, Map<String, String>> tagSets = new HashMap<>();
    private final Map<String, String> scenarioTags;

    K6Vu(HttpClient client, URI baseUri, K6Scenario scenario, K6Metrics metrics, AtomicLong iterations) {
        this.client = client;
        String s = baseUri.toString();
        this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        this.scenario = scenario.name();
        this.phase = scenario.phase();
        this.recorder = metrics.recorder();
        this.iterations = iterations;
        this.scenarioTags = Map.of("scenario", this.scenario, "phase", phase);
    }

    /** The scenario-wide iteration number of the iteration about to run (k6's exec.scenario.iterationInTest). */
    long nextIteration() {
        return iterations.getAndIncrement();
    }

    RandomGenerator random() {
        return ThreadLocalRandom.current();
    }

    Response get(String path, String name, String kind) {
        return send("GET", path, null, name, kind, null);
    }

    Response post(String path, String body, String name, String kind) {
        return send("POST", path, body, name, kind, null);
    }

    Response post(String path, String body, String name, String kind, String idempotencyKey) {
        return send("POST", path, body, name, kind, idempotencyKey);
    }

    Response patch(String path, String body, String name, String kind) {
        return send("PATCH", path, body, name, kind, null);
    }

    /**
     * lib/checks.js expectJson: a check on the status ({@code "<label> -> 200"}) and, with a shape, one on the parsed
     * body ({@code "<label> JSON shape"}). Returns the parsed body when every check passed, else null.
     */
    JsonNode expectJson(Response r, String label, int[] statuses, Predicate<JsonNode> shape) {
        boolean statusOk = false;
        var allowed = new StringBuilder();
        for (int s : statuses) {
            statusOk |= r.status() == s;
            allowed.append(allowed.isEmpty() ? "" : "|").append(s);
        }
        check(label + " -> " + allowed, statusOk);
        JsonNode parsed = parse(r.body());
        boolean shapeOk = true;
        if (shape != null) {
            try {
                shapeOk = parsed != null && shape.test(parsed);
            } catch (RuntimeException e) {
                shapeOk = false;
            }
            check(label + " JSON shape", shapeOk);
        }
        return statusOk && shapeOk ? parsed : null;
    }

    JsonNode expectJson(Response r, String label, int status, Predicate<JsonNode> shape) {
        return expectJson(r, label, new int[] {status}, shape);
    }

    /** Adds to a custom metric (a counter or a trend), tagged with the scenario. */
    void add(String metric, double value) {
        recorder.add(metric, scenarioTags, value);
    }

    /** k6's sleep(): think time; an interrupt (the scenario's graceful stop is over) ends the iteration. */
    void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Interrupted();
        }
    }

    /** A {@code checks} sample tagged, as k6 tags it, with the check's name. */
    private void check(String name, boolean ok) {
        Map<String, String> tags = tagSets.computeIfAbsent("check\n" + name,
                k -> Map.of("scenario", scenario, "phase", phase, "check", name));
        recorder.add("checks", tags, ok ? 1 : 0);
    }

    private Response send(String method, String path, String body, String name, String kind, String key) {
        var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json");
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        HttpRequest request = b.build();
        long t0 = System.nanoTime();
        Response r;
        try {
            HttpResponse<String> res = client.send(request, HttpResponse.BodyHandlers.ofString());
            r = new Response(res.statusCode(), res.body(), null);
        } catch (IOException e) {
            r = new Response(0, "", e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            // k6 drops the samples of a request interrupted at the end of the graceful stop
            Thread.currentThread().interrupt();
            throw new Interrupted();
        }
        double millis = (System.nanoTime() - t0) / 1e6;
        Map<String, String> tags = tagSets.computeIfAbsent(name + '\n' + kind,
                k -> Map.of("scenario", scenario, "phase", phase, "name", name, "kind", kind));
        // k6's default expected statuses are 200-399; anything else, or no answer, is a failed request.
        boolean failed = r.status() < 200 || r.status() > 399;
        recorder.add("http_req_duration", tags, millis);
        recorder.add("http_req_failed", tags, failed ? 1 : 0);
        recorder.add("http_reqs", tags, 1);
        return r;
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isEmpty()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
