package io.tradingdesk.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.db.testing.TestDatabase;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SmokeIT {
    public record Row(long id, String name, JsonNode payload, Instant createdAt, List<String> tags, BigDecimal price) {
    }

    @Test
    void helpersRoundTripThroughThePool() throws Exception {
        var url = TestDatabase.fresh("smoke");
        try (var db = Database.start(TestDatabase.config(url, Map.of("DB_MIN_POOL_SIZE", "2", "DB_MAX_POOL_SIZE", "4")),
                new SimpleMeterRegistry())) {
            db.execute("CREATE TABLE t (id bigint generated always as identity primary key, name text not null,"
                    + " payload jsonb, created_at timestamptz not null default now(), tags text[], price numeric)");
            var payload = new ObjectMapper().readTree("{\"a\":1,\"b\":[true,null]}");
            var inserted = db.executeReturning("INSERT INTO t (name, payload, tags, price) VALUES (?, ?, ?, ?) RETURNING *",
                    Row.class, "x", payload, new String[] {"p", "q"}, new BigDecimal("1.50"));
            assertThat(inserted).isPresent();
            assertThat(inserted.get().payload()).isEqualTo(payload);
            assertThat(inserted.get().tags()).containsExactly("p", "q");
            assertThat(db.fetchVal("SELECT count(*) FROM t", Long.class)).contains(1L);
            assertThat(db.fetchAll("SELECT * FROM t WHERE payload @> ?", Row.class, Map.of("a", 1))).hasSize(1);
            int[] counts = db.executeMany("INSERT INTO t (name) VALUES (?)", List.of(new Object[] {"y"}, new Object[] {"z"}));
            assertThat(counts).hasSize(2);
            assertThat(db.fetchOne("SELECT created_at FROM t WHERE name = ?", Instant.class, "x")).isPresent();
            long n = db.transaction(tx -> {
                tx.execute("INSERT INTO t (name) VALUES (?)", "w");
                return tx.fetchVal("SELECT count(*) FROM t", Long.class).orElseThrow();
            });
            assertThat(n).isEqualTo(4);
            System.out.println(db.stats());
            assertThat(db.probe().up()).isTrue();
        }
    }
}
