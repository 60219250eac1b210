package io.tradingdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every route's normal case and its main failures, against a real server and database. */
class RoutesIT {
    private static ApiServer server;

    @BeforeAll
    static void start() {
        server = ApiServer.start("api_routes");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    // ---- operational -------------------------------------------------------------------------------------------

    @Test
    void liveness_and_readiness_answer_200() {
        assertThat(server.get("/health/live").json().get("status").asText()).isEqualTo("up");
        var ready = server.get("/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("migrated").asBoolean()).isTrue();
    }

    @Test
    void api_health_reports_database_and_pool() {
        var r = server.get("/api/health");
        assertThat(r.status()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.get("status").asText()).isEqualTo("up");
        assertThat(body.at("/database/reachable").asBoolean()).isTrue();
        assertThat(body.at("/database/roundTripMs").isNumber()).isTrue();
        assertThat(body.get("poolMode").asText()).isEqualTo("pooled");
        assertThat(body.get("version").asText()).isEqualTo("dev");
        for (String field : List.of("min", "max", "total", "active", "idle", "waiting", "refused", "created", "closed",
                "closedByReason", "retired", "reuseRate", "acquireMs", "acquireTimeouts", "acquisitions", "queries")) {
            assertThat(body.get("pool").has(field)).as(field).isTrue();
        }
        assertThat(body.at("/pool/acquireMs/p99").isNumber()).isTrue();
    }

    @Test
    void metrics_expose_pool_jvm_and_http_meters_with_route_templates() {
        server.instrument("METR");
        server.get("/api/instruments/METR");
        var r = server.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        assertThat(r.body()).contains("hikaricp_connections", "db_pool_connections", "jvm_memory_used_bytes",
                "process_uptime_seconds", "http_server_requests_seconds_count");
        assertThat(r.body()).contains("route=\"/api/instruments/{symbol}\"").doesNotContain("route=\"/api/instruments/METR\"");
    }

    // ---- errors in general --------------------------------------------------------------------------------------

    @Test
    void unknown_route_is_404_json() {
        var r = server.get("/api/nothing-here");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.error()).isEqualTo("not_found");
    }

    @Test
    void wrong_method_on_known_path_is_405_json() {
        var r = server.send(HttpRequest.newBuilder(server.uri("/api/instruments")).DELETE());
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.error()).isEqualTo("method_not_allowed");
    }

