package io.tradingdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.net.http.HttpRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document against what the server really answers: every route is called, in its success cases and
 * its main failures, and each answer must be a status the document lists for that operation, with a body that
 * validates against the schema the document gives for it (networknt's validator, OpenAPI 3.0 dialect). The document
 * is generated from the same declarations the server validates with, so this test is what catches a schema that
 * says one thing while a handler writes another.
 */
class OpenApiContractIT {
    private static ApiServer server;
    private static JsonNode doc;
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDialect(Dialects.getOpenApi30());
    /** Operation ("GET /api/research/{id}") to the statuses seen. */
    private static final Map<String, TreeSet<Integer>> SEEN = new LinkedHashMap<>();
    private static final List<String> VIOLATIONS = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = ApiServer.start("api_contract");
        doc = server.get("/openapi.json").json();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void every_answer_of_every_route_matches_its_documented_status_and_schema() {
        call("GET", "/health/live", server.get("/health/live"));
        call("GET", "/health/ready", server.get("/health/ready"));
        call("GET", "/api/health", server.get("/api/health"));
        call("GET", "/metrics", server.get("/metrics"));
        call("GET", "/openapi.json", server.get("/openapi.json"));
        call("GET", "/docs", server.get("/docs"));
        call("GET", "/docs/{asset}", server.get("/docs/swagger-ui.css"));
        call("GET", "/docs/{asset}", server.get("/docs/swagger-ui-bundle.js?v=1"));
        call("GET", "/docs/{asset}", server.get("/docs/index.html"));

        String symbol = "CNTR";
        Map<String, Object> instrument = Map.of("name", "Contract Co", "assetClass", "equity", "currency", "USD");
        call("PUT", "/api/instruments/{symbol}", server.put("/api/instruments/" + symbol, instrument));
        call("PUT", "/api/instruments/{symbol}", server.put("/api/instruments/" + symbol, instrument));
        call("PUT", "/api/instruments/{symbol}", server.put("/api/instruments/" + symbol, Map.of("name", "")));
        call("PUT", "/api/instruments/{symbol}", server.put("/api/instruments/bad!", instrument));
        call("PUT", "/api/instruments/{symbol}", server.send(HttpRequest.newBuilder(server.uri("/api/instruments/X"))
                .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofString("{}"))));
        call("GET", "/api/instruments", server.get("/api/instruments"));
        call("GET", "/api/instruments/{symbol}", server.get("/api/instruments/" + symbol));
        call("GET", "/api/instruments/{symbol}", server.get("/api/instruments/NOPE"));
        call("GET", "/api/instruments/{symbol}", server.get("/api/instruments/lower"));

        var bars = new ArrayList<Map<String, Object>>();
        for (int day = 0; day < 10; day++) {
            bars.add(bar(symbol, Instant.parse("2024-01-01T00:00:00Z").plusSeconds(86_400L * day), 100 + day));
        }
        call("POST", "/api/market/bars", server.post("/api/market/bars", bars));
        call("POST", "/api/market/bars", server.post("/api/market/bars", List.of(bar("GHOST", Instant.now(), 1))));
        call("POST", "/api/market/bars", server.post("/api/market/bars", List.of(Map.of("symbol", symbol))));
        call("POST", "/api/market/bars", server.post("/api/market/bars", List.of()));
        call("GET", "/api/market/bars/{symbol}", server.get("/api/market/bars/" + symbol + "?limit=5"));
        call("GET", "/api/market/bars/{symbol}", server.get("/api/market/bars/NOPE"));
        call("GET", "/api/market/bars/{symbol}", server.get("/api/market/bars/" + symbol + "?from=yesterday"));
        call("GET", "/api/market/snapshot", server.get("/api/market/snapshot"));

        Map<String, Object> note = Map.of("symbol", symbol, "model", "m", "title", "t", "body", "b",
                "payload", Map.of("score", 0.5), "tags", List.of("x"));
        ApiServer.Response created = server.post("/api/research", note);
        call("POST", "/api/research", created);
        server.post("/api/research", note);
        server.post("/api/research", note);
        long noteId = created.json().get("id").asLong();
        call("POST", "/api/research", server.post("/api/research", Map.of("symbol", "GHOST", "model", "m",
                "title", "t", "body", "b")));
        call("POST", "/api/research", server.post("/api/research", Map.of("model", 5)));
        call("GET", "/api/research/latest", server.get("/api/research/latest?limit=2"));
        call("GET", "/api/research/latest", server.get("/api/research/latest?limit=0"));
        call("GET", "/api/research/{id}", server.get("/api/research/" + noteId));
        call("GET", "/api/research/{id}", server.get("/api/research/999999999"));
        call("GET", "/api/research/{id}", server.get("/api/research/abc"));
        ApiServer.Response page = server.get("/api/research?symbol=" + symbol + "&limit=2");
        call("GET", "/api/research", page);
        call("GET", "/api/research", server.get("/api/research?limit=2&cursor=" + page.json().get("nextCursor").asText()));
        call("GET", "/api/research", server.get("/api/research?cursor=forged"));

        Map<String, Object> pitch = Map.of("symbol", symbol, "side", "buy", "thesis", "t", "entryPrice", 100,
                "targetPrice", 110, "stopPrice", 95, "confidence", 0.5, "researchIds", List.of(noteId));
        ApiServer.Response draft = server.post("/api/pitches", pitch);
        call("POST", "/api/pitches", draft);
        long pitchId = draft.json().get("id").asLong();
        var disordered = new LinkedHashMap<>(pitch);
        disordered.put("stopPrice", 120);
        call("POST", "/api/pitches", server.post("/api/pitches", disordered));
        call("POST", "/api/pitches", server.post("/api/pitches", Map.of("side", "hold")));
        call("GET", "/api/pitches/{id}", server.get("/api/pitches/" + pitchId));
        call("GET", "/api/pitches/{id}", server.get("/api/pitches/999999999"));
        call("GET", "/api/pitches", server.get("/api/pitches?status=draft&limit=1"));
        call("GET", "/api/pitches", server.get("/api/pitches?status=maybe"));
        String status = "/api/pitches/" + pitchId + "/status";
        call("PATCH", "/api/pitches/{id}/status", server.patch(status, Map.of("status", "approved", "version", 1)));
        call("PATCH", "/api/pitches/{id}/status", server.patch(status, Map.of("status", "approved", "version", 1)));
        call("PATCH", "/api/pitches/{id}/status", server.patch(status, Map.of("status", "rejected", "version", 2)));
        call("PATCH", "/api/pitches/{id}/status", server.patch("/api/pitches/999999999/status",
                Map.of("status", "approved", "version", 1)));
        call("PATCH", "/api/pitches/{id}/status", server.patch(status, Map.of("status", "maybe")));

        Map<String, Object> order = Map.of("pitchId", pitchId, "quantity", 10, "price", 101);
        call("POST", "/api/trades", server.post("/api/trades", order, "Idempotency-Key", "contract-1"));
        call("POST", "/api/trades", server.post("/api/trades", order, "Idempotency-Key", "contract-1"));
        call("POST", "/api/trades", server.post("/api/trades", order));
        call("POST", "/api/trades", server.post("/api/trades", Map.of("pitchId", 999999999, "quantity", 1,
                "price", 1)));
        call("POST", "/api/trades", server.post("/api/trades", Map.of("pitchId", 0)));
        call("GET", "/api/positions", server.get("/api/positions"));
        call("GET", "/api/portfolio/summary", server.get("/api/portfolio/summary"));

        assertThat(VIOLATIONS).as("answers that contradict /openapi.json").isEmpty();
        var documented = new TreeSet<String>();
        doc.get("paths").properties().forEach(path -> path.getValue().fieldNames().forEachRemaining(method ->
                documented.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey())));
        assertThat(SEEN.keySet()).as("operations called").containsExactlyInAnyOrderElementsOf(documented);
        SEEN.forEach((operation, statuses) -> assertThat(statuses.first()).as("%s answered a 2xx", operation)
                .isBetween(200, 299));
    }

    @Test
    void a_response_that_breaks_its_schema_is_caught() {
        // The check itself can fail: a note without its required id, and one with a field the schema does not allow.
        JsonNode good = server.get("/api/research/latest?limit=1").json().get("items");
        ObjectNode note = good.isEmpty() ? ApiServer.JSON.createObjectNode() : (ObjectNode) good.get(0).deepCopy();
        note.remove("id");
        assertThat(errors("GET", "/api/research/{id}", 200, note)).isNotEmpty();
        ObjectNode extra = ApiServer.JSON.createObjectNode().put("status", "up").put("unexpected", 1);
        assertThat(errors("GET", "/health/live", 200, extra)).isNotEmpty();
    }

    private static void call(String method, String template, ApiServer.Response response) {
        String operation = method + " " + template;
        SEEN.computeIfAbsent(operation, k -> new TreeSet<>()).add(response.status());
        JsonNode documented = doc.at(pointer(method, template) + "/responses/" + response.status());
        if (documented.isMissingNode()) {
            VIOLATIONS.add(operation + " answered " + response.status() + ", which is not documented: " + response);
            return;
        }
        String type = response.header("Content-Type");
        JsonNode content = documented.get("content");
        if (!content.has("application/json")) {
            // Text answers (metrics, the docs page and its files): the type must be one the document lists.
            var types = new TreeSet<String>();
            content.fieldNames().forEachRemaining(types::add);
            if (type == null || types.stream().noneMatch(type::startsWith)) {
                VIOLATIONS.add(operation + " " + response.status() + ": Content-Type " + type + ", documented " + types);
            }
            return;
        }
        if (type == null || !type.startsWith("application/json")) {
            VIOLATIONS.add(operation + " " + response.status() + ": Content-Type " + type);
            return;
        }
        List<Error> errors = errors(method, template, response.status(), response.json());
        if (!errors.isEmpty()) {
            VIOLATIONS.add(operation + " " + response.status() + " breaks its schema: " + errors + " in " + response);
        }
    }

    /** Validates {@code body} against the schema the document gives for this answer. */
    private static List<Error> errors(String method, String template, int status, JsonNode body) {
        // The schema is the whole document with a root $ref to the answer's schema, so that the $refs inside it
        // (#/components/schemas/Error) resolve against the document.
        ObjectNode schema = doc.deepCopy();
        schema.put("$ref", "#" + pointer(method, template) + "/responses/" + status
                + "/content/application~1json/schema");
        return SCHEMAS.getSchema(schema).validate(body);
    }

    private static String pointer(String method, String template) {
        return "/paths/" + template.replace("~", "~0").replace("/", "~1") + "/" + method.toLowerCase(Locale.ROOT);
    }

    private static Map<String, Object> bar(String symbol, Instant ts, double close) {
        return Map.of("symbol", symbol, "ts", ts.toString(), "open", close, "high", close + 1, "low", close - 1,
                "close", close, "volume", 1000);
    }
}
