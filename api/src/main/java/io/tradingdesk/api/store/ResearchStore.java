package io.tradingdesk.api.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.tradingdesk.api.model.ResearchNote;
import io.tradingdesk.db.ConstraintViolationException;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.RowReader;
import io.tradingdesk.db.WalPosition;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Research notes written by models. {@link #find} is the benchmarked hot path: one primary-key query, a RowReader
 * without reflection, the payload passed through as the jsonb text. Reads take the client's consistency token
 * ({@code seen}, null when it sent none) and may be served by a replica; writes go to the primary. Thread-safe.
 */
public final class ResearchStore {
    private static final String COLUMNS = "id, symbol, model, title, body, payload::text AS payload, tags, created_at";
    private static final String BY_ID = "SELECT " + COLUMNS + " FROM research_notes WHERE id = ?";
    private static final String LATEST = "SELECT " + COLUMNS + " FROM research_notes ORDER BY id DESC LIMIT ?";
    private static final String INSERT = """
            INSERT INTO research_notes (symbol, model, title, body, payload, tags)
            VALUES (?, ?, ?, ?, ?::jsonb, ?)
            RETURNING""" + " " + COLUMNS;
    private static final RowReader<ResearchNote> READER = rs -> new ResearchNote(rs.getLong("id"),
            rs.getString("symbol"), rs.getString("model"), rs.getString("title"), rs.getString("body"),
            rs.getString("payload"), Rows.strings(rs, "tags"), Rows.instant(rs, "created_at"));

    /** A note to store; {@code payload} null = an empty object. */
    public record NewNote(String symbol, String model, String title, String body, JsonNode payload,
                          List<String> tags) {
    }

    /** Search filters; null = any. */
    public record Filter(String symbol, String model, String tag, Instant since) {
    }

    private final Database database;

    public ResearchStore(Database database) {
        this.database = database;
    }

    /** @throws DomainException (rule broken) when the symbol is not an instrument */
    public ResearchNote create(NewNote note) {
        try {
            return database.executeReturning(INSERT, READER, note.symbol(), note.model(), note.title(), note.body(),
                    note.payload() == null ? "{}" : note.payload().toString(), note.tags().toArray(String[]::new))
                    .orElseThrow();
        } catch (ConstraintViolationException e) {
            throw Rows.unknownSymbol(e, note.symbol());
        }
    }

    public Optional<ResearchNote> find(long id, WalPosition seen) {
        return database.reads(seen).fetchOne(BY_ID, READER, id);
    }

    /** The newest {@code limit} notes, newest first. */
    public List<ResearchNote> latest(int limit, WalPosition seen) {
        return database.reads(seen).fetchAll(LATEST, READER, limit);
    }

    /** One page of the notes matching {@code filter}, newest first, below id {@code after} (null = from the top). */
    public Slice<ResearchNote> search(Filter filter, Long after, int limit, WalPosition seen) {
        return new Keyset("SELECT " + COLUMNS + " FROM research_notes", "id")
                .and("symbol = ?", filter.symbol())
                .and("model = ?", filter.model())
                .and("tags @> ARRAY[?]::text[]", filter.tag())
                .and("created_at >= ?", filter.since())
                .page(database.reads(seen), READER, ResearchNote::id, after, limit);
    }
}
