package io.tradingdesk.api.store;

import io.tradingdesk.api.model.Pitch;
import io.tradingdesk.db.ConstraintViolationException;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.RowReader;
import io.tradingdesk.db.WalPosition;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Trade ideas and their review. A pitch moves draft -> approved | rejected here (optimistic concurrency: the caller
 * names the version it saw, the UPDATE matches on it) and approved -> executed only through {@link TradeStore}.
 * Reads take the client's consistency token ({@code seen}, null when it sent none) and may be served by a replica;
 * writes, and the read that explains a refused review, go to the primary. Thread-safe.
 */
public final class PitchStore {
    public static final List<String> SIDES = List.of("buy", "sell");
    public static final List<String> STATUSES = List.of("draft", "approved", "rejected", "executed");
    /** The statuses a review may set. */
    public static final List<String> REVIEW_OUTCOMES = List.of("approved", "rejected");

    private static final String COLUMNS = """
            p.id, p.symbol, p.side, p.thesis, p.entry_price, p.target_price, p.stop_price, p.confidence, p.status,
            p.version, p.created_at, p.updated_at,
            ARRAY(SELECT r.note_id FROM pitch_research r WHERE r.pitch_id = p.id ORDER BY r.note_id) AS research_ids""";
    private static final String BY_ID = "SELECT " + COLUMNS + " FROM pitches p WHERE p.id = ?";
    private static final RowReader<Pitch> READER = rs -> new Pitch(rs.getLong("id"), rs.getString("symbol"),
            rs.getString("side"), rs.getString("thesis"), Rows.decimal(rs, "entry_price"),
            Rows.decimal(rs, "target_price"), Rows.decimal(rs, "stop_price"), Rows.decimal(rs, "confidence"),
            rs.getString("status"), rs.getInt("version"), Rows.longs(rs, "research_ids"),
            Rows.instant(rs, "created_at"), Rows.instant(rs, "updated_at"));

    /** A pitch to propose; {@code researchIds} distinct. */
    public record NewPitch(String symbol, String side, String thesis, BigDecimal entryPrice, BigDecimal targetPrice,
                           BigDecimal stopPrice, BigDecimal confidence, List<Long> researchIds) {
    }

    /** List filters; null = any. */
    public record Filter(String status, String symbol) {
    }

    private final Database database;

    public PitchStore(Database database) {
        this.database = database;
    }

    /**
     * Stores a draft at version 1 with its research links, in one transaction.
     *
     * @throws DomainException (rule broken) when the prices are not ordered for the side, the symbol is not an
     *                         instrument or a research id does not exist; nothing is stored then
     */
    public Pitch create(NewPitch pitch) {
        requireOrdered(pitch.side(), pitch.entryPrice(), pitch.targetPrice(), pitch.stopPrice());
        try {
            return database.transaction(tx -> {
                long id = tx.executeReturning("""
                        INSERT INTO pitches (symbol, side, thesis, entry_price, target_price, stop_price, confidence)
                        VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""", Long.class,
                        pitch.symbol(), pitch.side(), pitch.thesis(), pitch.entryPrice(), pitch.targetPrice(),
                        pitch.stopPrice(), pitch.confidence()).orElseThrow();
                if (!pitch.researchIds().isEmpty()) {
                    Long[] ids = pitch.researchIds().toArray(Long[]::new);
                    var known = tx.fetchAll("SELECT id FROM research_notes WHERE id = ANY(?)", Long.class, (Object) ids);
                    var unknown = pitch.researchIds().stream().filter(n -> !known.contains(n)).toList();
                    if (!unknown.isEmpty()) {
                        // Thrown inside the transaction: the pitch insert is rolled back with it.
                        throw DomainException.ruleBroken("unknown research note id(s): " + unknown,
                                Map.of("researchIds", unknown));
                    }
                    tx.execute("INSERT INTO pitch_research (pitch_id, note_id) SELECT ?, unnest(?::bigint[])", id, ids);
                }
                return tx.fetchOne(BY_ID, READER, id).orElseThrow();
            });
        } catch (ConstraintViolationException e) {
            throw Rows.unknownSymbol(e, pitch.symbol());
        }
    }

    public Optional<Pitch> find(long id, WalPosition seen) {
        return database.reads(seen).fetchOne(BY_ID, READER, id);
    }

    /** One page of the pitches matching {@code filter}, newest first, below id {@code after} (null = from the top). */
    public Slice<Pitch> list(Filter filter, Long after, int limit, WalPosition seen) {
        return new Keyset("SELECT " + COLUMNS + " FROM pitches p", "p.id")
                .and("p.status = ?", filter.status())
                .and("p.symbol = ?", filter.symbol())
                .page(database.reads(seen), READER, Pitch::id, after, limit);
    }

    /**
     * Moves a draft to {@code outcome} if it is still at {@code version}: the version and the status are checked by
     * the UPDATE itself, so there is no read-then-write race.
     *
     * @throws DomainException not found; conflict when the version is stale (details carry the current one); rule
     *                         broken when the pitch is not a draft or {@code outcome} is not a review outcome
     */
    public Pitch review(long id, String outcome, int version) {
        if (REVIEW_OUTCOMES.contains(outcome)) {
            var updated = database.executeReturning("""
                    UPDATE pitches p SET status = ?, version = version + 1, updated_at = now()
                    WHERE p.id = ? AND p.version = ? AND p.status = 'draft'
                    RETURNING""" + " " + COLUMNS, READER, outcome, id, version);
            if (updated.isPresent()) {
                return updated.get();
            }
        }
        // Nothing changed: find out why, from the row as it is now (on the primary: a replica may not have it yet).
        Pitch current = database.fetchOne(BY_ID, READER, id).orElseThrow(() -> DomainException.notFound("no pitch " + id, Map.of("id", id)));
        if (current.version() != version) {
            throw DomainException.conflict("pitch " + id + " is at version " + current.version() + ", not " + version
                    + "; reload it and retry", Map.of("currentVersion", current.version()));
        }
        var details = new LinkedHashMap<String, Object>();
        details.put("from", current.status());
        details.put("to", outcome);
        throw DomainException.ruleBroken("a pitch cannot go from " + current.status() + " to " + outcome
                + (outcome.equals("executed") ? " here; executing a trade does that" : "")
                + "; only draft -> approved or rejected is allowed", details);
    }

    /** buy: stop < entry < target; sell: target < entry < stop. */
    private static void requireOrdered(String side, BigDecimal entry, BigDecimal target, BigDecimal stop) {
        boolean buy = side.equals("buy");
        var errors = new LinkedHashMap<String, String>();
        if (buy ? stop.compareTo(entry) >= 0 : stop.compareTo(entry) <= 0) {
            errors.put("stopPrice", "must be " + (buy ? "below" : "above") + " entryPrice for a " + side);
        }
        if (buy ? target.compareTo(entry) <= 0 : target.compareTo(entry) >= 0) {
            errors.put("targetPrice", "must be " + (buy ? "above" : "below") + " entryPrice for a " + side);
        }
        if (!errors.isEmpty()) {
            throw DomainException.ruleBroken("prices are not ordered for a " + side + " ("
                    + (buy ? "stop < entry < target" : "target < entry < stop") + ")", Map.of("fields", errors));
        }
    }
}
