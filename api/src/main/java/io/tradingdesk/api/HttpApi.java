package io.tradingdesk.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tradingdesk.api.http.BearerAuth;
import io.tradingdesk.api.http.Consistency;
import io.tradingdesk.api.http.ErrorMapper;
import io.tradingdesk.api.http.JettyErrorHandler;
import io.tradingdesk.api.http.Json;
import io.tradingdesk.api.http.OpenApi;
import io.tradingdesk.api.http.RequestMetrics;
import io.tradingdesk.api.http.RouteSpec;
import io.tradingdesk.api.http.Schema;
import io.tradingdesk.api.routes.DocsRoutes;
import io.tradingdesk.api.routes.HealthRoutes;
import io.tradingdesk.api.routes.InstrumentRoutes;
import io.tradingdesk.api.routes.MarketRoutes;
import io.tradingdesk.api.routes.PitchRoutes;
import io.tradingdesk.api.routes.ResearchRoutes;
import io.tradingdesk.api.routes.TradeRoutes;
import io.tradingdesk.api.store.InstrumentStore;
import io.tradingdesk.api.store.MarketStore;
import io.tradingdesk.api.store.PitchStore;
import io.tradingdesk.api.store.ResearchStore;
import io.tradingdesk.api.store.TradeStore;
import io.tradingdesk.db.Database;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: builds every route from one table ({@link RouteSpec}), the one error mapper, bearer
 * authentication as {@link ApiConfig} decides it per route, request metrics, the OpenAPI document and its browsable
 * view ({@code /docs}), on Javalin 7 (Jetty 12).
 *
 * <p>Javalin 7 rather than 6: 7 is the maintained line, and it configures routes up front, before the server
 * starts, which is how this class is built anyway. The Javalin OpenAPI plugin has no release for 7 in our
 * repository, so the OpenAPI document is generated from the same route table that registers the routes.
 * Requests run on virtual threads, so a handler blocking on JDBC costs a small heap object, not a platform thread.
 *
 * <p>Usage: {@code HttpApi.create(config, database, registry, migrated).start()}, later {@link #stop(Duration)}.
 * Javalin types never leave this module. {@link #start()} and {@link #stop(Duration)} are meant to be called once,
 * from one thread; request handling is thread-safe.
 */
public final class HttpApi {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    /** Pending connections the kernel may queue for accept(); see where the connector is created. */
    private static final int ACCEPT_QUEUE_SIZE = 1024;

    private final Javalin javalin;
    private final List<RouteSpec> routes;
    private final GracefulHandler inFlight;
    private final JvmGcMetrics gcMetrics;
    private final ApiConfig config;
    private final AtomicBoolean draining;

    private HttpApi(Javalin javalin, List<RouteSpec> routes, GracefulHandler inFlight, JvmGcMetrics gcMetrics,
                    ApiConfig config, AtomicBoolean draining) {
        this.javalin = javalin;
        this.routes = routes;
        this.inFlight = inFlight;
        this.gcMetrics = gcMetrics;
        this.config = config;
        this.draining = draining;
    }

    /**
     * Builds the server without starting it, and registers the JVM meters (memory, GC, threads, processor, uptime)
     * in {@code registry}; the pool's meters are already there from {@code Database.start}.
     *
     * @param migrated true once migrations were applied; {@code /health/ready} answers 503 before
     */
    public static HttpApi create(ApiConfig config, Database database, PrometheusMeterRegistry registry,
                                 BooleanSupplier migrated) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(migrated, "migrated");
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        var gc = new JvmGcMetrics();
        gc.bindTo(registry);

        ObjectMapper mapper = Json.newMapper();
        var json = new Json(mapper, config.maxBodyBytes());
        var draining = new AtomicBoolean();
        var routes = new ArrayList<RouteSpec>();
        routes.addAll(new HealthRoutes(database, registry, migrated, draining::get, config.version(), json).routes());
        var consistency = new Consistency(database);
        routes.addAll(new InstrumentRoutes(new InstrumentStore(database), json, consistency).routes());
        routes.addAll(new MarketRoutes(new MarketStore(database), json, consistency).routes());
        routes.addAll(new ResearchRoutes(new ResearchStore(database), json, consistency).routes());
        routes.addAll(new PitchRoutes(new PitchStore(database), json, consistency).routes());
        routes.addAll(new TradeRoutes(new TradeStore(database), json, consistency).routes());
        routes.addAll(new DocsRoutes().routes());
        byte[][] openApi = new byte[1][];
        routes.add(RouteSpec.get("/openapi.json", "This document (OpenAPI 3.0)").publicAccess()
                .returns(200, Schema.freeObject())
                .handle((ctx, in) -> ctx.contentType(Json.CONTENT_TYPE).result(openApi[0])));

        BearerAuth apiToken = config.apiToken() == null ? null : new BearerAuth(config.apiToken(), "bearer");
        BearerAuth metricsToken = config.metricsToken() == null ? null
                : new BearerAuth(config.metricsToken(), "metricsBearer");
        Function<RouteSpec, BearerAuth> guard = route -> guard(route, config, apiToken, metricsToken);
        openApi[0] = OpenApi.document(routes, config.version(), guard, mapper);
        var errors = new ErrorMapper(json);
        var metrics = new RequestMetrics(registry);
        var inFlight = new GracefulHandler();
        Javalin javalin = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.concurrency.useVirtualThreads = true;
            c.http.prefer405over404 = true;
            c.http.maxRequestSize = config.maxBodyBytes();
            c.jsonMapper(new JavalinJackson(mapper, true));
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            // Javalin's default connector listens with Java's default backlog of 50: in a burst of new connections
            // (500 clients at once in the overload test) the kernel drops the rest and clients see resets instead of
            // answers. Same connector, deeper accept queue (the kernel caps it at net.core.somaxconn).
            c.jetty.addConnector((server, http) -> {
                var connector = new ServerConnector(server, new HttpConnectionFactory(http));
                connector.setHost(config.host());
                connector.setPort(config.port());
                connector.setAcceptQueueSize(ACCEPT_QUEUE_SIZE);
                return connector;
            });
            c.jetty.modifyServer(server -> {
                // Javalin nests its servlet handler inside an existing wrapper; GracefulHandler counts the requests
                // in flight, so that stop() can wait for them (and only them: idle keep-alive connections do not
                // hold up a shutdown).
                server.setHandler(inFlight);
                server.setErrorHandler(new JettyErrorHandler(mapper));
            });
            c.jetty.modifyHttpConfiguration(http -> {
                http.setSendServerVersion(false);
                // Jetty reuses header values it has seen on a connection and, by default, matches them ignoring
                // case: a bearer token that differs from the right one only in case would be swapped for the cached
                // right one and pass. Header values are compared exactly.
                http.setHeaderCacheCaseSensitive(true);
            });
            c.requestLogger.http(metrics::record);
            c.routes.exception(HttpResponseException.class, errors::handle);
            c.routes.exception(Exception.class, errors::handle);
            for (RouteSpec route : routes) {
                BearerAuth auth = guard.apply(route);
                RequestMetrics.Route timers = metrics.route(route.method(), route.path());
                c.routes.addHttpHandler(HandlerType.findOrCreate(route.method()), route.path(), ctx -> {
                    timers.matched(ctx);
                    if (draining.get()) {
                        // Clients that reach this instance directly reconnect (to another one) for their next
                        // request; a balancer's idle connections to it are gone before stop() closes the listener.
                        ctx.header("Connection", "close");
                    }
                    if (auth != null) {
                        auth.check(ctx);
                    }
                    route.serve(ctx, json);
                });
            }
        });
        LOG.debug("HTTP API configured: {} routes, {}", routes.size(), config);
        return new HttpApi(javalin, List.copyOf(routes), inFlight, gc, config, draining);
    }

    /**
     * The check {@code route} runs before its inputs are read, or {@code null} for none; decided once per route, at
     * start-up, and written into {@code /openapi.json} as the operation's security requirement.
     */
    private static BearerAuth guard(RouteSpec route, ApiConfig config, BearerAuth apiToken, BearerAuth metricsToken) {
        return switch (route.access()) {
            case PUBLIC -> null;
            case METRICS -> metricsToken;
            case READ -> config.readsNeedToken() ? apiToken : null;
            case WRITE -> config.writesNeedToken() ? apiToken : null;
        };
    }

    /** Binds {@code host:port} and starts serving. Returns this. */
    public HttpApi start() {
        javalin.start();
        LOG.debug("HTTP API listening on {}:{}", config.host(), port());
        return this;
    }

    /** The bound port (the random one when PORT=0); valid after {@link #start()}. */
    public int port() {
        return javalin.port();
    }

    /**
     * Starts the drain before a stop: from now on {@code /health/ready} answers 503 ({@code "status":"draining"}), so
     * that a load balancer takes this instance out of rotation, while every other route keeps serving (answers carry
     * {@code Connection: close}). {@link #stop(Duration)} ends it. Idempotent; any thread.
     */
    public void startDraining() {
        if (!draining.getAndSet(true)) {
            LOG.info("draining: /health/ready answers 503 from now on; requests are still served");
        }
    }

    /** Whether {@link #startDraining()} was called. */
    public boolean draining() {
        return draining.get();
    }

    /**
     * Stops accepting connections, lets requests in flight finish for up to {@code grace}, then stops the server
     * (requests still running then are cut off). Idempotent.
     */
    public void stop(Duration grace) {
        long started = System.nanoTime();
        Server server = javalin.jettyServer().server();
        if (server.isStarted()) {
            for (Connector connector : server.getConnectors()) {
                connector.shutdown();   // stop accepting; the returned future waits for idle connections too
            }
            try {
                // From here new requests get 503; those in flight run on until done or until grace runs out.
                inFlight.shutdown().get(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                LOG.warn("{} request(s) still running after the {} ms grace; stopping anyway",
                        inFlight.getCurrentRequestCount(), grace.toMillis());
            } catch (ExecutionException e) {
                LOG.warn("waiting for requests in flight failed: {}", e.getCause().toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Nothing is left to wait for: close the remaining (idle) connections at once.
        server.setStopTimeout(0);
        javalin.stop();
        gcMetrics.close();
        LOG.info("HTTP API stopped in {} ms", (System.nanoTime() - started) / 1_000_000);
    }

    /** The route table, for tests in this package. */
    List<RouteSpec> routes() {
        return routes;
    }

    /** The Javalin instance, for tests in this package that check what Javalin registered. */
    Javalin javalin() {
        return javalin;
    }
}
