package io.tradingdesk.app.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tradingdesk.api.ApiConfig;
import io.tradingdesk.db.ConfigException;
import io.tradingdesk.embedded.EmbeddedPostgres;
import io.tradingdesk.testkit.Client;
import io.tradingdesk.testkit.Desk;
import io.tradingdesk.testkit.Ledger;
import io.tradingdesk.testkit.Reply;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #5, point 8c: every mutating route needs {@code Authorization: Bearer <API_TOKEN>}; a missing, malformed or
 * wrong token is a 401 in the error shape that changes nothing, whatever its length (the comparison hashes both
 * sides and compares the digests with MessageDigest.isEqual, so neither content nor length shows in the timing);
 * since issue #12 reads need the token too (API_AUTH=all, the default with a token), all but the probes, /metrics
 * and the documentation; and the server refuses to start with a token shorter than 16 characters.
 */
@Tag("security")
@Timeout(120)
class ApiTokenIT {
    private static EmbeddedPostgres pg;
    private static Stack stack;
    private static Client client;
    private static long draftPitch;

    /** Each mutating route with a body that the right token would make succeed. */
    private static List<String[]> mutatingRequests() {
        return List.of(
                new String[] {"PUT", "/api/instruments/TK001", Desk.instrument("Token Co", "equity", "USD")},
                new String[] {"POST", "/api/market/bars", "[" + Desk.validBar("2022-01-01T00:00:00Z", 0)
                        .put("symbol", "TK000") + "]"},
                new String[] {"POST", "/api/research", Desk.validResearch().put("symbol", "TK000").toString()},
                new String[] {"POST", "/api/pitches", Desk.validPitch().put("symbol", "TK000").toString()},
                new String[] {"PATCH", "/api/pitches/" + draftPitch + "/status", "{\"status\":\"approved\",\"version\":1}"},
                new String[] {"POST", "/api/trades", "{\"pitchId\":" + draftPitch + ",\"quantity\":1,\"price\":100}"});
    }

