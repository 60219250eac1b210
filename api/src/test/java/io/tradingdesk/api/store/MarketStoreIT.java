package io.tradingdesk.api.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.api.model.SnapshotRow;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.db.testing.TestDatabase;
import io.tradingdesk.migrations.Migrations;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link MarketStore#upsert} against a real PostgreSQL: concurrent batches over the same symbols, in any order, all
 * succeed without a single deadlock (PostgreSQL's own count), and the snapshot then shows each symbol's latest bar.
 */
@Timeout(120)
class MarketStoreIT {
    private static final List<String> SYMBOLS = List.of("MA", "MB", "MC", "MD");
    private static final Instant BASE = Instant.parse("2026-03-01T00:00:00Z");

    private static Database db;
    private static MarketStore store;

    @BeforeAll
    static void start() {
        DatabaseUrl url = TestDatabase.fresh("market_store");
        Migrations.migrate(url.jdbcUrl(), url.user(), url.password());
        // No transaction retries: a deadlock would fail the batch instead of hiding behind a retry.
        db = Database.start(TestDatabase.config(url, Map.of("DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "8",
                "DB_APPLICATION_NAME", "market-store-it", "DB_TX_RETRIES", "0")), new SimpleMeterRegistry());
        store = new MarketStore(db);
        for (String symbol : SYMBOLS) {
            db.execute("INSERT INTO instruments (symbol, name, asset_class, currency) VALUES (?, ?, 'equity', 'USD')",
                    symbol, "Store " + symbol);
        }
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Test
    void concurrentBatchesOverTheSameSymbolsNeverDeadlock() {
        long deadlocksBefore = deadlocks();
        var failures = new ConcurrentLinkedQueue<Throwable>();
        var start = new CountDownLatch(1);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < 8; w++) {
                RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
                pool.submit(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < 25; i++) {
                            store.upsert(batch(random));
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                    return null;
                });
            }
            start.countDown();
        }

        assertThat(failures).as("failed batches").isEmpty();
        assertThat(deadlocks() - deadlocksBefore).as("deadlocks PostgreSQL detected").isZero();
        List<SnapshotRow> snapshot = store.snapshot(null);
        for (String symbol : SYMBOLS) {
            SnapshotRow row = snapshot.stream().filter(r -> r.symbol().equals(symbol)).findFirst().orElseThrow();
            BigDecimal latest = db.fetchVal("SELECT close FROM price_bars WHERE symbol = ? ORDER BY ts DESC LIMIT 1",
                    BigDecimal.class, symbol).orElseThrow();
            assertThat(row.lastClose()).as("%s latest close", symbol).isEqualByComparingTo(latest);
        }
    }

    @Test
    void anUnknownSymbolWritesNothing() {
        long before = db.fetchVal("SELECT count(*) FROM price_bars", Long.class).orElseThrow();
        var bars = List.of(bar("MA", BASE.minus(Duration.ofDays(400)), 10), bar("NOPE", BASE, 10));

        assertThatThrownBy(() -> store.upsert(bars)).isInstanceOf(DomainException.class).hasMessageContaining("NOPE");
        assertThat(db.fetchVal("SELECT count(*) FROM price_bars", Long.class)).contains(before);
        assertThat(db.fetchVal("SELECT count(*) FROM market_snapshot WHERE symbol = 'NOPE'", Long.class)).contains(0L);
    }

    /** Up to 60 days of some of the symbols, shuffled: the store must order them itself. */
    private static List<MarketStore.NewBar> batch(RandomGenerator random) {
        var bars = new ArrayList<MarketStore.NewBar>();
        for (String symbol : SYMBOLS) {
            if (random.nextInt(4) == 0) {
                continue;
            }
            int days = 1 + random.nextInt(60);
            for (int d = 0; d < days; d++) {
                // Some of these exist already, some are new: an upsert that both inserts and replaces bars.
                Instant ts = BASE.plus(Duration.ofDays(d)).plus(Duration.ofHours(8L * random.nextInt(3)));
                bars.add(bar(symbol, ts, 10 + random.nextInt(90)));
            }
        }
        if (bars.isEmpty()) {
            bars.add(bar("MA", BASE, 10));
        }
        Collections.shuffle(bars);
        return bars;
    }

    private static MarketStore.NewBar bar(String symbol, Instant ts, int close) {
        BigDecimal c = BigDecimal.valueOf(close);
        return new MarketStore.NewBar(symbol, ts, c, c.add(BigDecimal.ONE), c.subtract(BigDecimal.ONE), c,
                BigDecimal.valueOf(1000));
    }

    private static long deadlocks() {
        return db.fetchVal("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()", Long.class)
                .orElseThrow();
    }
}
