package io.tradingdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With API_TOKEN set, every route needs the bearer token (API_AUTH=all, the default) except the probes, /metrics
 * (METRICS_TOKEN guards it on its own) and the documentation; API_AUTH=writes leaves reads open. /openapi.json says
 * which token each operation needs, in the mode the server runs in.
 */
class AuthIT {
    private static final String TOKEN = "test-token-0123456789abcdef";
    private static final String METRICS_TOKEN = "metrics-token-0123456789";
    private static final List<String> OPEN = List.of("/health/live", "/health/ready", "/openapi.json", "/docs",
            "/docs/swagger-ui.css");
    private static final List<String> READS = List.of("/api/health", "/api/instruments", "/api/instruments/AUTHOK",
            "/api/market/bars/AUTHOK", "/api/market/snapshot", "/api/research/latest", "/api/research",
            "/api/pitches", "/api/positions", "/api/portfolio/summary");
    private static final Map<String, Object> BODY = Map.of("name", "Auth", "assetClass", "etf", "currency", "EUR");

    private static ApiServer all;
    private static ApiServer writes;

    @BeforeAll
    static void start() {
        all = ApiServer.start("api_auth", Map.of(), Map.of("API_TOKEN", TOKEN, "METRICS_TOKEN", METRICS_TOKEN));
        writes = ApiServer.start("api_auth_writes", Map.of(), Map.of("API_TOKEN", TOKEN, "API_AUTH", "writes"));
        assertThat(all.put("/api/instruments/AUTHOK", BODY, "Authorization", "Bearer " + TOKEN).status())
                .isIn(200, 201);
    }

    @AfterAll
    static void stop() {
        all.close();
        writes.close();
    }

    @Test
    void writes_without_a_token_are_401() {
        for (ApiServer server : List.of(all, writes)) {
            var r = server.put("/api/instruments/AUTH", BODY);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.error()).isEqualTo("unauthorized");
            assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
        }
    }

    @Test
    void writes_with_a_wrong_token_are_401_and_never_echo_it() {
        for (String header : new String[] {"Bearer wrong-token-0123456789abcdef", "Bearer " + TOKEN + "x",
                "Basic " + TOKEN, "Bearer", "Bearer " + METRICS_TOKEN}) {
            var r = all.put("/api/instruments/AUTH", BODY, "Authorization", header);
            assertThat(r.status()).as(header).isEqualTo(401);
            assertThat(r.body()).doesNotContain("wrong-token", TOKEN, METRICS_TOKEN);
        }
    }

    @Test
    void in_mode_all_every_read_needs_the_token_and_passes_with_it() {
        for (String path : READS) {
            var anonymous = all.get(path);
            assertThat(anonymous.status()).as("GET %s without a token: %s", path, anonymous).isEqualTo(401);
            assertThat(anonymous.error()).isEqualTo("unauthorized");
            assertThat(all.get(path, "Bearer " + TOKEN + "-wrong").status()).as("GET %s, wrong token", path)
                    .isEqualTo(401);
            assertThat(all.get(path, "Bearer " + METRICS_TOKEN).status()).as("GET %s, the metrics token", path)
                    .isEqualTo(401);
            var r = all.get(path, "Bearer " + TOKEN);
            assertThat(r.status()).as("GET %s with the token: %s", path, r).isIn(200, 404);
        }
    }

    @Test
    void the_token_is_checked_before_the_inputs() {
        assertThat(all.post("/api/research", "not json at all").status()).isEqualTo(401);
        assertThat(all.get("/api/research?limit=-1").status()).as("an invalid query, no token").isEqualTo(401);
        assertThat(all.get("/api/research?limit=-1", "Bearer " + TOKEN).status()).isEqualTo(400);
    }

    @Test
    void probes_and_documentation_are_open_in_every_mode() {
        for (ApiServer server : List.of(all, writes)) {
            for (String path : OPEN) {
                assertThat(server.get(path).status()).as("GET %s without a token", path).isEqualTo(200);
            }
        }
    }

    @Test
    void metrics_need_the_metrics_token_when_one_is_set_and_never_the_api_token() {
        assertThat(all.get("/metrics").status()).isEqualTo(401);
        assertThat(all.get("/metrics", "Bearer " + TOKEN).status()).as("the API token").isEqualTo(401);
        var scrape = all.get("/metrics", "Bearer " + METRICS_TOKEN);
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.body()).contains("http_server_requests").doesNotContain(TOKEN, METRICS_TOKEN);
        assertThat(writes.get("/metrics").status()).as("no METRICS_TOKEN: open").isEqualTo(200);
    }

    @Test
    void in_mode_writes_reads_stay_open_and_writes_need_the_token() {
        for (String path : READS) {
            assertThat(writes.get(path).status()).as("GET %s without a token", path).isIn(200, 404);
        }
        var r = writes.put("/api/instruments/AUTHW", BODY, "Authorization", "Bearer " + TOKEN);
        assertThat(r.status()).isIn(200, 201);
    }

    @Test
    void a_token_differing_only_in_case_is_refused_on_a_connection_that_sent_the_right_one() {
        // Jetty caches header values per connection and, by default, matches them ignoring case: after one request
        // with the right token, the same value in upper case would be replaced by the cached original and pass.
        for (int i = 0; i < 3; i++) {
            var right = all.put("/api/instruments/AUTHCASE", BODY, "Authorization", "Bearer " + TOKEN);
            assertThat(right.status()).isIn(200, 201);
            var upper = all.put("/api/instruments/AUTHCASE", BODY, "Authorization",
                    "Bearer " + TOKEN.toUpperCase(Locale.ROOT));
            assertThat(upper.status()).as("upper-cased token after the right one, round %d", i).isEqualTo(401);
            var read = all.get("/api/instruments/AUTHCASE", "Bearer " + TOKEN.toUpperCase(Locale.ROOT));
            assertThat(read.status()).as("upper-cased token on a read, round %d", i).isEqualTo(401);
        }
    }

    @Test
    void openapi_names_the_token_each_operation_needs_in_mode_all() {
        JsonNode doc = all.get("/openapi.json").json();
        assertThat(doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        assertThat(doc.at("/components/securitySchemes/metricsBearer/scheme").asText()).isEqualTo("bearer");
        Map<String, String> security = security(doc);
        security.forEach((operation, scheme) -> {
            String path = operation.substring(operation.indexOf(' ') + 1);
            String expected = path.equals("/metrics") ? "metricsBearer"
                    : path.startsWith("/health/") || path.startsWith("/docs") || path.equals("/openapi.json")
                    ? "none" : "bearer";
            assertThat(scheme).as(operation).isEqualTo(expected);
        });
        assertThat(doc.at("/paths/~1api~1positions/get/responses/401").isMissingNode()).isFalse();
        assertThat(doc.at("/paths/~1health~1ready/get/responses/401").isMissingNode()).isTrue();
    }

    @Test
    void openapi_names_the_token_only_on_writes_in_mode_writes() {
        security(writes.get("/openapi.json").json()).forEach((operation, scheme) ->
                assertThat(scheme).as(operation).isEqualTo(operation.startsWith("GET ") ? "none" : "bearer"));
    }

    /** Operation ("GET /api/positions") to the name of the security scheme it requires, or "none". */
    private static Map<String, String> security(JsonNode doc) {
        var out = new TreeMap<String, String>();
        doc.get("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            JsonNode requirement = op.getValue().path("security");
            String scheme = requirement.isMissingNode() ? "none" : requirement.get(0).fieldNames().next();
            out.put(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(), scheme);
        }));
        assertThat(out).hasSizeGreaterThan(15);
        return out;
    }
}