    @BeforeAll
    static void start() {
        Logs.quiet();
        pg = Clusters.start(null, Map.of());
        Clusters.createMigrated(pg, "token", null);
        stack = Stack.start(pg, "token", null, Map.of("DB_MAX_POOL_SIZE", "4", "DB_MIN_POOL_SIZE", "1"));
        client = stack.client(Duration.ofSeconds(15));
        Desk.seed(client, new Ledger(), "TK", 1);
        draftPitch = Desk.id(client.post("/api/pitches", Desk.validPitch().put("symbol", "TK000").toString()));
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (stack != null) {
            stack.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void everyMutatingRouteRefusesAMissingMalformedOrWrongTokenWith401AndChangesNothing() throws SQLException {
        String token = Stack.TOKEN;
        char last = token.charAt(token.length() - 1);
        List<String> wrongHeaders = new ArrayList<>();
        wrongHeaders.add(null);                                                   // no header at all
        wrongHeaders.add("");                                                     // empty
        wrongHeaders.add("Bearer");                                               // scheme only
        wrongHeaders.add("Bearer ");                                              // empty token
        wrongHeaders.add("Basic " + token);                                       // wrong scheme
        wrongHeaders.add(token);                                                  // no scheme
        wrongHeaders.add("Bearer " + token.substring(0, token.length() - 1) + (char) (last == 'a' ? 'b' : 'a')); // same length, last char
        wrongHeaders.add("Bearer " + (char) (token.charAt(0) == 'a' ? 'b' : 'a') + token.substring(1));          // same length, first char
        wrongHeaders.add("Bearer " + token.substring(0, token.length() - 1));     // a prefix, one shorter
        wrongHeaders.add("Bearer " + token + "x");                                // one longer
        wrongHeaders.add("Bearer " + token.repeat(100));                          // much longer
        wrongHeaders.add("Bearer " + token.toUpperCase());                        // case changed
        wrongHeaders.add("Bearer " + token + "\u0000");                           // trailing NUL
        Map<String, String> before = counts();
        int refused = 0;
        for (String[] request : mutatingRequests()) {
            for (String header : wrongHeaders) {
                HttpRequest.Builder builder = client.request(request[1]).header("Content-Type", "application/json")
                        .method(request[0], HttpRequest.BodyPublishers.ofString(request[2]));
                if (header != null) {
                    try {
                        builder.header("Authorization", header);
                    } catch (IllegalArgumentException notSendable) {
                        continue; // the JDK client refuses to send a NUL in a header; the raw test below does it
                    }
                }
                Reply r = client.exchange(builder.build());
                assertThat(r.status()).as("%s %s with Authorization %s: %s", request[0], request[1],
                        header == null ? "(none)" : "'" + Refusals.abbreviate(header) + "'", r).isEqualTo(401);
                Refusals.assertErrorShape(r);
                assertThat(r.body()).doesNotContain(token);
                refused++;
            }
        }
        assertThat(refused).isGreaterThanOrEqualTo(6 * 12);
        assertThat(counts()).as("tables after %d refused requests", refused).isEqualTo(before);
    }

    @Test
    void aTokenSmuggledInTheQueryOrAnotherHeaderIsNotAccepted() throws SQLException {
        Map<String, String> before = counts();
        String body = Desk.validResearch().put("symbol", "TK000").toString();
        for (HttpRequest request : List.of(
                client.request("/api/research?token=" + Stack.TOKEN).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                client.request("/api/research?access_token=" + Stack.TOKEN).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                client.request("/api/research").header("Content-Type", "application/json")
                        .header("X-Api-Token", Stack.TOKEN).header("Cookie", "token=" + Stack.TOKEN)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build())) {
            Reply r = client.exchange(request);
            assertThat(r.status()).as("%s: %s", request.uri(), r).isEqualTo(401);
        }
        Reply raw = client.raw(("POST /api/research HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer " + Stack.TOKEN + "\u0000").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(raw.status()).as("token with a trailing NUL: %s", raw).isBetween(400, 401);
        assertThat(counts()).isEqualTo(before);
    }

    @Test
    void theRightTokenIsAcceptedAndEveryReadButProbesMetricsAndDocumentationNeedsIt() {
        Reply put = client.put("/api/instruments/TK002", Desk.instrument("Right Token", "etf", "EUR"));
        assertThat(put.status()).as("%s", put).isIn(200, 201);
        Reply lowerCaseScheme = client.exchange(client.request("/api/instruments/TK003")
                .header("Content-Type", "application/json").header("Authorization", "bearer " + Stack.TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString(Desk.instrument("Scheme", "etf", "EUR"))).build());
        assertThat(lowerCaseScheme.status()).as("the scheme is case-insensitive (RFC 9110): %s", lowerCaseScheme)
                .isIn(200, 201);
        for (String path : List.of("/api/instruments", "/api/instruments/TK002", "/api/market/snapshot",
                "/api/research/latest", "/api/pitches", "/api/positions", "/api/portfolio/summary", "/api/health")) {
            Reply anonymous = client.send("GET", path, null, false, null);
            assertThat(anonymous.status()).as("GET %s without a token: %s", path, anonymous).isEqualTo(401);
            Refusals.assertErrorShape(anonymous);
            Reply r = client.send("GET", path, null, true, null);
            assertThat(r.status()).as("GET %s with the token: %s", path, r).isEqualTo(200);
        }
        for (String path : List.of("/health/live", "/health/ready", "/openapi.json", "/metrics", "/docs")) {
            Reply r = client.send("GET", path, null, false, null);
            assertThat(r.status()).as("GET %s without a token: %s", path, r).isEqualTo(200);
        }
    }

    @Test
    void theServerRefusesToStartWithATokenShorterThan16Characters() {
        for (String shortToken : List.of("x", "fifteen-chars-x")) {
            Throwable refused = catchThrowable(() -> ApiConfig.from(Map.of("API_TOKEN", shortToken)));
            assertThat(refused).as("API_TOKEN of %d characters", shortToken.length())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("API_TOKEN")
                    .hasMessageNotContaining(shortToken);
        }
        assertThat(ApiConfig.from(Map.of("API_TOKEN", "sixteen-chars-ok")).apiToken()).hasSize(16);
        assertThat(ApiConfig.from(Map.of("API_TOKEN", "sixteen-chars-ok")).toString()).doesNotContain("sixteen-chars-ok");
    }

    private static Map<String, String> counts() throws SQLException {
        var out = new java.util.TreeMap<String, String>();
        try (Connection c = stack.observer(); Statement s = c.createStatement()) {
            for (String table : List.of("instruments", "price_bars", "research_notes", "pitches", "trades", "positions")) {
                try (ResultSet rs = s.executeQuery("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY "
                        + "t::text), '')) FROM " + table + " t")) {
                    rs.next();
                    out.put(table, rs.getLong(1) + ":" + rs.getString(2));
                }
            }
        }
        return out;
    }
}
