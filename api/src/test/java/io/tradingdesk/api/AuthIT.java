package io.tradingdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** With API_TOKEN set, mutating routes need the bearer token; reads stay open. */
class AuthIT {
    private static final String TOKEN = "test-token-0123456789abcdef";
    private static ApiServer server;

    @BeforeAll
    static void start() {
        server = ApiServer.start("api_auth", Map.of(), Map.of("API_TOKEN", TOKEN));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static final Map<String, Object> BODY = Map.of("name", "Auth", "assetClass", "etf", "currency", "EUR");

    @Test
    void writes_without_a_token_are_401() {
        var r = server.put("/api/instruments/AUTH", BODY);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.error()).isEqualTo("unauthorized");
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
    }

    @Test
    void writes_with_a_wrong_token_are_401_and_never_echo_it() {
        for (String header : new String[] {"Bearer wrong-token-0123456789abcdef", "Bearer " + TOKEN + "x",
                "Basic " + TOKEN, "Bearer"}) {
            var r = server.put("/api/instruments/AUTH", BODY, "Authorization", header);
            assertThat(r.status()).as(header).isEqualTo(401);
            assertThat(r.body()).doesNotContain("wrong-token", TOKEN);
        }
    }

    @Test
    void writes_with_the_token_pass_and_reads_stay_open() {
        var r = server.put("/api/instruments/AUTHOK", BODY, "Authorization", "Bearer " + TOKEN);
        assertThat(r.status()).isIn(200, 201);
        assertThat(server.get("/api/instruments/AUTHOK").status()).isEqualTo(200);
        assertThat(server.get("/api/instruments").status()).isEqualTo(200);
        assertThat(server.get("/api/health").status()).isEqualTo(200);
        assertThat(server.get("/metrics").status()).isEqualTo(200);
    }

    @Test
    void a_token_differing_only_in_case_is_refused_on_a_connection_that_sent_the_right_one() {
        // Jetty caches header values per connection and, by default, matches them ignoring case: after one request
        // with the right token, the same value in upper case would be replaced by the cached original and pass.
        for (int i = 0; i < 3; i++) {
            var right = server.put("/api/instruments/AUTHCASE", BODY, "Authorization", "Bearer " + TOKEN);
            assertThat(right.status()).isIn(200, 201);
            var upper = server.put("/api/instruments/AUTHCASE", BODY, "Authorization",
                    "Bearer " + TOKEN.toUpperCase(java.util.Locale.ROOT));
            assertThat(upper.status()).as("upper-cased token after the right one, round %d", i).isEqualTo(401);
        }
    }

    @Test
    void the_token_is_checked_before_the_body() {
        var r = server.post("/api/research", "not json at all");
        assertThat(r.status()).isEqualTo(401);
    }

    @Test
    void openapi_declares_the_bearer_scheme_on_mutating_routes() {
        var doc = server.get("/openapi.json").json();
        assertThat(doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        assertThat(doc.at("/paths/~1api~1trades/post/security").isArray()).isTrue();
        assertThat(doc.at("/paths/~1api~1trades/post/responses/401").isMissingNode()).isFalse();
        assertThat(doc.at("/paths/~1api~1positions/get/security").isMissingNode()).isTrue();
    }
}
