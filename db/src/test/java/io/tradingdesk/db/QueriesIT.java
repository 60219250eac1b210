package io.tradingdesk.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.db.testing.TestDatabase;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The query helpers of {@link Queries} against a real PostgreSQL, through the pool. */
class QueriesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Database db;

    public record Note(long id, String symbol, String title, JsonNode payload, List<String> tags, BigDecimal score,
                       Instant createdAt) {
    }

    public record Count(String symbol, long notes) {
    }

    @BeforeAll
    static void start() {
        var url = TestDatabase.fresh("queries");
        db = Database.start(TestDatabase.config(url, Map.of("DB_MIN_POOL_SIZE", "1", "DB_MAX_POOL_SIZE", "4",
                "DB_APPLICATION_NAME", "queries-it")), new SimpleMeterRegistry());
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @BeforeEach
    void createTable() {
        db.execute("""
                CREATE TABLE notes (
                    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    symbol     text NOT NULL,
                    title      text NOT NULL,
                    payload    jsonb NOT NULL DEFAULT '{}',
                    tags       text[] NOT NULL DEFAULT '{}',
                    score      numeric(10, 4),
                    created_at timestamptz NOT NULL DEFAULT now()
                )""");
    }

    @AfterEach
    void dropTableAndCheckForLeaks() {
        db.execute("DROP TABLE notes");
        assertThat(db.stats().active()).as("connections still lent out").isZero();
    }

    private long insert(String symbol, String title) {
        return db.executeReturning("INSERT INTO notes (symbol, title) VALUES (?, ?) RETURNING id", Long.class, symbol, title)
                .orElseThrow();
    }

    @Test
    void fetchOneMapsTheFirstRowIntoARecordByColumnName() throws Exception {
        var payload = JSON.readTree("{\"model\":\"gpt\",\"horizon\":5}");
        long id = db.executeReturning("INSERT INTO notes (symbol, title, payload, tags, score) VALUES (?, ?, ?, ?, ?)"
                + " RETURNING id", Long.class, "ACME", "Buy the dip", payload, new String[] {"momentum", "tech"},
                new BigDecimal("0.7500")).orElseThrow();

        Note note = db.fetchOne("SELECT * FROM notes WHERE id = ?", Note.class, id).orElseThrow();

        assertThat(note.id()).isEqualTo(id);
        assertThat(note.symbol()).isEqualTo("ACME");
        assertThat(note.title()).isEqualTo("Buy the dip");
        assertThat(note.payload()).isEqualTo(payload);
        assertThat(note.tags()).containsExactly("momentum", "tech");
        assertThat(note.score()).isEqualByComparingTo("0.75");
        assertThat(note.createdAt()).isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(1, ChronoUnit.MINUTES));
    }

    @Test
    void fetchOneIsEmptyWhenNoRowMatches() {
        assertThat(db.fetchOne("SELECT * FROM notes WHERE id = ?", Note.class, 42L)).isEmpty();
        assertThat(db.fetchOne("SELECT title FROM notes WHERE id = ?", rs -> rs.getString(1), 42L)).isEmpty();
    }

    @Test
    void fetchOneWithARowReaderReadsTheCurrentRow() {
        insert("ACME", "first");
        insert("ACME", "second");

        var titleAndSymbol = db.fetchOne("SELECT title, symbol FROM notes ORDER BY id DESC",
                rs -> rs.getString("title") + "/" + rs.getString("symbol"));

        assertThat(titleAndSymbol).contains("second/ACME");
    }

    @Test
    void fetchAllReturnsEveryRowInTheStatementsOrder() {
        insert("ACME", "a");
        insert("BETA", "b");
        insert("ACME", "c");

        List<Count> counts = db.fetchAll("SELECT symbol, count(*) AS notes FROM notes GROUP BY symbol ORDER BY symbol",
                Count.class);
        List<String> titles = db.fetchAll("SELECT title FROM notes WHERE symbol = ? ORDER BY id DESC",
                rs -> rs.getString(1), "ACME");

        assertThat(counts).containsExactly(new Count("ACME", 2), new Count("BETA", 1));
        assertThat(titles).containsExactly("c", "a");
        assertThat(db.fetchAll("SELECT title FROM notes WHERE symbol = ?", String.class, "NONE")).isEmpty();
    }

    @Test
    void fetchAllIntoMapsGivesColumnNamesToValues() {
        insert("ACME", "a");

        @SuppressWarnings("rawtypes")
        List<Map> rows = db.fetchAll("SELECT symbol, title FROM notes", Map.class);

        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst()).containsEntry("symbol", "ACME").containsEntry("title", "a");
    }

    @Test
    void fetchValReturnsTheFirstColumnAndIsEmptyForNullOrNoRow() {
        insert("ACME", "a");

        assertThat(db.fetchVal("SELECT count(*) FROM notes", Long.class)).contains(1L);
        assertThat(db.fetchVal("SELECT title FROM notes WHERE symbol = ?", String.class, "ACME")).contains("a");
        assertThat(db.fetchVal("SELECT score FROM notes", BigDecimal.class)).isEmpty();
        assertThat(db.fetchVal("SELECT title FROM notes WHERE symbol = ?", String.class, "NONE")).isEmpty();
        assertThat(db.fetchVal("SELECT ?::uuid", UUID.class, new UUID(1, 2))).contains(new UUID(1, 2));
    }

    @Test
    void scalarTypesReadTheSameOnThePlainJdbcPathAsThroughJdbiInAndOutOfTransactions() {
        // Long, Integer, Boolean, String and BigDecimal skip Jdbi (Scalars); they must convert as Jdbi's mappers do:
        // an int4 as Long, a bigint as Integer when it fits, NULL as empty.
        assertThat(db.fetchVal("SELECT 7", Long.class)).contains(7L);
        assertThat(db.fetchVal("SELECT 7::bigint", Integer.class)).contains(7);
        assertThat(db.fetchVal("SELECT NULL::bigint", Long.class)).isEmpty();
        assertThat(db.fetchVal("SELECT true", Boolean.class)).contains(true);
        assertThat(db.fetchVal("SELECT 42", String.class)).contains("42");
        assertThat(db.fetchOne("SELECT 2.50::numeric", BigDecimal.class)).contains(new BigDecimal("2.50"));
        assertThat(db.fetchAll("SELECT g FROM generate_series(1, 3) g", Long.class)).containsExactly(1L, 2L, 3L);
        db.transaction(tx -> {
            assertThat(tx.fetchVal("SELECT 7", Long.class)).contains(7L);
            assertThat(tx.fetchVal("SELECT NULL::int", Integer.class)).isEmpty();
            assertThat(tx.fetchAll("SELECT g::text FROM generate_series(1, 2) g", String.class)).containsExactly("1", "2");
            assertThat(tx.executeReturning("SELECT 3::smallint", Long.class)).contains(3L);
            return null;
        });
    }

    @Test
    void executeReturnsTheNumberOfRowsChanged() {
        insert("ACME", "a");
        insert("ACME", "b");
        insert("BETA", "c");

        assertThat(db.execute("UPDATE notes SET title = upper(title) WHERE symbol = ?", "ACME")).isEqualTo(2);
        assertThat(db.execute("DELETE FROM notes WHERE symbol = ?", "NONE")).isZero();
        assertThat(db.fetchAll("SELECT title FROM notes ORDER BY id", String.class)).containsExactly("A", "B", "c");
    }

    @Test
    void executeManyInsertsAThousandRowsInOneBatch() {
        var rows = new ArrayList<Object[]>();
        for (int i = 0; i < 1_000; i++) {
            rows.add(new Object[] {i % 2 == 0 ? "ACME" : "BETA", "note " + i, new String[] {"t" + i}});
        }
        long queriesBefore = db.stats().queries();
        long acquisitionsBefore = db.stats().acquisitions();

        int[] counts = db.executeMany("INSERT INTO notes (symbol, title, tags) VALUES (?, ?, ?)", rows);

        assertThat(counts).hasSize(1_000);
        assertThat(db.stats().queries() - queriesBefore).as("one statement for the whole batch").isEqualTo(1);
        assertThat(db.stats().acquisitions() - acquisitionsBefore).as("one connection for the whole batch").isEqualTo(1);
        assertThat(db.fetchVal("SELECT count(*) FROM notes", Long.class)).contains(1_000L);
        assertThat(db.fetchVal("SELECT count(*) FROM notes WHERE symbol = 'BETA'", Long.class)).contains(500L);
        assertThat(db.fetchVal("SELECT tags[1] FROM notes WHERE title = 'note 999'", String.class)).contains("t999");
    }

    @Test
    void executeManyWithNoRowsDoesNothing() {
        assertThat(db.executeMany("INSERT INTO notes (symbol, title) VALUES (?, ?)", List.of())).isEmpty();
        assertThat(db.fetchVal("SELECT count(*) FROM notes", Long.class)).contains(0L);
    }

    @Test
    void executeReturningGivesTheInsertedRow() {
        Note note = db.executeReturning("INSERT INTO notes (symbol, title, score) VALUES (?, ?, ?) RETURNING *",
                Note.class, "ACME", "fresh", new BigDecimal("1.5")).orElseThrow();

        assertThat(note.id()).isPositive();
        assertThat(note.title()).isEqualTo("fresh");
        assertThat(note.score()).isEqualByComparingTo("1.5");
        assertThat(note.tags()).isEmpty();
    }

    @Test
    void executeReturningGivesTheUpdatedRowAndIsEmptyWhenNothingMatched() {
        long id = insert("ACME", "old");

        var updated = db.executeReturning("UPDATE notes SET title = ? WHERE id = ? RETURNING title, symbol",
                rs -> rs.getString("title") + "@" + rs.getString("symbol"), "new", id);
        var missed = db.executeReturning("UPDATE notes SET title = ? WHERE id = ? RETURNING id", Long.class, "new", id + 1);

        assertThat(updated).contains("new@ACME");
        assertThat(missed).isEmpty();
        assertThat(db.fetchVal("SELECT title FROM notes WHERE id = ?", String.class, id)).contains("new");
    }

    @Test
    void jsonbRoundTripsFromJsonNodeAndFromMapAndSupportsContainment() throws Exception {
        JsonNode tree = JSON.readTree("{\"model\":\"gpt\",\"signals\":[1,2.5,null],\"nested\":{\"ok\":true}}");
        long fromTree = db.executeReturning("INSERT INTO notes (symbol, title, payload) VALUES (?, ?, ?) RETURNING id",
                Long.class, "ACME", "tree", tree).orElseThrow();
        long fromMap = db.executeReturning("INSERT INTO notes (symbol, title, payload) VALUES (?, ?, ?) RETURNING id",
                Long.class, "ACME", "map", Map.of("model", "claude", "horizon", 5)).orElseThrow();

        assertThat(db.fetchVal("SELECT payload FROM notes WHERE id = ?", JsonNode.class, fromTree)).contains(tree);
        assertThat(db.fetchVal("SELECT payload FROM notes WHERE id = ?", JsonNode.class, fromMap))
                .contains(JSON.readTree("{\"model\":\"claude\",\"horizon\":5}"));
        assertThat(db.fetchVal("SELECT jsonb_typeof(payload) FROM notes WHERE id = ?", String.class, fromMap))
                .contains("object");
        assertThat(db.fetchAll("SELECT id FROM notes WHERE payload @> ?", Long.class, Map.of("model", "claude")))
                .containsExactly(fromMap);
        assertThat(db.fetchAll("SELECT id FROM notes WHERE payload @> ?", Long.class,
                JSON.readTree("{\"nested\":{\"ok\":true}}"))).containsExactly(fromTree);
        assertThat(db.fetchVal("SELECT payload->'signals'->>1 FROM notes WHERE id = ?", String.class, fromTree))
                .contains("2.5");
    }

    @Test
    void aStringArrayBindsAsTextArray() {
        db.execute("INSERT INTO notes (symbol, title, tags) VALUES (?, ?, ?)", "ACME", "tagged",
                new String[] {"macro", "rates", "with space", "quote'd"});

        assertThat(db.fetchVal("SELECT cardinality(tags) FROM notes", Integer.class)).contains(4);
        assertThat(db.fetchAll("SELECT title FROM notes WHERE tags && ?", String.class, (Object) new String[] {"rates"}))
                .containsExactly("tagged");
        assertThat(db.fetchAll("SELECT title FROM notes WHERE tags @> ?", String.class, (Object) new String[] {"macro", "quote'd"}))
                .containsExactly("tagged");
        assertThat(db.fetchAll("SELECT unnest(tags) FROM notes", String.class))
                .containsExactly("macro", "rates", "with space", "quote'd");
    }

    @Test
    void nullBindsAsSqlNull() {
        db.execute("INSERT INTO notes (symbol, title, score) VALUES (?, ?, ?)", "ACME", "no score", null);

        assertThat(db.fetchVal("SELECT count(*) FROM notes WHERE score IS NULL", Long.class)).contains(1L);
    }

    @Test
    void anInstantRoundTripsAsTimestamptz() {
        Instant at = Instant.parse("2024-03-01T12:34:56.789Z");
        db.execute("INSERT INTO notes (symbol, title, created_at) VALUES (?, ?, ?)", "ACME", "dated", at);

        assertThat(db.fetchVal("SELECT created_at FROM notes", Instant.class)).contains(at);
        assertThat(db.fetchVal("SELECT to_char(created_at AT TIME ZONE 'UTC', 'HH24:MI') FROM notes", String.class))
                .contains("12:34");
    }

    @Test
    void valuesThatLookLikeSqlInjectionAreStoredVerbatim() {
        String[] hostile = {
            "'; DROP TABLE notes; --",
            "ACME' OR '1'='1",
            "$$; DELETE FROM notes; $$",
            "\\'; SELECT pg_sleep(10); --",
            "Robert'); DROP TABLE students;--",
        };
        for (String value : hostile) {
            db.execute("INSERT INTO notes (symbol, title) VALUES (?, ?)", value, value);
        }

        assertThat(db.fetchAll("SELECT title FROM notes ORDER BY id", String.class)).containsExactly(hostile);
        assertThat(db.fetchAll("SELECT symbol FROM notes WHERE symbol = ?", String.class, "ACME' OR '1'='1"))
                .containsExactly("ACME' OR '1'='1");
        assertThat(db.fetchVal("SELECT count(*) FROM notes WHERE symbol = ?", Long.class, "x' OR '1'='1")).contains(0L);
        assertThat(db.fetchVal("SELECT to_regclass('notes') IS NOT NULL", Boolean.class)).contains(true);
    }

    @Test
    void aSyntaxErrorIsADbExceptionWithItsSqlStateAndNoParameterValues() {
        assertThatThrownBy(() -> db.fetchVal("SELEC title FROM notes WHERE symbol = ?", String.class, "secret-value"))
                .isExactlyInstanceOf(DbException.class)
                .hasMessageStartingWith("statement failed (SQLSTATE 42601: ")
                .hasMessageNotContaining("secret-value")
                .satisfies(e -> assertThat(((DbException) e).sqlState()).isEqualTo("42601"));
    }
}
