package io.tradingdesk.migrations;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.db.testing.TestDatabase;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;

/**
 * Migration V3: {@code market_snapshot}, kept by triggers on {@code price_bars}, always equals the snapshot computed
 * from the bars (here, in Java, from its definition), whatever writes the
 * bars: inserts, upserts that replace bars, updates that move a bar to another symbol, deletes, truncation, and
 * overlapping writers (a recomputation waits for the other writers of its symbols, then computes from what they
 * committed).
 */
@Timeout(120)
class MarketSnapshotIT {
    private static final List<String> SYMBOLS = List.of("SA", "SB", "SC", "SD", "SE");
    private static final Instant BASE = Instant.parse("2026-06-01T00:00:00Z");
    private static final String UPSERT = """
            INSERT INTO price_bars (symbol, ts, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (symbol, ts) DO UPDATE
                SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
                    volume = EXCLUDED.volume""";
    private static final String KEPT = """
            SELECT i.symbol, s.last_ts, s.last_close, s.change_1d, s.change_7d, s.volume_30d
            FROM instruments i LEFT JOIN market_snapshot s ON s.symbol = i.symbol
            ORDER BY i.symbol""";

    private static DatabaseUrl url;
    private static Database db;
    private final RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(
            Long.getLong("snapshot.seed", System.nanoTime()));

