package io.tradingdesk.migrations;

import java.time.Duration;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the schema with Flyway over its own short-lived connection, before the pool opens, so migrations never
 * hold one of the pool's connections. The same SQL files serve the Flyway Maven plugin and the Flyway command line
 * ({@code migrations/flyway.conf}). Stateless and thread-safe; Flyway's lock table serialises concurrent runs.
 */
public final class Migrations {
    /** Where the SQL lives, inside this module (and on the file system for the plugin and the command line). */
    public static final String LOCATION = "classpath:db/migration";

    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {
    }

    /**
     * The outcome of a run.
     *
     * @param applied        migrations applied by this run (0 when the schema was already current)
     * @param schemaVersion  the schema version after the run
     * @param elapsed        how long the run took
     */
    public record Result(int applied, String schemaVersion, Duration elapsed) {
    }

    /**
     * Migrates the database at {@code jdbcUrl} to the latest version.
     *
     * @param jdbcUrl  a pgjdbc URL without credentials
     * @param user     the schema owner (migrations create tables), may be {@code null} for the driver default
     * @param password may be {@code null}; never logged
     * @throws MigrationException with the failing migration and SQLSTATE, never the password
     */
    public static Result migrate(String jdbcUrl, String user, String password) {
        long start = System.nanoTime();
        try {
            Flyway flyway = Flyway.configure(Migrations.class.getClassLoader())
                    .dataSource(jdbcUrl, user, password)
                    .locations(LOCATION)
                    .connectRetries(3)
                    .load();
            MigrateResult result = flyway.migrate();
            String version = flyway.info().current() == null ? "none" : flyway.info().current().getVersion().getVersion();
            var outcome = new Result(result.migrationsExecuted, version, Duration.ofNanos(System.nanoTime() - start));
            LOG.info("migrations: {} applied, schema at version {}, in {} ms", outcome.applied(), outcome.schemaVersion(),
                    outcome.elapsed().toMillis());
            return outcome;
        } catch (FlywayException e) {
            throw new MigrationException("migrations failed: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /** Migrations could not be applied; the message names the cause without credentials. */
    public static final class MigrationException extends RuntimeException {
        public MigrationException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
