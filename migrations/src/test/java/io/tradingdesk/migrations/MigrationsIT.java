package io.tradingdesk.migrations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.db.ConstraintViolationException;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.db.testing.TestDatabase;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The schema applied by {@link Migrations} to a real PostgreSQL, and the rules it enforces on its own. */
class MigrationsIT {
    static final List<String> TABLES = List.of("instruments", "market_snapshot", "pitch_research", "pitches", "positions", "price_bars",
            "research_notes", "trades");
    /** The newest version in {@code db/migration}, and how many migrations lead to it. */
    static final String LATEST = "3";
    static final int MIGRATIONS = 3;

    private static DatabaseUrl url;
    private static Migrations.Result first;
    private static Database db;

    @BeforeAll
    static void migrateAFreshDatabase() {
        url = TestDatabase.fresh("migrations");
        first = Migrations.migrate(url.jdbcUrl(), url.user(), url.password());
        db = Database.start(TestDatabase.config(url, Map.of("DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "2",
                "DB_APPLICATION_NAME", "migrations-it")), new SimpleMeterRegistry());
        db.execute("INSERT INTO instruments (symbol, name, asset_class, currency) VALUES ('ACME', 'Acme Corp', 'equity', 'USD')");
        db.execute("INSERT INTO pitches (symbol, side, thesis, entry_price, target_price, stop_price, confidence)"
                + " VALUES ('ACME', 'buy', 'cheap', 10, 12, 9, 0.7)");
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Test
    void anEmptyDatabaseGetsEveryTable() {
        assertThat(first.applied()).isEqualTo(MIGRATIONS);
        assertThat(first.schemaVersion()).isEqualTo(LATEST);
        assertThat(db.fetchAll("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                + " AND table_name <> 'flyway_schema_history' ORDER BY table_name", String.class))
                .containsExactlyElementsOf(TABLES);
        assertThat(db.fetchVal("SELECT count(*) FROM flyway_schema_history WHERE success", Long.class))
                .contains((long) MIGRATIONS);
    }

    @Test
    void theSnapshotIndexCoversCloseAndVolume() {
        assertThat(db.fetchVal("SELECT indexdef FROM pg_indexes WHERE indexname = 'price_bars_snapshot'", String.class))
                .hasValueSatisfying(def -> assertThat(def).contains("(symbol, ts) INCLUDE (close, volume)"));
    }

    @Test
    void aDatabaseAtVersion1WithDataIsUpgradedInPlace() {
        DatabaseUrl old = TestDatabase.fresh("migrations_v1");
        Flyway.configure(Migrations.class.getClassLoader()).dataSource(old.jdbcUrl(), old.user(), old.password())
                .target("1").load().migrate();
        try (var v1 = Database.start(TestDatabase.config(old, Map.of("DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "1",
                "DB_APPLICATION_NAME", "migrations-it-v1")), new SimpleMeterRegistry())) {
            v1.execute("INSERT INTO instruments (symbol, name, asset_class, currency) VALUES ('OLD', 'Old', 'equity', 'USD')");
            v1.execute("INSERT INTO price_bars (symbol, ts, open, high, low, close, volume)"
                    + " VALUES ('OLD', '2026-01-02', 10, 11, 9, 10.5, 1000)");

            Migrations.Result upgrade = Migrations.migrate(old.jdbcUrl(), old.user(), old.password());

            assertThat(upgrade.applied()).isEqualTo(MIGRATIONS - 1);
            assertThat(upgrade.schemaVersion()).isEqualTo(LATEST);
            assertThat(v1.fetchVal("SELECT count(*) FROM pg_indexes WHERE indexname = 'price_bars_snapshot'",
                    Long.class)).contains(1L);
            assertThat(v1.fetchVal("SELECT volume FROM price_bars WHERE symbol = 'OLD'", BigDecimal.class)
                    .map(BigDecimal::intValue)).contains(1000);
            // V3 computed the snapshot of the bars already there.
            assertThat(v1.fetchVal("SELECT last_close FROM market_snapshot WHERE symbol = 'OLD'", BigDecimal.class))
                    .hasValueSatisfying(close -> assertThat(close).isEqualByComparingTo("10.5"));
            assertThat(v1.fetchVal("SELECT volume_30d FROM market_snapshot WHERE symbol = 'OLD'", BigDecimal.class))
                    .hasValueSatisfying(volume -> assertThat(volume).isEqualByComparingTo("1000"));
        }
    }

    @Test
    void aSecondRunAppliesNothing() {
        Migrations.Result again = Migrations.migrate(url.jdbcUrl(), url.user(), url.password());

        assertThat(again.applied()).isZero();
        assertThat(again.schemaVersion()).isEqualTo(LATEST);
        assertThat(db.fetchVal("SELECT count(*) FROM flyway_schema_history", Long.class)).contains((long) MIGRATIONS);
    }

    @Test
    void anUnreachableDatabaseFailsWithAMessageThatHasNoPassword() {
        assertThatThrownBy(() -> Migrations.migrate("jdbc:postgresql://127.0.0.1:1/nowhere", "desk", "hunter2-secret"))
                .isInstanceOf(Migrations.MigrationException.class)
                .hasMessageStartingWith("migrations failed: ")
                .hasMessageNotContaining("hunter2-secret");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "bad side              | INSERT INTO pitches (symbol, side, thesis, entry_price, target_price, stop_price, confidence) VALUES ('ACME', 'hold', 't', 10, 12, 9, 0.5)",
        "bad status            | INSERT INTO pitches (symbol, side, thesis, entry_price, target_price, stop_price, confidence, status) VALUES ('ACME', 'buy', 't', 10, 12, 9, 0.5, 'maybe')",
        "zero entry price      | INSERT INTO pitches (symbol, side, thesis, entry_price, target_price, stop_price, confidence) VALUES ('ACME', 'buy', 't', 0, 12, 9, 0.5)",
        "negative stop price   | INSERT INTO pitches (symbol, side, thesis, entry_price, target_price, stop_price, confidence) VALUES ('ACME', 'buy', 't', 10, 12, -9, 0.5)",
        "confidence above 1    | INSERT INTO pitches (symbol, side, thesis, entry_price, target_price, stop_price, confidence) VALUES ('ACME', 'buy', 't', 10, 12, 9, 1.5)",
        "bad asset class       | INSERT INTO instruments (symbol, name, asset_class, currency) VALUES ('BOND1', 'A bond', 'bond', 'USD')",
        "bad currency          | INSERT INTO instruments (symbol, name, asset_class, currency) VALUES ('EUR1', 'Euro thing', 'fx', 'euro')",
        "lowercase symbol      | INSERT INTO instruments (symbol, name, asset_class, currency) VALUES ('acme2', 'Lower', 'equity', 'USD')",
        "low above high        | INSERT INTO price_bars (symbol, ts, open, high, low, close, volume) VALUES ('ACME', now(), 10, 9, 11, 10, 100)",
        "close outside range   | INSERT INTO price_bars (symbol, ts, open, high, low, close, volume) VALUES ('ACME', now(), 10, 12, 9, 13, 100)",
        "negative volume       | INSERT INTO price_bars (symbol, ts, open, high, low, close, volume) VALUES ('ACME', now(), 10, 12, 9, 10, -1)",
        "non-positive quantity | INSERT INTO trades (pitch_id, symbol, side, quantity, price) SELECT id, 'ACME', 'buy', 0, 10 FROM pitches LIMIT 1",
        "payload not an object | INSERT INTO research_notes (symbol, model, title, body, payload) VALUES ('ACME', 'm', 't', 'b', '[1, 2]')",
        "empty note title      | INSERT INTO research_notes (symbol, model, title, body) VALUES ('ACME', 'm', '', 'b')",
    })
    void checkConstraintsRejectBadRows(String what, String sql) {
        assertThatThrownBy(() -> db.execute(sql))
                .as(what)
                .isInstanceOfSatisfying(ConstraintViolationException.class, e -> {
                    assertThat(e.sqlState()).isEqualTo("23514");
                    assertThat(e.kind()).isEqualTo(ConstraintViolationException.Kind.CHECK);
                    assertThat(e.constraint()).isNotBlank();
                });
    }

    @Test
    void aBarWithLowAboveHighBreaksTheNamedRangeConstraint() {
        assertThatThrownBy(() -> db.execute("INSERT INTO price_bars (symbol, ts, open, high, low, close, volume)"
                + " VALUES ('ACME', now(), 10, 9, 11, 10, 100)"))
                .isInstanceOfSatisfying(ConstraintViolationException.class,
                        e -> assertThat(e.constraint()).isEqualTo("price_bars_range"));
    }

    @Test
    void rowsForAnUnknownSymbolAreRejectedByTheForeignKey() {
        assertThatThrownBy(() -> db.execute("INSERT INTO price_bars (symbol, ts, open, high, low, close, volume)"
                + " VALUES ('NOPE', now(), 10, 12, 9, 10, 100)"))
                .isInstanceOfSatisfying(ConstraintViolationException.class, e -> {
                    assertThat(e.sqlState()).isEqualTo("23503");
                    assertThat(e.kind()).isEqualTo(ConstraintViolationException.Kind.FOREIGN_KEY);
                    assertThat(e.constraint()).isEqualTo("price_bars_symbol_fkey");
                });
        assertThatThrownBy(() -> db.execute("INSERT INTO pitches (symbol, side, thesis, entry_price, target_price,"
                + " stop_price, confidence) VALUES ('NOPE', 'buy', 't', 10, 12, 9, 0.5)"))
                .isInstanceOfSatisfying(ConstraintViolationException.class,
                        e -> assertThat(e.constraint()).isEqualTo("pitches_symbol_fkey"));
    }

    @Test
    void aPitchIsExecutedAtMostOnce() {
        long pitch = db.fetchVal("SELECT min(id) FROM pitches", Long.class).orElseThrow();
        db.execute("INSERT INTO trades (pitch_id, symbol, side, quantity, price) VALUES (?, 'ACME', 'buy', 5, 10)", pitch);

        assertThatThrownBy(() -> db.execute(
                "INSERT INTO trades (pitch_id, symbol, side, quantity, price) VALUES (?, 'ACME', 'buy', 5, 10)", pitch))
                .isInstanceOfSatisfying(ConstraintViolationException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ConstraintViolationException.Kind.UNIQUE);
                    assertThat(e.constraint()).isEqualTo("trades_pitch_id_key");
                });
    }

    @Test
    void goodRowsAreAccepted() {
        db.execute("INSERT INTO instruments (symbol, name, asset_class, currency) VALUES ('BTC-USD', 'Bitcoin', 'crypto', 'USD')");
        db.execute("INSERT INTO price_bars (symbol, ts, open, high, low, close, volume) VALUES ('BTC-USD', now(), 10, 12, 9, 11, 0)");
        db.execute("INSERT INTO research_notes (symbol, model, title, body, payload, tags) VALUES ('BTC-USD', 'm', 't', 'b', ?, ?)",
                Map.of("signal", "long"), new String[] {"crypto"});

        assertThat(db.fetchVal("SELECT count(*) FROM research_notes WHERE tags && ? AND payload @> ?", Long.class,
                new String[] {"crypto"}, Map.of("signal", "long"))).contains(1L);
    }
}
