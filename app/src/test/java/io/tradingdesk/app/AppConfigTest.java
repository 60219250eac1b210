package io.tradingdesk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradingdesk.db.ConfigException;
import io.tradingdesk.db.DatabaseUrl;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AppConfigTest {
    private static final String DATABASE_URL = "postgresql://app:pool-secret@db.example:5432/desk?sslmode=require";

    @Test
    void unsetVariablesTakeTheDefaults() {
        var config = AppConfig.from(Map.of("DATABASE_URL", DATABASE_URL));

        assertThat(config.migrateOnStart()).isTrue();
        assertThat(config.dataDirectory()).isEqualTo(Path.of(".data").toAbsolutePath().normalize());
        assertThat(config.shutdownDrain()).isEqualTo(Duration.ZERO);
        assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.logLevel()).isEqualTo("INFO");
        assertThat(config.embeddedDatabase()).isFalse();
        assertThat(config.flywayUrl()).isNull();
        assertThat(config.flywayUser()).isNull();
        assertThat(config.flywayPassword()).isNull();
    }

    @Test
    void noDatabaseUrlMeansTheEmbeddedDatabase() {
        assertThat(AppConfig.from(Map.of()).embeddedDatabase()).isTrue();
        assertThat(AppConfig.from(Map.of("DATABASE_URL", "  ")).embeddedDatabase()).isTrue();
    }

    @Test
    void valuesAreReadAndNormalised() {
        var config = AppConfig.from(Map.of(
                "DATABASE_URL", DATABASE_URL,
                "DB_MIGRATE_ON_START", "false",
                "DATA_DIR", "/var/lib/desk/../desk",
                "SHUTDOWN_DRAIN", "3",
                "SHUTDOWN_GRACE", "2.5",
                "LOG_LEVEL", " debug "));

        assertThat(config.migrateOnStart()).isFalse();
        assertThat(config.dataDirectory()).isEqualTo(Path.of("/var/lib/desk"));
        assertThat(config.shutdownDrain()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.shutdownGrace()).isEqualTo(Duration.ofMillis(2500));
        assertThat(config.logLevel()).isEqualTo("DEBUG");
    }

    @ParameterizedTest(name = "{0}={1} is refused naming {0}")
    @CsvSource(delimiter = '|', value = {
            "DB_MIGRATE_ON_START | maybe",
            "SHUTDOWN_DRAIN      | later",
            "SHUTDOWN_DRAIN      | -0.5",
            "SHUTDOWN_DRAIN      | 600.5",
            "SHUTDOWN_GRACE      | soon",
            "SHUTDOWN_GRACE      | -1",
            "SHUTDOWN_GRACE      | 601",
            "LOG_LEVEL           | LOUD",
            "DATA_DIR            | /etc/hostname",
            "FLYWAY_URL          | mysql://nope",
    })
    void badValuesAreRefusedNamingTheVariable(String name, String value) {
        assertThatThrownBy(() -> AppConfig.from(Map.of("DATABASE_URL", DATABASE_URL, name, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(name + ":");
    }

    @Test
    void aBadFlywayUrlIsReportedWithoutItsPassword() {
        assertThatThrownBy(() -> AppConfig.from(Map.of("DATABASE_URL", DATABASE_URL,
                "FLYWAY_URL", "postgresql://owner:owner-secret@db.example/desk?bogus=1")))
                .hasMessageStartingWith("FLYWAY_URL:")
                .hasMessageNotContaining("owner-secret");
    }

    @Test
    void flywaySettingsWithoutDatabaseUrlAreRefusedRatherThanMigratingAnotherServer() {
        assertThatThrownBy(() -> AppConfig.from(Map.of("FLYWAY_URL", "postgresql://owner@db.example/desk")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("FLYWAY_URL:")
                .hasMessageContaining("DATABASE_URL");
        assertThatThrownBy(() -> AppConfig.from(Map.of("FLYWAY_USER", "owner")))
                .hasMessageStartingWith("FLYWAY_USER:");
    }

    @Test
    void migrationsUseThePoolCredentialsWhenNoFlywayVariableIsSet() {
        var pool = DatabaseUrl.parse(DATABASE_URL);
        var target = AppConfig.from(Map.of("DATABASE_URL", DATABASE_URL)).migrationTarget(pool);

        assertThat(target).isEqualTo(pool);
    }

    @Test
    void migrationsLogInAsTheSchemaOwnerWhenFlywayUserIsSet() {
        var pool = DatabaseUrl.parse(DATABASE_URL);
        var config = AppConfig.from(Map.of("DATABASE_URL", DATABASE_URL,
                "FLYWAY_USER", "owner", "FLYWAY_PASSWORD", "owner-secret"));

        var target = config.migrationTarget(pool);

        assertThat(target.jdbcUrl()).isEqualTo(pool.jdbcUrl());
        assertThat(target.properties()).isEqualTo(pool.properties());
        assertThat(target.user()).isEqualTo("owner");
        assertThat(target.password()).isEqualTo("owner-secret");
    }

    @Test
    void anotherRoleNeverGetsThePoolPassword() {
        var pool = DatabaseUrl.parse(DATABASE_URL);
        var target = AppConfig.from(Map.of("DATABASE_URL", DATABASE_URL, "FLYWAY_USER", "owner"))
                .migrationTarget(pool);

        assertThat(target.user()).isEqualTo("owner");
        assertThat(target.password()).isNull();
    }

    @Test
    void flywayUrlNamesTheMigrationTargetAndItsCredentials() {
        var pool = DatabaseUrl.parse(DATABASE_URL);
        var target = AppConfig.from(Map.of("DATABASE_URL", DATABASE_URL,
                "FLYWAY_URL", "postgresql://owner:owner-secret@primary.example:5433/desk")).migrationTarget(pool);

        assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://primary.example:5433/desk");
        assertThat(target.user()).isEqualTo("owner");
        assertThat(target.password()).isEqualTo("owner-secret");
    }

    @Test
    void toStringMasksTheFlywayPassword() {
        var config = AppConfig.from(Map.of("DATABASE_URL", DATABASE_URL,
                "FLYWAY_URL", "postgresql://owner:url-secret@primary.example/desk",
                "FLYWAY_USER", "owner", "FLYWAY_PASSWORD", "owner-secret"));

        assertThat(config.toString())
                .contains("flywayUser=owner", "flywayPassword=***", "owner@primary.example:5432/desk")
                .doesNotContain("owner-secret", "url-secret");
    }

    @Test
    void migrationUrlCarriesConnectionPropertiesButNoPassword() {
        var url = DatabaseUrl.parse("postgresql://app:pw@db.example/desk?sslmode=require&sslpassword=key-secret"
                + "&application_name=desk%20migrations");

        String jdbc = Server.jdbcUrlWithProperties(url);

        assertThat(jdbc).startsWith("jdbc:postgresql://db.example:5432/desk?")
                .contains("sslmode=require", "ApplicationName=desk+migrations")
                .doesNotContain("key-secret", "pw");
    }
}
