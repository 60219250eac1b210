/**
 * The HTTP layer: Javalin routes over the db module's {@code Database}. Exports only the app factory
 * ({@code HttpApi}) and its configuration; Javalin, Jetty and the JSON types stay inside.
 */
module api {
    requires transitive db;
    // PrometheusMeterRegistry appears in HttpApi.create.
    requires transitive micrometer.registry.prometheus;
    requires io.javalin;
    requires com.fasterxml.jackson.datatype.jsr310;
    requires org.slf4j;
    // The static files of GET /docs (org.webjars:swagger-ui, no classes; an automatic module named after its jar).
    // Their folder, META-INF/resources/webjars/..., is no package, so reading them needs no opens; requiring the
    // module resolves it on its own instead of through another automatic module that happens to read everything.
    requires swagger.ui;

    exports io.tradingdesk.api;
    // Jackson serialises the response records by reflection.
    opens io.tradingdesk.api.model to com.fasterxml.jackson.databind;
}
