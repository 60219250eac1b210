package io.tradingdesk.api.routes;

import io.javalin.http.Context;
import io.tradingdesk.api.http.ApiError;
import io.tradingdesk.api.http.Cursor;
import io.tradingdesk.api.http.Fields;
import io.tradingdesk.api.http.Json;
import io.tradingdesk.api.http.Params;
import io.tradingdesk.api.http.RouteSpec;
import io.tradingdesk.api.http.Schema;
import io.tradingdesk.api.model.Page;
import io.tradingdesk.api.model.Pitch;
import io.tradingdesk.db.ConstraintViolationException;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.RowReader;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /api/pitches}: trade ideas and their review. Status changes use optimistic concurrency: the client sends
 * the version it saw, the UPDATE matches on it, and a stale version is a 409 carrying the current one. Only
 * draft -> approved and draft -> rejected happen here; approved -> executed happens only by a trade. Thread-safe.
 */
public final class PitchRoutes {
    private static final String LIST = "pitches";
    private static final int MAX_PAGE = 200;
    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_RESEARCH_IDS = 100;
    private static final BigDecimal MAX_PRICE = new BigDecimal("1e12");
    static final Set<String> STATUSES = Set.of("draft", "approved", "rejected", "executed");
    private static final Set<String> REVIEW_OUTCOMES = Set.of("approved", "rejected");

    private static final String COLUMNS = """
            p.id, p.symbol, p.side, p.thesis, p.entry_price, p.target_price, p.stop_price, p.confidence, p.status,
            p.version, p.created_at, p.updated_at,
            ARRAY(SELECT r.note_id FROM pitch_research r WHERE r.pitch_id = p.id ORDER BY r.note_id) AS research_ids""";
    private static final RowReader<Pitch> READER = rs -> new Pitch(rs.getLong("id"), rs.getString("symbol"),
            rs.getString("side"), rs.getString("thesis"), Rows.decimal(rs, "entry_price"),
            Rows.decimal(rs, "target_price"), Rows.decimal(rs, "stop_price"), Rows.decimal(rs, "confidence"),
            rs.getString("status"), rs.getInt("version"), Rows.longs(rs, "research_ids"),
            Rows.instant(rs, "created_at"), Rows.instant(rs, "updated_at"));

    private static final Map<String, Object> SCHEMA = Schema.object(
            Schema.required("id", "symbol", "side", "thesis", "entryPrice", "targetPrice", "stopPrice", "confidence",
                    "status", "version", "researchIds", "createdAt", "updatedAt"),
            "id", Schema.id(), "symbol", Schema.string("instrument"), "side", Schema.enumOf("buy", "sell"),
            "thesis", Schema.string("why"), "entryPrice", Schema.decimal(), "targetPrice", Schema.decimal(),
            "stopPrice", Schema.decimal(), "confidence", Schema.decimal(),
            "status", Schema.enumOf("draft", "approved", "rejected", "executed"),
            "version", Schema.integer(), "researchIds", Schema.array(Schema.id()),
            "createdAt", Schema.dateTime(), "updatedAt", Schema.dateTime());

    private final Database database;
    private final Json json;

    public PitchRoutes(Database database, Json json) {
        this.database = database;
        this.json = json;
    }

    public List<RouteSpec> routes() {
        return List.of(
                RouteSpec.post("/api/pitches", "Propose a trade (status draft, version 1)")
                        .body(Schema.object(Schema.required("symbol", "side", "thesis", "entryPrice", "targetPrice",
                                        "stopPrice", "confidence"),
                                "symbol", Schema.pattern(Params.SYMBOL.pattern(), "an existing instrument"),
                                "side", Schema.enumOf("buy", "sell"), "thesis", Schema.string("1..20000 characters"),
                                "entryPrice", Schema.decimal(), "targetPrice", Schema.decimal(),
                                "stopPrice", Schema.decimal(),
                                "confidence", Schema.fraction(),
                                "researchIds", Schema.array(Schema.id(), 0, MAX_RESEARCH_IDS)))
                        .returns(201, SCHEMA).errors(422, 503).handle(this::create),
                RouteSpec.get("/api/pitches/{id}", "One pitch by id")
                        .returns(200, SCHEMA).errors(400, 404, 503).handle(this::get),
                RouteSpec.get("/api/pitches", "List pitches, newest first, in keyset pages")
                        .query("status", Schema.enumOf("draft", "approved", "rejected", "executed"))
                        .query("symbol", Schema.string("only this instrument"))
                        .query("limit", Schema.limit(MAX_PAGE, DEFAULT_LIMIT))
                        .query("cursor", Schema.string("nextCursor of the previous page"))
                        .returns(200, Schema.page(SCHEMA)).errors(400, 503).handle(this::list),
                RouteSpec.patch("/api/pitches/{id}/status", "Approve or reject a draft; version must be the current one")
                        .body(Schema.object(Schema.required("status", "version"),
                                "status", Schema.enumOf("approved", "rejected"), "version", Schema.integer()))
                        .returns(200, SCHEMA).errors(404, 409, 422, 503).handle(this::changeStatus));
    }

    private void get(Context ctx) {
        long id = Params.id(ctx, "id");
        json.write(ctx, 200, find(id));
    }

