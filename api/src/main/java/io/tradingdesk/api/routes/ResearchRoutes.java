package io.tradingdesk.api.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.tradingdesk.api.http.ApiError;
import io.tradingdesk.api.http.Cursor;
import io.tradingdesk.api.http.Fields;
import io.tradingdesk.api.http.Json;
import io.tradingdesk.api.http.Params;
import io.tradingdesk.api.http.RouteSpec;
import io.tradingdesk.api.http.Schema;
import io.tradingdesk.api.model.Items;
import io.tradingdesk.api.model.Page;
import io.tradingdesk.api.model.ResearchNote;
import io.tradingdesk.db.ConstraintViolationException;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.RowReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/research}: notes written by models. {@code GET /api/research/{id}} is the benchmarked hot path: one
 * primary-key query, a RowReader without reflection, the payload passed through as the jsonb text. Thread-safe.
 */
public final class ResearchRoutes {
    private static final String LIST = "research";
    private static final int MAX_LATEST = 200;
    private static final int MAX_PAGE = 200;
    private static final int DEFAULT_LIMIT = 20;

    private static final String COLUMNS = "id, symbol, model, title, body, payload::text AS payload, tags, created_at";
    private static final String BY_ID = "SELECT " + COLUMNS + " FROM research_notes WHERE id = ?";
    private static final String LATEST = "SELECT " + COLUMNS + " FROM research_notes ORDER BY id DESC LIMIT ?";
    private static final RowReader<ResearchNote> READER = rs -> new ResearchNote(rs.getLong("id"),
            rs.getString("symbol"), rs.getString("model"), rs.getString("title"), rs.getString("body"),
            rs.getString("payload"), Rows.strings(rs, "tags"), Rows.instant(rs, "created_at"));

    private static final Map<String, Object> SCHEMA = Schema.object(
            Schema.required("id", "symbol", "model", "title", "body", "payload", "tags", "createdAt"),
            "id", Schema.id(), "symbol", Schema.string("instrument"), "model", Schema.string("model name"),
            "title", Schema.string("title"), "body", Schema.string("text"), "payload", Schema.freeObject(),
            "tags", Schema.array(Schema.string("tag")), "createdAt", Schema.dateTime());

    private final Database database;
    private final Json json;

    public ResearchRoutes(Database database, Json json) {
        this.database = database;
        this.json = json;
    }

    public List<RouteSpec> routes() {
        return List.of(
                RouteSpec.post("/api/research", "Store a research note")
                        .body(Schema.object(Schema.required("symbol", "model", "title", "body"),
                                "symbol", Schema.pattern(Params.SYMBOL.pattern(), "an existing instrument"),
                                "model", Schema.string("1..100 characters"), "title", Schema.string("1..300 characters"),
                                "body", Schema.string("1..100000 characters"),
                                "payload", Schema.freeObject(),
                                "tags", Schema.array(Schema.string("1..100 characters"), 0, 50)))
                        .returns(201, SCHEMA).errors(422, 503).handle(this::create),
                // Registered before /{id} so that "latest" is never taken for an id.
                RouteSpec.get("/api/research/latest", "The newest notes, newest first")
                        .query("limit", Schema.limit(MAX_LATEST, DEFAULT_LIMIT))
                        .returns(200, Schema.items(SCHEMA)).errors(400, 503).handle(this::latest),
                RouteSpec.get("/api/research/{id}", "One note by id")
                        .returns(200, SCHEMA).errors(400, 404, 503).handle(this::get),
                RouteSpec.get("/api/research", "Search notes, newest first, in keyset pages")
                        .query("symbol", Schema.string("only this instrument"))
                        .query("model", Schema.string("only this model"))
                        .query("tag", Schema.string("only notes carrying this tag"))
                        .query("since", Schema.dateTime())
                        .query("limit", Schema.limit(MAX_PAGE, DEFAULT_LIMIT))
                        .query("cursor", Schema.string("nextCursor of the previous page"))
                        .returns(200, Schema.page(SCHEMA)).errors(400, 503).handle(this::search));
    }

    private void get(Context ctx) {
        long id = Params.id(ctx, "id");
        ResearchNote note = database.fetchOne(BY_ID, READER, id)
                .orElseThrow(() -> ApiError.notFound("no research note " + id, Map.of("id", id)));
        json.write(ctx, 200, note);
    }

    private void latest(Context ctx) {
        json.write(ctx, 200, new Items<>(database.fetchAll(LATEST, READER, Params.limit(ctx, DEFAULT_LIMIT, MAX_LATEST))));
    }

    private void create(Context ctx) {
        Fields body = json.object(ctx);
        String symbol = body.matching("symbol", true, Params.SYMBOL, Params.SYMBOL_RULE);
        String model = body.text("model", true, 100);
        String title = body.text("title", true, 300);
        String text = body.text("body", true, 100_000);
        JsonNode payload = body.object("payload", false);
        List<String> tags = body.strings("tags", 50, 100);
        body.validate();
        try {
            ResearchNote note = database.executeReturning("""
                    INSERT INTO research_notes (symbol, model, title, body, payload, tags)
                    VALUES (?, ?, ?, ?, ?, ?)
                    RETURNING""" + " " + COLUMNS, READER,
                    symbol, model, title, text,
                    payload == null ? json.mapper().createObjectNode() : payload, tags.toArray(String[]::new)).orElseThrow();
            json.write(ctx, 201, note);
        } catch (ConstraintViolationException e) {
            throw Rows.unknownSymbol(e, symbol);
        }
    }

    private void search(Context ctx) {
        String symbol = Params.symbolQuery(ctx);
        String model = Params.text(ctx, "model", 100);
        String tag = Params.text(ctx, "tag", 100);
        Instant since = Params.instant(ctx, "since");
        int limit = Params.limit(ctx, DEFAULT_LIMIT, MAX_PAGE);
        Long after = Cursor.decode(LIST, ctx.queryParam("cursor"));

        // Every filter has an index that ends in id DESC (or the primary key itself), so each page is a short scan.
        var sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM research_notes WHERE true");
        var args = new ArrayList<Object>();
        if (symbol != null) {
            sql.append(" AND symbol = ?");
            args.add(symbol);
        }
        if (model != null) {
            sql.append(" AND model = ?");
            args.add(model);
        }
        if (tag != null) {
            sql.append(" AND tags @> ARRAY[?]::text[]");
            args.add(tag);
        }
        if (since != null) {
            sql.append(" AND created_at >= ?");
            args.add(since);
        }
        if (after != null) {
            sql.append(" AND id < ?");
            args.add(after);
        }
        // One row more than asked tells whether another page exists without a count.
        sql.append(" ORDER BY id DESC LIMIT ?");
        args.add(limit + 1);
        List<ResearchNote> rows = database.fetchAll(sql.toString(), READER, args.toArray());
        json.write(ctx, 200, page(rows, limit));
    }

    private static Page<ResearchNote> page(List<ResearchNote> rows, int limit) {
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        List<ResearchNote> items = rows.subList(0, limit);
        return new Page<>(items, Cursor.encode(LIST, items.get(limit - 1).id()));
    }
}