    @BeforeAll
    static void migrate() {
        url = TestDatabase.fresh("market_snapshot");
        Migrations.migrate(url.jdbcUrl(), url.user(), url.password());
        db = Database.start(TestDatabase.config(url, Map.of("DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "8",
                "DB_APPLICATION_NAME", "market-snapshot-it")), new SimpleMeterRegistry());
        for (String symbol : SYMBOLS) {
            db.execute("INSERT INTO instruments (symbol, name, asset_class, currency) VALUES (?, ?, 'equity', 'USD')",
                    symbol, "Snapshot " + symbol);
        }
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @BeforeEach
    void noBars() {
        db.execute("DELETE FROM price_bars");
    }

    @Test
    void everyKindOfWriteLeavesTheSnapshotEqualToTheComputedOne() {
        // Daily bars with gaps (weekends, a missing week), some intraday, for all but the last symbol.
        db.executeMany(UPSERT, bars(SYMBOLS.subList(0, 4), 120));
        assertKeptEqualsComputed("after inserts");
        assertThat(db.fetchVal("SELECT count(*) FROM market_snapshot WHERE last_ts IS NOT NULL", Long.class))
                .contains(4L);

        db.executeMany(UPSERT, bars(SYMBOLS.subList(1, 3), 60));
        assertKeptEqualsComputed("after upserts that replace bars");

        db.execute("UPDATE price_bars SET close = low, volume = volume + 1 WHERE symbol = 'SA' AND ts > ?",
                BASE.plus(Duration.ofDays(40)));
        assertKeptEqualsComputed("after an update of closes and volumes");

        db.execute("UPDATE price_bars SET symbol = 'SE' WHERE symbol = 'SD' AND ts > ?", BASE.plus(Duration.ofDays(50)));
        assertKeptEqualsComputed("after bars moved from SD to SE");

        db.execute("DELETE FROM price_bars WHERE symbol = 'SB' AND ts > ?", BASE.plus(Duration.ofDays(20)));
        db.execute("DELETE FROM price_bars WHERE symbol = 'SC'");
        assertKeptEqualsComputed("after deletes (SC has no bars left)");

        db.execute("TRUNCATE price_bars");
        assertKeptEqualsComputed("after TRUNCATE");
        assertThat(db.fetchVal("SELECT count(*) FROM market_snapshot", Long.class)).contains(0L);
    }

    @Test
    void aWriterThatWaitedForAnotherComputesFromItsCommittedBars() throws Exception {
        db.executeMany(UPSERT, bars(List.of("SA"), 10));
        Instant latest = BASE.plus(Duration.ofDays(200));
        Instant earlier = BASE.plus(Duration.ofDays(150));
        try (Connection first = connection(); Connection second = connection()) {
            first.setAutoCommit(false);
            insertBar(first, latest);   // the latest bar, not committed yet
            // The second writer's bar is older; it cannot see the first one's until that commits.
            var pool = Executors.newVirtualThreadPerTaskExecutor();
            Future<?> waiting = pool.submit(() -> {
                insertBar(second, earlier);
                return null;
            });
            awaitBlocked(second);
            first.commit();
            waiting.get(30, TimeUnit.SECONDS);
            pool.close();
        }
        assertThat(db.fetchVal("SELECT last_ts FROM market_snapshot WHERE symbol = 'SA'", OffsetDateTime.class)
                .map(OffsetDateTime::toInstant)).as("the latest bar, which the second writer's statement could not see")
                .contains(latest);
        assertKeptEqualsComputed("after two overlapping writers");
    }

    private static Connection connection() throws SQLException {
        return DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
    }

    private static void insertBar(Connection c, Instant ts) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            Object[] row = {"SA", Timestamp.from(ts), 10, 11, 9, 10, 100};
            for (int i = 0; i < row.length; i++) {
                ps.setObject(i + 1, row[i]);
            }
            ps.executeUpdate();
        }
    }

    /** Until {@code c}'s backend waits for a lock (the first writer's row in market_snapshot). */
    private static void awaitBlocked(Connection c) throws Exception {
        int pid = c.unwrap(PGConnection.class).getBackendPID();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!db.fetchVal("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = ?", Boolean.class, pid)
                .orElse(false)) {
            assertThat(System.nanoTime()).as("second writer blocked on the first").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private void assertKeptEqualsComputed(String when) {
        List<String> kept = db.fetchAll(KEPT, rs -> row(rs.getString(1),
                rs.getObject(2, OffsetDateTime.class) == null ? null : rs.getObject(2, OffsetDateTime.class).toInstant(),
                rs.getBigDecimal(3), rs.getBigDecimal(4), rs.getBigDecimal(5), rs.getBigDecimal(6)));
        assertThat(kept).as("market_snapshot %s", when).containsExactlyElementsOf(computed());
    }

    /**
     * The snapshot's definition, computed here from every bar, independently of the SQL under test: per symbol the
     * latest bar, its close over the closes of the latest bars at least 1 and 7 days older minus one (8 decimals),
     * and the volume of the bars in the 30 days up to and including the latest.
     */
    private static List<String> computed() {
        record BarRow(String symbol, Instant ts, BigDecimal close, BigDecimal volume) {
        }
        List<BarRow> bars = db.fetchAll("SELECT symbol, ts, close, volume FROM price_bars ORDER BY symbol, ts",
                rs -> new BarRow(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant(),
                        rs.getBigDecimal(3), rs.getBigDecimal(4)));
        var out = new ArrayList<String>();
        for (String symbol : SYMBOLS) {
            List<BarRow> mine = bars.stream().filter(b -> b.symbol().equals(symbol)).toList();
            if (mine.isEmpty()) {
                out.add(row(symbol, null, null, null, null, null));
                continue;
            }
            BarRow last = mine.getLast();
            Function<Duration, BigDecimal> change = back -> mine.stream()
                    .filter(b -> !b.ts().isAfter(last.ts().minus(back))).reduce((a, b) -> b)
                    .map(b -> last.close().divide(b.close(), MathContext.DECIMAL128).subtract(BigDecimal.ONE)
                            .setScale(8, RoundingMode.HALF_UP))
                    .orElse(null);
            BigDecimal volume = mine.stream().filter(b -> b.ts().isAfter(last.ts().minus(Duration.ofDays(30))))
                    .map(BarRow::volume).reduce(BigDecimal.ZERO, BigDecimal::add);
            out.add(row(symbol, last.ts(), last.close(), change.apply(Duration.ofDays(1)),
                    change.apply(Duration.ofDays(7)), volume));
        }
        return out;
    }

    private static String row(String symbol, Instant ts, BigDecimal close, BigDecimal change1d, BigDecimal change7d,
                              BigDecimal volume) {
        var out = new StringJoiner(" | ").add(symbol).add(String.valueOf(ts));
        for (BigDecimal d : new BigDecimal[] {close, change1d, change7d, volume}) {
            out.add(d == null ? "null" : d.stripTrailingZeros().toPlainString());
        }
        return out.toString();
    }

    /** About {@code days} days of bars per symbol, in random order, each day skipped with probability 1/4. */
    private List<Object[]> bars(List<String> symbols, int days) {
        var rows = new ArrayList<Object[]>();
        for (String symbol : symbols) {
            for (int d = 0; d < days; d++) {
                if (random.nextInt(4) == 0 || (d >= 30 && d < 37 && symbol.equals("SB"))) {
                    continue;
                }
                Instant ts = BASE.plus(Duration.ofDays(d)).plus(Duration.ofHours(random.nextInt(3) * 8L));
                BigDecimal close = BigDecimal.valueOf(50 + random.nextInt(5000), 2);
                BigDecimal open = close.multiply(BigDecimal.valueOf(0.98)).setScale(2, RoundingMode.HALF_UP);
                rows.add(new Object[] {symbol, ts, open, close.add(BigDecimal.ONE), open.subtract(BigDecimal.ONE)
                        .max(BigDecimal.valueOf(1, 2)).min(close), close, BigDecimal.valueOf(random.nextInt(1_000_000))});
            }
        }
        Collections.shuffle(rows, random);
        return rows;
    }
}
