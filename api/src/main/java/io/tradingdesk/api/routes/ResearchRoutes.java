package io.tradingdesk.api.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.tradingdesk.api.http.ApiError;
import io.tradingdesk.api.http.Body;
import io.tradingdesk.api.http.Consistency;
import io.tradingdesk.api.http.Field;
import io.tradingdesk.api.http.Input;
import io.tradingdesk.api.http.Json;
import io.tradingdesk.api.http.RouteSpec;
import io.tradingdesk.api.http.Schema;
import io.tradingdesk.api.model.Items;
import io.tradingdesk.api.store.ResearchStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/research}: notes written by models. {@code GET /api/research/{id}} is the benchmarked hot path.
 * Thread-safe.
 */
public final class ResearchRoutes {
    private static final String LIST = "research";
    private static final int MAX_LATEST = 200;

    private static final Field<String> SYMBOL = Inputs.symbol("symbol").required().describedAs("an existing instrument");
    private static final Field<String> MODEL = Field.text("model", 100).required().example("momentum-v2");
    private static final Field<String> TITLE = Field.text("title", 300).required().example("Breakout above resistance");
    private static final Field<String> TEXT = Field.text("body", 100_000).required().example("Volume confirms ...");
    private static final Field<JsonNode> PAYLOAD = Field.object("payload").describedAs("model output; default {}");
    private static final Field<List<String>> TAGS = Field.strings("tags", 50, 100);
    private static final Body<ResearchStore.NewNote> NOTE = Body.object(
            v -> new ResearchStore.NewNote(v.get(SYMBOL), v.get(MODEL), v.get(TITLE), v.get(TEXT), v.get(PAYLOAD),
                    v.get(TAGS)),
            SYMBOL, MODEL, TITLE, TEXT, PAYLOAD, TAGS);

    private static final Field<Long> ID = Inputs.pathId();
    private static final Field<Integer> LATEST_LIMIT = Field.limit(MAX_LATEST, Inputs.DEFAULT_PAGE);
    private static final Field<String> BY_SYMBOL = Inputs.symbol("symbol").describedAs("only this instrument");
    private static final Field<String> BY_MODEL = Field.text("model", 100).describedAs("only this model");
    private static final Field<String> BY_TAG = Field.text("tag", 100).describedAs("only notes carrying this tag");
    private static final Field<Instant> SINCE = Field.instant("since").describedAs("only notes created at or after");
    private static final Field<Integer> LIMIT = Field.limit(Inputs.MAX_PAGE, Inputs.DEFAULT_PAGE);
    private static final Field<Long> CURSOR = Field.cursor(LIST);

    private static final Map<String, Object> SCHEMA = Schema.object(
            Schema.required("id", "symbol", "model", "title", "body", "payload", "tags", "createdAt"),
            "id", Schema.id(), "symbol", Schema.string("instrument"), "model", Schema.string("model name"),
            "title", Schema.string("title"), "body", Schema.string("text"), "payload", Schema.freeObject(),
            "tags", Schema.array(Schema.string("tag")), "createdAt", Schema.dateTime());

    private final ResearchStore store;
    private final Json json;
    private final Consistency consistency;

    public ResearchRoutes(ResearchStore store, Json json, Consistency consistency) {
        this.store = store;
        this.json = json;
        this.consistency = consistency;
    }

    public List<RouteSpec> routes() {
        return List.of(
                RouteSpec.post("/api/research", "Store a research note").body(NOTE)
                        .returns(201, SCHEMA).errors(422, 503).handle(this::create),
                // Registered before /{id} so that "latest" is never taken for an id.
                RouteSpec.get("/api/research/latest", "The newest notes, newest first").query(LATEST_LIMIT).headers(Consistency.TOKEN)
                        .returns(200, Schema.items(SCHEMA)).errors(503).handle(this::latest),
                RouteSpec.get("/api/research/{id}", "One note by id").path(ID).headers(Consistency.TOKEN)
                        .returns(200, SCHEMA).errors(404, 503).handle(this::get),
                RouteSpec.get("/api/research", "Search notes, newest first, in keyset pages")
                        .query(BY_SYMBOL, BY_MODEL, BY_TAG, SINCE, LIMIT, CURSOR).headers(Consistency.TOKEN)
                        .returns(200, Schema.page(SCHEMA)).errors(503).handle(this::search));
    }

    private void get(Context ctx, Input in) {
        long id = in.get(ID);
        json.write(ctx, 200, store.find(id, in.get(Consistency.TOKEN))
                .orElseThrow(() -> ApiError.notFound("no research note " + id, Map.of("id", id))));
    }

    private void latest(Context ctx, Input in) {
        json.write(ctx, 200, new Items<>(store.latest(in.get(LATEST_LIMIT), in.get(Consistency.TOKEN))));
    }

    private void create(Context ctx, Input in) {
        var note = store.create(in.body(NOTE));
        consistency.stamp(ctx);
        json.write(ctx, 201, note);
    }

    private void search(Context ctx, Input in) {
        var filter = new ResearchStore.Filter(in.get(BY_SYMBOL), in.get(BY_MODEL), in.get(BY_TAG), in.get(SINCE));
        json.write(ctx, 200, Inputs.page(store.search(filter, in.get(CURSOR), in.get(LIMIT), in.get(Consistency.TOKEN)), LIST));
    }
}