    private void create(Context ctx) {
        Fields body = json.object(ctx);
        String symbol = body.matching("symbol", true, Params.SYMBOL, Params.SYMBOL_RULE);
        String side = body.oneOf("side", true, Set.of("buy", "sell"));
        String thesis = body.text("thesis", true, 20_000);
        BigDecimal entry = body.decimal("entryPrice", true, BigDecimal.ZERO, false, MAX_PRICE);
        BigDecimal target = body.decimal("targetPrice", true, BigDecimal.ZERO, false, MAX_PRICE);
        BigDecimal stop = body.decimal("stopPrice", true, BigDecimal.ZERO, false, MAX_PRICE);
        BigDecimal confidence = body.between("confidence", true, BigDecimal.ZERO, BigDecimal.ONE);
        List<Long> researchIds = body.ids("researchIds", MAX_RESEARCH_IDS);
        body.validate();
        requireOrdered(side, entry, target, stop);
        try {
            Pitch pitch = database.transaction(tx -> {
                long id = tx.executeReturning("""
                        INSERT INTO pitches (symbol, side, thesis, entry_price, target_price, stop_price, confidence)
                        VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""", Long.class,
                        symbol, side, thesis, entry, target, stop, confidence).orElseThrow();
                if (!researchIds.isEmpty()) {
                    Long[] ids = researchIds.toArray(Long[]::new);
                    var known = tx.fetchAll("SELECT id FROM research_notes WHERE id = ANY(?)", Long.class, (Object) ids);
                    var unknown = researchIds.stream().filter(n -> !known.contains(n)).toList();
                    if (!unknown.isEmpty()) {
                        // Thrown inside the transaction: the pitch insert is rolled back with it.
                        throw ApiError.unprocessable("unknown research note id(s): " + unknown,
                                Map.of("researchIds", unknown));
                    }
                    tx.execute("INSERT INTO pitch_research (pitch_id, note_id) SELECT ?, unnest(?::bigint[])",
                            id, ids);
                }
                return tx.fetchOne("SELECT " + COLUMNS + " FROM pitches p WHERE p.id = ?", READER, id).orElseThrow();
            });
            json.write(ctx, 201, pitch);
        } catch (ConstraintViolationException e) {
            throw Rows.unknownSymbol(e, symbol);
        }
    }

    private void list(Context ctx) {
        String status = Params.text(ctx, "status", 20);
        if (status != null && !STATUSES.contains(status)) {
            throw ApiError.invalidField("status", "must be one of approved, draft, executed, rejected");
        }
        String symbol = Params.symbolQuery(ctx);
        int limit = Params.limit(ctx, DEFAULT_LIMIT, MAX_PAGE);
        Long after = Cursor.decode(LIST, ctx.queryParam("cursor"));
        var sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM pitches p WHERE true");
        var args = new ArrayList<Object>();
        if (status != null) {
            sql.append(" AND p.status = ?");
            args.add(status);
        }
        if (symbol != null) {
            sql.append(" AND p.symbol = ?");
            args.add(symbol);
        }
        if (after != null) {
            sql.append(" AND p.id < ?");
            args.add(after);
        }
        sql.append(" ORDER BY p.id DESC LIMIT ?");
        args.add(limit + 1);
        List<Pitch> rows = database.fetchAll(sql.toString(), READER, args.toArray());
        if (rows.size() <= limit) {
            json.write(ctx, 200, new Page<>(rows, null));
        } else {
            List<Pitch> items = rows.subList(0, limit);
            json.write(ctx, 200, new Page<>(items, Cursor.encode(LIST, items.get(limit - 1).id())));
        }
    }

    private void changeStatus(Context ctx) {
        long id = Params.id(ctx, "id");
        Fields body = json.object(ctx);
        String to = body.oneOf("status", true, STATUSES);
        Integer version = body.integer("version", true, 1, Integer.MAX_VALUE);
        body.validate();
        if (REVIEW_OUTCOMES.contains(to)) {
            // The version and the status are both checked by the UPDATE itself: no read-then-write race.
            var updated = database.executeReturning("""
                    UPDATE pitches p SET status = ?, version = version + 1, updated_at = now()
                    WHERE p.id = ? AND p.version = ? AND p.status = 'draft'
                    RETURNING""" + " " + COLUMNS, READER, to, id, version);
            if (updated.isPresent()) {
                json.write(ctx, 200, updated.get());
                return;
            }
        }
        // Nothing changed: find out why, from the row as it is now.
        Pitch current = find(id);
        if (current.version() != version) {
            throw ApiError.conflict("pitch " + id + " is at version " + current.version() + ", not " + version
                    + "; reload it and retry", Map.of("currentVersion", current.version()));
        }
        var details = new LinkedHashMap<String, Object>();
        details.put("from", current.status());
        details.put("to", to);
        throw ApiError.unprocessable("a pitch cannot go from " + current.status() + " to " + to
                + (to.equals("executed") ? " here; executing a trade does that" : "")
                + "; only draft -> approved or rejected is allowed", details);
    }

    private Pitch find(long id) {
        return database.fetchOne("SELECT " + COLUMNS + " FROM pitches p WHERE p.id = ?", READER, id)
                .orElseThrow(() -> ApiError.notFound("no pitch " + id, Map.of("id", id)));
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
            throw ApiError.unprocessable("prices are not ordered for a " + side + " ("
                    + (buy ? "stop < entry < target" : "target < entry < stop") + ")", Map.of("fields", errors));
        }
    }
}
