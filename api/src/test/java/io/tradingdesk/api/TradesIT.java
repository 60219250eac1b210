package io.tradingdesk.api;

import static io.tradingdesk.api.RoutesIT.pitch;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradingdesk.db.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Trade execution: one transaction, idempotent with a key, exactly once under concurrency. */
class TradesIT {
    private static ApiServer server;

    @BeforeAll
    static void start() {
        server = ApiServer.start("api_trades");
        // Fails any position write for BOOM: a failure after the trade row was inserted.
        TestDatabase.execute(server.url, """
                CREATE FUNCTION fail_boom() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.symbol = 'BOOM' THEN RAISE EXCEPTION 'injected failure'; END IF;
                    RETURN NEW;
                END $$""");
        TestDatabase.execute(server.url,
                "CREATE TRIGGER positions_fail BEFORE INSERT OR UPDATE ON positions FOR EACH ROW EXECUTE FUNCTION fail_boom()");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void a_failure_after_the_trade_insert_leaves_nothing_behind() {
        server.instrument("BOOM");
        long id = approvedPitch("BOOM");
        var r = server.post("/api/trades", Map.of("pitchId", id, "quantity", 10, "price", 100), "Idempotency-Key", "boom-1");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.error()).isEqualTo("internal");
        assertThat(r.json().at("/details/correlationId").asText()).isNotBlank();
        assertThat(r.body()).doesNotContain("injected", "Exception", "INSERT", "positions");
        assertThat(count("SELECT count(*) FROM trades WHERE pitch_id = ?", id)).isZero();
        assertThat(count("SELECT count(*) FROM trades WHERE idempotency_key = ?", "boom-1")).isZero();
        assertThat(count("SELECT count(*) FROM positions WHERE symbol = ?", "BOOM")).isZero();
        var pitch = server.get("/api/pitches/" + id).json();
        assertThat(pitch.get("status").asText()).isEqualTo("approved");
        assertThat(pitch.get("version").asInt()).isEqualTo(2);
    }

    @Test
    void the_same_idempotency_key_twice_makes_one_trade() {
        server.instrument("IDEM");
        long id = approvedPitch("IDEM");
        var first = server.post("/api/trades", Map.of("pitchId", id, "quantity", 10, "price", 100), "Idempotency-Key", "key-1");
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(first.json().get("idempotencyKey").asText()).isEqualTo("key-1");
        var second = server.post("/api/trades", Map.of("pitchId", id, "quantity", 10, "price", 100), "Idempotency-Key", "key-1");
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.json().get("id").asLong()).isEqualTo(first.json().get("id").asLong());
        assertThat(second.json().at("/position/quantity").decimalValue()).isEqualByComparingTo("10");
        assertThat(count("SELECT count(*) FROM trades WHERE pitch_id = ?", id)).isEqualTo(1);

        long other = approvedPitch("IDEM");
        var reused = server.post("/api/trades", Map.of("pitchId", other, "quantity", 1, "price", 100), "Idempotency-Key", "key-1");
        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.json().at("/details/pitchId").asLong()).isEqualTo(id);
        assertThat(server.get("/api/pitches/" + other).json().get("status").asText()).isEqualTo("approved");
    }

    @Test
    void concurrent_executions_of_one_pitch_make_exactly_one_trade() throws Exception {
        server.instrument("RACE");
        long id = approvedPitch("RACE");
        List<Integer> statuses = race(12, () -> server.post("/api/trades",
                Map.of("pitchId", id, "quantity", 5, "price", 50)).status());
        assertThat(statuses).containsOnly(201, 409);
        assertThat(statuses.stream().filter(s -> s == 201)).hasSize(1);
        assertThat(count("SELECT count(*) FROM trades WHERE pitch_id = ?", id)).isEqualTo(1);
        assertThat(server.get("/api/positions").json().toString()).contains("\"symbol\":\"RACE\",\"quantity\":5,");
    }

    @Test
    void concurrent_requests_with_one_key_all_answer_with_the_same_trade() throws Exception {
        server.instrument("KEYRACE");
        long id = approvedPitch("KEYRACE");
        List<ApiServer.Response> responses = race(12, () -> server.post("/api/trades",
                Map.of("pitchId", id, "quantity", 5, "price", 50), "Idempotency-Key", "race-key"));
        assertThat(responses).extracting(ApiServer.Response::status).containsOnly(200, 201);
        assertThat(responses.stream().filter(r -> r.status() == 201)).hasSize(1);
        assertThat(responses.stream().map(r -> r.json().get("id").asLong()).distinct()).hasSize(1);
        assertThat(count("SELECT count(*) FROM trades WHERE pitch_id = ?", id)).isEqualTo(1);
    }

    @Test
    void positions_follow_the_trades_including_a_flip() {
        server.instrument("FLIP");
        trade(approvedPitch("FLIP"), "buy", 10, 100);
        trade(approvedSell("FLIP"), "sell", 15, 110);   // closes 10 (+100), opens 5 short at 110
        var p = RoutesIT.find(server.get("/api/positions").json().get("items"), "symbol", "FLIP");
        assertThat(p.get("quantity").decimalValue()).isEqualByComparingTo("-5");
        assertThat(p.get("averagePrice").decimalValue()).isEqualByComparingTo("110");
        assertThat(p.get("realizedPnl").decimalValue()).isEqualByComparingTo("100");
        assertThat(p.get("lastClose").isNull()).isTrue();
    }

    private static void trade(long pitchId, String side, int quantity, int price) {
        var r = server.post("/api/trades", Map.of("pitchId", pitchId, "quantity", quantity, "price", price));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.json().get("side").asText()).isEqualTo(side);
    }

    private static <T> List<T> race(int n, Callable<T> call) throws Exception {
        var start = new CountDownLatch(1);
        try (var pool = Executors.newFixedThreadPool(n)) {
            var futures = new ArrayList<Future<T>>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            start.countDown();
            var out = new ArrayList<T>();
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        }
    }

    private static long approvedPitch(String symbol) {
        long id = server.post("/api/pitches", pitch(symbol, "buy", "100", "120", "90", List.of())).json().get("id").asLong();
        assertThat(server.patch("/api/pitches/" + id + "/status", Map.of("status", "approved", "version", 1)).status())
                .isEqualTo(200);
        return id;
    }

    private static long approvedSell(String symbol) {
        long id = server.post("/api/pitches", pitch(symbol, "sell", "100", "90", "120", List.of())).json().get("id").asLong();
        assertThat(server.patch("/api/pitches/" + id + "/status", Map.of("status", "approved", "version", 1)).status())
                .isEqualTo(200);
        return id;
    }

    private static long count(String sql, Object arg) {
        return server.database.fetchVal(sql, Long.class, arg).orElseThrow();
    }
}
