package io.tradingdesk.migrations;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.db.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The third way to apply the schema, {@code mvn -q -pl migrations -am test-compile flyway:migrate}, run as the docs
 * show it: the Maven that runs this build (maven.home), from the repository root, against a fresh database, with
 * the same local repository. It needs no installed snapshot: {@code -am} builds what the plugin resolves.
 */
class FlywayMavenPluginIT {
    private static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path REPOSITORY = MODULE.getParent();

    private static String mvn(DatabaseUrl url) throws Exception {
        Path home = Path.of(System.getProperty("maven.home", ""));
        Path mvn = home.resolve("bin/mvn");
        assertThat(mvn).as("the Maven running this build (maven.home=%s)", home).isExecutable();
        var command = new ArrayList<>(List.of(mvn.toString(), "-B", "-ntp", "-q",
                "-Dmaven.repo.local=" + System.getProperty("maven.repo.local"),
                "-pl", "migrations", "-am", "test-compile", "flyway:migrate", "-Dflyway.url=" + url.jdbcUrl()));
        if (url.user() != null) {
            command.add("-Dflyway.user=" + url.user());
        }
        if (url.password() != null) {
            command.add("-Dflyway.password=" + url.password());
        }
        var builder = new ProcessBuilder(command).directory(REPOSITORY.toFile()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("REDGATE_DISABLE_TELEMETRY", "true");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(180, TimeUnit.SECONDS)).as("mvn finished: %s", output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    @Test
    void migrateThroughTheMavenPluginCreatesTheSchemaAndTheServiceAgrees() throws Exception {
        assertThat(Files.isRegularFile(REPOSITORY.resolve("pom.xml"))).isTrue();
        DatabaseUrl url = TestDatabase.fresh("flyway_maven");

        mvn(url);

        try (var c = TestDatabase.connect(url); var s = c.createStatement();
             var rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                     + " AND table_name <> 'flyway_schema_history' ORDER BY table_name")) {
            var names = new ArrayList<String>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            assertThat(names).containsExactlyElementsOf(MigrationsIT.TABLES);
        }
        Migrations.Result result = Migrations.migrate(url.jdbcUrl(), url.user(), url.password());
        assertThat(result.applied()).as("the service sees the plugin's migration as applied").isZero();
        assertThat(result.schemaVersion()).isEqualTo(MigrationsIT.LATEST);
        mvn(url);   // a second run is a no-op, not an error
    }
}
