package io.tradingdesk.app;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tradingdesk.api.ApiConfig;
import io.tradingdesk.api.HttpApi;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.migrations.Migrations;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: the embedded PostgreSQL (when {@code DATABASE_URL} is unset), the schema, the pool and the
 * HTTP API, started in that order by {@link #start()} and stopped in reverse by {@link #stop(String)}.
 *
 * <p>Thread-safe: start and stop exclude each other, so a stop signal that arrives during start-up waits for it
 * (bounded by the start-up timeouts of PostgreSQL, Flyway and the pool) and then stops what was started.
 */
final class Server {
    private static final Logger log = LoggerFactory.getLogger(Server.class);

    private final Configuration configuration;
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final AtomicBoolean drainStarted = new AtomicBoolean();
    // Counted down by a second stop signal: the drain is cut short and the stop goes ahead.
    private final CountDownLatch drainCut = new CountDownLatch(1);

    // guarded by lifecycle
    private EmbeddedDefault embedded;
    private Database database;
    private HttpApi api;
    private boolean stopped;

    Server(Configuration configuration) {
        this.configuration = configuration;
    }

    /**
     * Starts everything; on failure, stops what was already started and rethrows.
     *
     * @throws IllegalStateException if this server was stopped
     */
    void start() {
        lifecycle.lock();
        try {
            if (stopped) {
                throw new IllegalStateException("the server was stopped before it started");
            }
            long begin = System.nanoTime();
            Configuration config = configuration;
            if (config.app().embeddedDatabase()) {
                embedded = EmbeddedDefault.start(config.app().dataDirectory());
                config = config.withDatabaseUrl(embedded.url());
            }
            log.info("configuration: {}", config);
            warnIfOpen(config.api());
            if (config.app().migrateOnStart()) {
                // Its own short-lived connection, before the pool opens; Migrations logs applied, version and time.
                DatabaseUrl target = config.app().migrationTarget(config.db().url());
                Migrations.migrate(jdbcUrlWithProperties(target), target.user(), target.password());
            } else {
                log.info("migrations: skipped (DB_MIGRATE_ON_START=false)");
            }
            var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            database = Database.start(config.db(), registry);
            // Migrations are done (or, with DB_MIGRATE_ON_START=false, managed out of band) before the API exists.
            api = HttpApi.create(config.api(), database, registry, () -> true).start();
            log.info("listening on http://{}:{} (started in {} ms)", config.api().host(), api.port(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        } catch (RuntimeException | Error e) {
            closeStarted();
            throw e;
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * The stop a load balancer expects (SIGTERM): {@code /health/ready} answers 503 while every route keeps serving
     * for {@code SHUTDOWN_DRAIN}, long enough for the balancer's health check to take this instance out of rotation;
     * then {@link #stop(String)}. Without a running API (still starting, or stopped) or with no drain, it is
     * {@link #stop(String)} at once, and so is a second call while the first drains. Blocks for the drain.
     *
     * @return as {@link #stop(String)}
     */
    boolean drainAndStop(String reason) {
        Duration drain = configuration.app().shutdownDrain();
        if (!drainStarted.compareAndSet(false, true)) {
            drainCut.countDown();
            return stop(reason);
        }
        HttpApi serving = null;
        // Never wait for start-up here: stop() does, and a server that is not serving yet has nothing to drain.
        if (drain.isPositive() && lifecycle.tryLock()) {
            try {
                serving = stopped ? null : api;
                if (serving != null) {
                    serving.startDraining();
                }
            } finally {
                lifecycle.unlock();
            }
        }
        if (serving != null) {
            log.info("draining ({}) for {} ms before stopping", reason, drain.toMillis());
            try {
                if (drainCut.await(drain.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.info("drain cut short by a second stop signal");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return stop(reason);
    }

    /**
     * Stops accepting requests, lets in-flight ones finish within {@code SHUTDOWN_GRACE}, closes the pool and stops
     * the embedded PostgreSQL; logs one line. Idempotent.
     *
     * @param reason for the log line, e.g. "SIGTERM"
     * @return {@code false} if start-up still held the server after the grace period plus start-up's own limits
     */
    boolean stop(String reason) {
        long begin = System.nanoTime();
        try {
            // Start-up is bounded by its own timeouts; wait for it rather than tear things down under its feet.
            Duration wait = configuration.app().shutdownGrace().plus(configuration.db().startTimeout())
                    .plusSeconds(60);
            if (!lifecycle.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                log.error("stop ({}): start-up did not finish within {} s; exiting without a clean stop", reason,
                        wait.toSeconds());
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            if (stopped) {
                return true;
            }
            stopped = true;
            closeStarted();
            log.info("stopped ({}) in {} ms", reason, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
            return true;
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * One WARN line when routes with the desk's data answer without a token beyond this machine: {@code API_AUTH=off}
     * or {@code writes} on a non-loopback HOST, which {@code ApiConfig} allows only when asked for by name.
     */
    private static void warnIfOpen(ApiConfig api) {
        if (api.loopbackOnly()) {
            return;
        }
        if (!api.writesNeedToken()) {
            log.warn("API_AUTH=off on HOST={}: no route checks a token; anyone who can reach this port can read and"
                    + " change the desk's data", api.host());
        } else if (!api.readsNeedToken()) {
            log.warn("API_AUTH=writes on HOST={}: reads (positions, trades, portfolio, research) need no token",
                    api.host());
        }
    }

    /** Closes what is open, newest first; each failure is logged and the rest still closes. */
    private void closeStarted() {
        if (api != null) {
            try {
                api.stop(configuration.app().shutdownGrace());
            } catch (RuntimeException e) {
                log.warn("stopping the HTTP API failed: {}", e.toString());
            }
            api = null;
        }
        if (database != null) {
            try {
                database.close();
            } catch (RuntimeException e) {
                log.warn("closing the pool failed: {}", e.toString());
            }
            database = null;
        }
        if (embedded != null) {
            try {
                embedded.close();
            } catch (RuntimeException e) {
                log.warn("stopping the embedded PostgreSQL failed: {}", e.toString());
            }
            embedded = null;
        }
    }

    /**
     * The URL's connection properties (sslmode, socket factory, application name) travel inside the JDBC URL, as
     * Flyway takes only URL, user and password. Password-like properties stay out: Flyway may print the URL.
     */
    static String jdbcUrlWithProperties(DatabaseUrl url) {
        String query = url.properties().entrySet().stream()
                .filter(p -> !p.getKey().toLowerCase(Locale.ROOT).contains("password"))
                .map(p -> encode(p.getKey()) + "=" + encode(p.getValue()))
                .collect(Collectors.joining("&"));
        return query.isEmpty() ? url.jdbcUrl() : url.jdbcUrl() + "?" + query;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
