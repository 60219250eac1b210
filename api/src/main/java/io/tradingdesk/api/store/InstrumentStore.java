package io.tradingdesk.api.store;

import io.tradingdesk.api.model.Instrument;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.RowReader;
import io.tradingdesk.db.WalPosition;
import java.util.List;
import java.util.Optional;

/**
 * The tradable universe: instruments keyed by symbol. Reads take the client's consistency token ({@code seen}, null
 * when it sent none) and may be served by a replica; writes go to the primary. Thread-safe.
 */
public final class InstrumentStore {
    private static final String COLUMNS = "symbol, name, asset_class, currency, created_at, updated_at";
    private static final RowReader<Instrument> READER = rs -> new Instrument(rs.getString("symbol"),
            rs.getString("name"), rs.getString("asset_class"), rs.getString("currency"),
            Rows.instant(rs, "created_at"), Rows.instant(rs, "updated_at"));

    // xmax = 0 only on a row this statement inserted: tells created from updated in one round trip.
    private static final String UPSERT = """
            INSERT INTO instruments (symbol, name, asset_class, currency) VALUES (?, ?, ?, ?)
            ON CONFLICT (symbol) DO UPDATE
                SET name = EXCLUDED.name, asset_class = EXCLUDED.asset_class, currency = EXCLUDED.currency,
                    updated_at = now()
            RETURNING %s, (xmax = 0) AS inserted""".formatted(COLUMNS);

    /** What a PUT may change. */
    public record Change(String name, String assetClass, String currency) {
    }

    /** An instrument after a PUT, and whether the PUT created it. */
    public record Saved(Instrument instrument, boolean created) {
    }

    private final Database database;

    public InstrumentStore(Database database) {
        this.database = database;
    }

    /** Every instrument, ordered by symbol; {@code seen}: see {@code Database.reads} (null = may be stale). */
    public List<Instrument> list(WalPosition seen) {
        return database.reads(seen).fetchAll("SELECT " + COLUMNS + " FROM instruments ORDER BY symbol", READER);
    }

    public Optional<Instrument> find(String symbol, WalPosition seen) {
        return database.reads(seen).fetchOne("SELECT " + COLUMNS + " FROM instruments WHERE symbol = ?", READER,
                symbol);
    }

    /** Creates the instrument or replaces its descriptive fields (one statement, so racing PUTs cannot collide). */
    public Saved put(String symbol, Change change) {
        return database.executeReturning(UPSERT, rs -> new Saved(READER.read(rs), rs.getBoolean("inserted")),
                symbol, change.name(), change.assetClass(), change.currency()).orElseThrow();
    }
}