    @Test
    void wrong_content_type_is_415() {
        var r = server.send(HttpRequest.newBuilder(server.uri("/api/research")).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(r.status()).isEqualTo(415);
        assertThat(r.error()).isEqualTo("unsupported_media_type");
    }

    @Test
    void malformed_json_is_400_with_position() {
        var r = server.post("/api/research", "{\"symbol\": ");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("bad_request");
        assertThat(r.json().at("/details/line").isInt()).isTrue();
    }

    @Test
    void invalid_utf8_is_400_json() {
        byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        var r = server.send(HttpRequest.newBuilder(server.uri("/api/research")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("bad_request");
    }

    @Test
    void nan_is_rejected() {
        var r = server.post("/api/trades", "{\"pitchId\": 1, \"quantity\": NaN, \"price\": 1}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("bad_request");
    }

    @Test
    void oversized_body_is_413() {
        String big = "{\"body\": \"" + "x".repeat(2_100_000) + "\"}";
        var r = server.post("/api/research", big);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.error()).isEqualTo("payload_too_large");
    }

    @Test
    void huge_headers_are_rejected_with_a_4xx() {
        var r = server.send(HttpRequest.newBuilder(server.uri("/api/instruments")).header("X-Big", "y".repeat(70_000)).GET());
        assertThat(r.status()).isEqualTo(431);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.error()).isEqualTo("headers_too_large");
    }

    @Test
    void errors_never_leak_internals() {
        var r = server.post("/api/research", "[1,2]");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).doesNotContain("Exception", "at io.", "SELECT", "com.fasterxml");
    }

    // ---- instruments -------------------------------------------------------------------------------------------

    @Test
    void put_instrument_creates_then_updates() {
        var body = Map.of("name", "Apple", "assetClass", "equity", "currency", "USD");
        var created = server.put("/api/instruments/AAPL", body);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("symbol").asText()).isEqualTo("AAPL");
        assertThat(created.json().get("createdAt").asText()).endsWith("Z");
        var updated = server.put("/api/instruments/AAPL", Map.of("name", "Apple Inc.", "assetClass", "equity",
                "currency", "USD"));
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.json().get("name").asText()).isEqualTo("Apple Inc.");
        var got = server.get("/api/instruments/AAPL");
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json().get("assetClass").asText()).isEqualTo("equity");
        var list = server.get("/api/instruments");
        assertThat(list.json().get("items").findValuesAsText("symbol")).contains("AAPL");
    }

    @Test
    void put_instrument_names_every_invalid_field() {
        var r = server.put("/api/instruments/AAPL", Map.of("name", "", "assetClass", "stock", "currency", "usd",
                "extra", 1));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("bad_request");
        JsonNode fields = r.json().at("/details/fields");
        assertThat(fields.has("name")).isTrue();
        assertThat(fields.has("assetClass")).isTrue();
        assertThat(fields.has("currency")).isTrue();
        assertThat(fields.get("extra").asText()).isEqualTo("unknown field");
    }

    @Test
    void bad_symbol_is_400_and_unknown_symbol_404() {
        assertThat(server.get("/api/instruments/bad%20sym").status()).isEqualTo(400);
        var missing = server.get("/api/instruments/NOSUCH");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.error()).isEqualTo("not_found");
    }

    // ---- market data -------------------------------------------------------------------------------------------

    @Test
    void bars_upsert_read_and_snapshot() {
        server.instrument("MSFT");
        Instant day = Instant.now().truncatedTo(ChronoUnit.DAYS);
        var bars = new ArrayList<Map<String, Object>>();
        for (int i = 9; i >= 0; i--) {
            double close = 100 + i;
            bars.add(bar("MSFT", day.minus(i, ChronoUnit.DAYS), close));
        }
        var r = server.post("/api/market/bars", bars);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("upserted").asInt()).isEqualTo(10);
        // Upsert: the same bars again replace, not duplicate.
        assertThat(server.post("/api/market/bars", bars).json().get("upserted").asInt()).isEqualTo(10);

        var read = server.get("/api/market/bars/MSFT?limit=3");
        assertThat(read.status()).isEqualTo(200);
        List<String> ts = read.json().get("items").findValuesAsText("ts");
        assertThat(ts).hasSize(3).isSorted();
        assertThat(ts.get(2)).isEqualTo(day.toString());
        var from = server.get("/api/market/bars/MSFT?from=" + day.minus(9, ChronoUnit.DAYS) + "&limit=2");
        assertThat(from.json().get("items").get(0).get("close").decimalValue()).isEqualByComparingTo("109");

        var snapshot = server.get("/api/market/snapshot");
        assertThat(snapshot.status()).isEqualTo(200);
        JsonNode msft = find(snapshot.json().get("items"), "symbol", "MSFT");
        assertThat(msft.get("lastClose").decimalValue()).isEqualByComparingTo("100");
        assertThat(msft.get("change1d").decimalValue()).isEqualByComparingTo(new java.math.BigDecimal("100")
                .divide(new java.math.BigDecimal("101"), 8, java.math.RoundingMode.HALF_EVEN).subtract(java.math.BigDecimal.ONE));
        assertThat(msft.get("change7d").isNumber()).isTrue();
        assertThat(msft.get("volume30d").decimalValue()).isEqualByComparingTo("10000");
        assertThat(msft.get("positionQuantity").decimalValue()).isEqualByComparingTo("0");
    }

    @Test
    void bars_for_unknown_symbols_are_422_naming_them() {
        server.instrument("KNOWN");
        var r = server.post("/api/market/bars", List.of(bar("KNOWN", Instant.parse("2024-01-01T00:00:00Z"), 10),
                bar("GHOST", Instant.parse("2024-01-01T00:00:00Z"), 10)));
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.error()).isEqualTo("unprocessable");
        assertThat(r.json().at("/details/symbols").toString()).contains("GHOST").doesNotContain("KNOWN");
    }

    @Test
    void bars_validation_names_indexed_fields_and_limits_batch_size() {
        var bad = new LinkedHashMap<String, Object>(bar("X", Instant.parse("2024-01-01T00:00:00Z"), 10));
        bad.put("high", 1);
        bad.put("ts", "yesterday");
        var r = server.post("/api/market/bars", List.of(bad));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/details/fields").has("[0].ts")).isTrue();
        assertThat(r.json().at("/details/fields").has("[0].low")).isTrue();

        var many = new ArrayList<Map<String, Object>>();
        for (int i = 0; i < 5001; i++) {
            many.add(bar("X", Instant.parse("2024-01-01T00:00:00Z").plusSeconds(i), 10));
        }
        var tooMany = server.post("/api/market/bars", many);
        assertThat(tooMany.status()).isEqualTo(413);
        assertThat(tooMany.json().get("message").asText()).contains("5000");
        assertThat(server.post("/api/market/bars", List.of()).status()).isEqualTo(400);
    }

    @Test
    void bars_of_unknown_instrument_are_404() {
        assertThat(server.get("/api/market/bars/NOPE").status()).isEqualTo(404);
        assertThat(server.get("/api/market/bars/MSFT?limit=0").status()).isEqualTo(400);
        assertThat(server.get("/api/market/bars/MSFT?from=notatime").status()).isEqualTo(400);
    }

    // ---- research ----------------------------------------------------------------------------------------------

    @Test
    void research_note_round_trip() {
        server.instrument("NVDA");
        var r = server.post("/api/research", note("NVDA", "momentum", "t1"));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        JsonNode created = r.json();
        assertThat(created.at("/payload/score").decimalValue()).isEqualByComparingTo("0.75");
        assertThat(created.get("tags").toString()).isEqualTo("[\"ai\",\"chips\"]");
        long id = created.get("id").asLong();

        var got = server.get("/api/research/" + id);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json()).isEqualTo(created);
        assertThat(server.get("/api/research/latest?limit=1").json().at("/items/0/id").asLong()).isEqualTo(id);
    }

    @Test
    void research_note_errors() {
        var missing = server.post("/api/research", Map.of());
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().at("/details/fields").size()).isEqualTo(4);
        var unknown = server.post("/api/research", note("GHOST", "m", "t"));
        assertThat(unknown.status()).isEqualTo(422);
        assertThat(unknown.json().at("/details/symbol").asText()).isEqualTo("GHOST");
        var payload = new LinkedHashMap<String, Object>(note("GHOST", "m", "t"));
        payload.put("payload", List.of(1));
        assertThat(server.post("/api/research", payload).json().at("/details/fields/payload").asText())
                .contains("object");
        assertThat(server.get("/api/research/999999999").status()).isEqualTo(404);
        assertThat(server.get("/api/research/abc").status()).isEqualTo(400);
        assertThat(server.get("/api/research/latest?limit=201").status()).isEqualTo(400);
    }

    @Test
    void research_search_filters_and_pages_with_cursor() {
        server.instrument("AMD");
        for (int i = 0; i < 5; i++) {
            server.post("/api/research", note("AMD", i % 2 == 0 ? "value" : "carry", "n" + i));
        }
        var page1 = server.get("/api/research?symbol=AMD&limit=2");
        assertThat(page1.status()).isEqualTo(200);
        assertThat(page1.json().get("items")).hasSize(2);
        String cursor = page1.json().get("nextCursor").asText();
        var page2 = server.get("/api/research?symbol=AMD&limit=2&cursor=" + cursor);
        var page3 = server.get("/api/research?symbol=AMD&limit=2&cursor=" + page2.json().get("nextCursor").asText());
        assertThat(page3.json().get("items")).hasSize(1);
        assertThat(page3.json().get("nextCursor").isNull()).isTrue();
        var values = server.get("/api/research?symbol=AMD&model=value&tag=ai");
        assertThat(values.json().get("items").findValuesAsText("model")).containsOnly("value").hasSize(3);
        assertThat(server.get("/api/research?symbol=AMD&tag=none").json().get("items")).isEmpty();
        assertThat(server.get("/api/research?since=" + Instant.now().plus(Duration.ofHours(1))).json().get("items")).isEmpty();
    }

    @Test
    void tampered_or_malformed_cursors_are_400() {
        server.instrument("CUR");
        for (int i = 0; i < 3; i++) {
            server.post("/api/research", note("CUR", "m", "c" + i));
        }
        String cursor = server.get("/api/research?symbol=CUR&limit=1").json().get("nextCursor").asText();
        String decoded = new String(java.util.Base64.getUrlDecoder().decode(cursor));
        String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                decoded.replaceFirst(":\\d+:", ":1:").getBytes());
        for (String bad : List.of("garbage", "%%%", forged, cursor.substring(1))) {
            var r = server.get("/api/research?cursor=" + java.net.URLEncoder.encode(bad, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().at("/details/fields/cursor").isTextual()).isTrue();
        }
        // A research cursor is not a pitch cursor.
        assertThat(server.get("/api/pitches?cursor=" + cursor).status()).isEqualTo(400);
    }

    // ---- pitches -----------------------------------------------------------------------------------------------

    @Test
    void pitch_create_get_list() {
        server.instrument("TSLA");
        long noteId = server.post("/api/research", note("TSLA", "m", "t")).json().get("id").asLong();
        var r = server.post("/api/pitches", pitch("TSLA", "buy", "100", "120", "90", List.of(noteId)));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        JsonNode p = r.json();
        assertThat(p.get("status").asText()).isEqualTo("draft");
        assertThat(p.get("version").asInt()).isEqualTo(1);
        assertThat(p.get("entryPrice").toString()).isEqualTo("100.5");
        assertThat(p.get("researchIds").toString()).isEqualTo("[" + noteId + "]");
        var got = server.get("/api/pitches/" + p.get("id").asLong());
        assertThat(got.json()).isEqualTo(p);
        var list = server.get("/api/pitches?symbol=TSLA&status=draft&limit=5");
        assertThat(list.json().get("items").findValuesAsText("symbol")).containsOnly("TSLA");
        assertThat(list.json().has("nextCursor")).isTrue();
        assertThat(server.get("/api/pitches?status=bogus").status()).isEqualTo(400);
        assertThat(server.get("/api/pitches/424242").status()).isEqualTo(404);
    }

    @Test
    void pitch_rules_are_enforced() {
        server.instrument("ORCL");
        var disordered = server.post("/api/pitches", pitch("ORCL", "buy", "100", "90", "120", List.of()));
        assertThat(disordered.status()).isEqualTo(422);
        assertThat(disordered.json().at("/details/fields").has("stopPrice")).isTrue();
        assertThat(disordered.json().at("/details/fields").has("targetPrice")).isTrue();
        var sell = server.post("/api/pitches", pitch("ORCL", "sell", "100", "90", "120", List.of()));
        assertThat(sell.status()).isEqualTo(201);

        var unknownNote = server.post("/api/pitches", pitch("ORCL", "buy", "100", "120", "90", List.of(987654321L)));
        assertThat(unknownNote.status()).isEqualTo(422);
        assertThat(unknownNote.json().at("/details/researchIds").toString()).contains("987654321");
        // Rolled back: no pitch without its notes.
        assertThat(server.get("/api/pitches?symbol=ORCL").json().get("items")).hasSize(1);

        var unknownSymbol = server.post("/api/pitches", pitch("GHOST", "buy", "100", "120", "90", List.of()));
        assertThat(unknownSymbol.status()).isEqualTo(422);
        assertThat(unknownSymbol.json().at("/details/symbol").asText()).isEqualTo("GHOST");

        var invalid = new LinkedHashMap<String, Object>(pitch("ORCL", "hold", "-1", "120", "90", List.of()));
        invalid.put("confidence", 1.5);
        var bad = server.post("/api/pitches", invalid);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/details/fields").size()).isEqualTo(3);
    }

    @Test
    void status_change_uses_optimistic_concurrency() {
        server.instrument("IBM");
        long id = server.post("/api/pitches", pitch("IBM", "buy", "100", "120", "90", List.of())).json().get("id").asLong();
        var stale = server.patch("/api/pitches/" + id + "/status", Map.of("status", "approved", "version", 7));
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.error()).isEqualTo("conflict");
        assertThat(stale.json().at("/details/currentVersion").asInt()).isEqualTo(1);

        var approved = server.patch("/api/pitches/" + id + "/status", Map.of("status", "approved", "version", 1));
        assertThat(approved.status()).isEqualTo(200);
        assertThat(approved.json().get("version").asInt()).isEqualTo(2);
        assertThat(approved.json().get("status").asText()).isEqualTo("approved");

        // The same (now stale) request again loses.
        assertThat(server.patch("/api/pitches/" + id + "/status", Map.of("status", "approved", "version", 1)).status())
                .isEqualTo(409);
        var back = server.patch("/api/pitches/" + id + "/status", Map.of("status", "draft", "version", 2));
        assertThat(back.status()).isEqualTo(422);
        assertThat(back.json().at("/details/from").asText()).isEqualTo("approved");
        assertThat(back.json().at("/details/to").asText()).isEqualTo("draft");
        var executed = server.patch("/api/pitches/" + id + "/status", Map.of("status", "executed", "version", 2));
        assertThat(executed.status()).isEqualTo(422);
        var rejectApproved = server.patch("/api/pitches/" + id + "/status", Map.of("status", "rejected", "version", 2));
        assertThat(rejectApproved.status()).isEqualTo(422);
        assertThat(server.patch("/api/pitches/999999/status", Map.of("status", "approved", "version", 1)).status())
                .isEqualTo(404);
        assertThat(server.patch("/api/pitches/" + id + "/status", Map.of("status", "maybe", "version", 0)).json()
                .at("/details/fields").size()).isEqualTo(2);
    }

    // ---- trades & portfolio ------------------------------------------------------------------------------------

    @Test
    void trade_executes_an_approved_pitch_and_moves_the_position() {
        server.instrument("NFLX");
        server.post("/api/market/bars", List.of(bar("NFLX", Instant.parse("2024-03-01T00:00:00Z"), 110)));
        long id = approvedPitch("NFLX", "buy");
        var r = server.post("/api/trades", Map.of("pitchId", id, "quantity", 10, "price", 100));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        JsonNode trade = r.json();
        assertThat(trade.get("side").asText()).isEqualTo("buy");
        assertThat(trade.get("symbol").asText()).isEqualTo("NFLX");
        assertThat(trade.at("/position/quantity").decimalValue()).isEqualByComparingTo("10");
        assertThat(trade.at("/position/averagePrice").decimalValue()).isEqualByComparingTo("100");
        assertThat(server.get("/api/pitches/" + id).json().get("status").asText()).isEqualTo("executed");
        assertThat(server.get("/api/pitches/" + id).json().get("version").asInt()).isEqualTo(3);

        // A sell pitch closes half at 120: 5 * (120 - 100) realised.
        long sell = approvedPitch("NFLX", "sell");
        server.post("/api/trades", Map.of("pitchId", sell, "quantity", 5, "price", 120));
        JsonNode position = find(server.get("/api/positions").json().get("items"), "symbol", "NFLX");
        assertThat(position.get("quantity").decimalValue()).isEqualByComparingTo("5");
        assertThat(position.get("realizedPnl").decimalValue()).isEqualByComparingTo("100");
        assertThat(position.get("lastClose").decimalValue()).isEqualByComparingTo("110");
        assertThat(position.get("marketValue").decimalValue()).isEqualByComparingTo("550");
        assertThat(position.get("unrealizedPnl").decimalValue()).isEqualByComparingTo("50");

        JsonNode summary = server.get("/api/portfolio/summary").json();
        assertThat(summary.get("positions").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(summary.at("/exposureByAssetClass/equity").isNumber()).isTrue();
        for (String f : List.of("grossExposure", "netExposure", "realizedPnl", "unrealizedPnl", "marketValue")) {
            assertThat(summary.get(f).isNumber()).as(f).isTrue();
        }
    }

    @Test
    void trade_requires_an_approved_pitch() {
        server.instrument("UBER");
        long draft = server.post("/api/pitches", pitch("UBER", "buy", "100", "120", "90", List.of())).json().get("id").asLong();
        var r = server.post("/api/trades", Map.of("pitchId", draft, "quantity", 1, "price", 100));
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().at("/details/status").asText()).isEqualTo("draft");
        assertThat(server.post("/api/trades", Map.of("pitchId", 99999999, "quantity", 1, "price", 100)).status())
                .isEqualTo(422);
        long approved = approvedPitch("UBER", "buy");
        assertThat(server.post("/api/trades", Map.of("pitchId", approved, "quantity", 1, "price", 100)).status())
                .isEqualTo(201);
        var again = server.post("/api/trades", Map.of("pitchId", approved, "quantity", 1, "price", 100));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).isEqualTo("conflict");
        var invalid = server.post("/api/trades", Map.of("pitchId", "x", "quantity", -1, "price", 0));
        assertThat(invalid.json().at("/details/fields").size()).isEqualTo(3);
        assertThat(server.post("/api/trades", Map.of("pitchId", approved, "quantity", 1, "price", 1),
                "Idempotency-Key", "k".repeat(201)).status()).isEqualTo(400);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    long approvedPitch(String symbol, String side) {
        var p = side.equals("buy") ? pitch(symbol, side, "100", "120", "90", List.of())
                : pitch(symbol, side, "100", "90", "120", List.of());
        long id = server.post("/api/pitches", p).json().get("id").asLong();
        var r = server.patch("/api/pitches/" + id + "/status", Map.of("status", "approved", "version", 1));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return id;
    }

    static Map<String, Object> bar(String symbol, Instant ts, double close) {
        return Map.of("symbol", symbol, "ts", ts.toString(), "open", close, "high", close + 1, "low", close - 1,
                "close", close, "volume", 1000);
    }

    static Map<String, Object> note(String symbol, String model, String title) {
        return Map.of("symbol", symbol, "model", model, "title", title, "body", "Body of " + title,
                "payload", Map.of("score", 0.75, "nested", Map.of("a", List.of(1, 2))), "tags", List.of("ai", "chips"));
    }

    static Map<String, Object> pitch(String symbol, String side, String entry, String target, String stop,
                                     List<Long> researchIds) {
        var p = new LinkedHashMap<String, Object>();
        p.put("symbol", symbol);
        p.put("side", side);
        p.put("thesis", "Because " + symbol);
        p.put("entryPrice", new java.math.BigDecimal(entry).add(new java.math.BigDecimal("0.5")));
        p.put("targetPrice", new java.math.BigDecimal(target).add(new java.math.BigDecimal("0.5")));
        p.put("stopPrice", new java.math.BigDecimal(stop).add(new java.math.BigDecimal("0.5")));
        p.put("confidence", new java.math.BigDecimal("0.75"));
        if (!researchIds.isEmpty()) {
            p.put("researchIds", researchIds);
        }
        return p;
    }

    static JsonNode find(JsonNode items, String field, String value) {
        for (JsonNode item : items) {
            if (item.get(field).asText().equals(value)) {
                return item;
            }
        }
        throw new AssertionError("no item with " + field + "=" + value + " in " + items);
    }
}
