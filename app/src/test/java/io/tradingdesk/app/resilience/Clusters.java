package io.tradingdesk.app.resilience;

import io.tradingdesk.embedded.EmbeddedPostgres;
import io.tradingdesk.migrations.Migrations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Throwaway PostgreSQL clusters for the resilience tests: these tests stop servers, kill sessions, change roles and
 * turn TLS on, none of which may touch the shared server on 127.0.0.1:5432. Each cluster listens on 127.0.0.1 only
 * and is deleted when closed (or when the JVM exits).
 */
final class Clusters {
    /** The distribution's PostgreSQL 15 when installed (fast: nothing to unpack); else the bundled binaries. */
    private static final Path SYSTEM_BINARIES = Path.of("/usr/lib/postgresql/15/bin");

    private Clusters() {
    }

    /**
     * Starts a new cluster; {@code password} null = trust authentication. Durability is off (a crash loses a
     * throwaway cluster anyway), which keeps commit latency from dominating two-core test runs.
     */
    static EmbeddedPostgres start(String password, Map<String, String> settings) {
        var builder = EmbeddedPostgres.builder()
                .superuserPassword(password)
                .startTimeout(Duration.ofSeconds(60))
                .serverSetting("fsync", "off")
                .serverSetting("synchronous_commit", "off")
                .serverSetting("full_page_writes", "off");
        settings.forEach(builder::serverSetting);
        if (Files.isExecutable(SYSTEM_BINARIES.resolve("initdb"))) {
            builder.binariesDirectory(SYSTEM_BINARIES);
        }
        return builder.start();
    }

    /**
     * Starts a streaming replica of {@code primary} (a base backup of it, then a hot standby replaying its WAL); needs
     * the distribution's PostgreSQL 15 for pg_basebackup.
     */
    static EmbeddedPostgres replicaOf(EmbeddedPostgres primary) {
        return EmbeddedPostgres.builder().replicaOf(primary).binariesDirectory(SYSTEM_BINARIES)
                .startTimeout(Duration.ofSeconds(60)).serverSetting("fsync", "off").start();
    }

    /** Whether {@link #replicaOf} can run here. */
    static boolean replicasPossible() {
        return Files.isExecutable(SYSTEM_BINARIES.resolve("pg_basebackup"));
    }

    /** Creates {@code name} and applies the schema as the superuser (the schema owner). */
    static void createMigrated(EmbeddedPostgres pg, String name, String password) {
        pg.createDatabase(name);
        Migrations.migrate(pg.jdbcUrl(name), pg.superuser(), password);
    }
}
