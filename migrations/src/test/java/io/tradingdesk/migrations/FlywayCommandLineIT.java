package io.tradingdesk.migrations;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.db.testing.TestDatabase;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Flyway command line, run as a user would from the repository root with {@code migrations/flyway.conf}. Its jars
 * are copied to {@code target/flyway-cli} by the build (another Flyway version than the one this module uses).
 */
class FlywayCommandLineIT {
    private static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path REPOSITORY = MODULE.getParent();

    private static Process flyway(String... arguments) throws Exception {
        Path jars = MODULE.resolve("target/flyway-cli");
        assertThat(jars.resolve("flyway-commandline-11.20.3.jar")).as("copied by the build").isRegularFile();
        var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jars + File.separator + "*", "org.flywaydb.commandline.Main"));
        command.addAll(List.of(arguments));
        var builder = new ProcessBuilder(command).directory(REPOSITORY.toFile()).redirectErrorStream(true);
        builder.environment().put("REDGATE_DISABLE_TELEMETRY", "true");
        return builder.start();
    }

    private static String run(Process process) throws Exception {
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("flyway finished").isTrue();
        return output;
    }

    private static List<String> tables(DatabaseUrl url) throws SQLException {
        try (var c = TestDatabase.connect(url); var s = c.createStatement();
             var rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                     + " AND table_name <> 'flyway_schema_history' ORDER BY table_name")) {
            var names = new ArrayList<String>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            return names;
        }
    }

    private static String[] target(DatabaseUrl url, String verb) {
        var arguments = new ArrayList<>(List.of("-configFiles=migrations/flyway.conf", "-url=" + url.jdbcUrl()));
        if (url.user() != null) {
            arguments.add("-user=" + url.user());
        }
        if (url.password() != null) {
            arguments.add("-password=" + url.password());
        }
        arguments.add(verb);
        return arguments.toArray(String[]::new);
    }

    @Test
    void migrateFromTheRepositoryRootCreatesTheSchema() throws Exception {
        assertThat(Files.isRegularFile(REPOSITORY.resolve("migrations/flyway.conf"))).isTrue();
        DatabaseUrl url = TestDatabase.fresh("flyway_cli");

        Process migrate = flyway(target(url, "migrate"));
        String output = run(migrate);

        assertThat(migrate.exitValue()).as(output).isZero();
        assertThat(output).contains("Successfully applied " + MigrationsIT.MIGRATIONS + " migrations");
        assertThat(tables(url)).containsExactlyElementsOf(MigrationsIT.TABLES);

        Process again = flyway(target(url, "migrate"));
        String second = run(again);
        assertThat(again.exitValue()).as(second).isZero();
        assertThat(second).contains("is up to date. No migration necessary");
    }

    @Test
    void theCommandLineAndTheServiceAgreeOnTheSchemaHistory() throws Exception {
        DatabaseUrl url = TestDatabase.fresh("flyway_cli_then_app");

        String output = run(flyway(target(url, "migrate")));
        Migrations.Result result = Migrations.migrate(url.jdbcUrl(), url.user(), url.password());

        assertThat(output).contains("now at version v" + MigrationsIT.LATEST);
        assertThat(result.applied()).as("the service sees the command line's migration as applied").isZero();
        assertThat(result.schemaVersion()).isEqualTo(MigrationsIT.LATEST);
    }

    @Test
    void aFailedConnectionExitsNonZero() throws Exception {
        Process process = flyway("-configFiles=migrations/flyway.conf", "-url=jdbc:postgresql://127.0.0.1:1/none",
                "-user=nobody", "-connectRetries=0", "migrate");
        String output = run(process);

        assertThat(process.exitValue()).as(output).isNotZero();
    }
}
