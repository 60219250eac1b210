package io.tradingdesk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradingdesk.db.ConfigException;
import io.tradingdesk.db.DatabaseUrl;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigurationTest {

    @Test
    void poolSettingsAreValidatedEvenBeforeTheEmbeddedDatabaseHasAnAddress() {
        assertThatThrownBy(() -> Configuration.from(Map.of("DB_MAX_POOL_SIZE", "abc")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("DB_MAX_POOL_SIZE:");
    }

    @Test
    void pointingThePoolAtTheEmbeddedDatabaseKeepsEveryOtherSetting() {
        var config = Configuration.from(Map.of("DB_MAX_POOL_SIZE", "7", "DB_MIN_POOL_SIZE", "2",
                "DB_APPLICATION_NAME", "desk-test", "DB_ACQUIRE_TIMEOUT", "1.5"));
        var embedded = DatabaseUrl.parse("jdbc:postgresql://127.0.0.1:54321/trading_desk?user=postgres");

        var pointed = config.withDatabaseUrl(embedded);

        assertThat(pointed.db().url().jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:54321/trading_desk");
        assertThat(pointed.db().url().properties()).containsEntry("ApplicationName", "desk-test");
        assertThat(pointed.db()).usingRecursiveComparison().ignoringFields("url").isEqualTo(config.db());
        assertThat(pointed.app()).isEqualTo(config.app());
        assertThat(pointed.api()).isEqualTo(config.api());
    }

    @Test
    void theConfigurationLineMasksEverySecret() {
        var config = Configuration.from(Map.of(
                "DATABASE_URL", "postgresql://app:pool-secret@db.example/desk",
                "DATABASE_READ_URL", "postgresql://reader:read-secret@replica.example/desk",
                "API_TOKEN", "token-secret-0123456789",
                "FLYWAY_USER", "owner",
                "FLYWAY_PASSWORD", "owner-secret"));

        assertThat(config.toString())
                .doesNotContain("pool-secret", "read-secret", "token-secret-0123456789", "owner-secret")
                .contains("app@db.example:5432/desk", "reader@replica.example:5432/desk");
    }

    @Test
    void replicasWithoutAPrimaryOfTheirOwnAreRefused() {
        assertThatThrownBy(() -> Configuration.from(Map.of("DATABASE_READ_URL", "postgresql://replica.example/desk")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("DATABASE_READ_URL: set while DATABASE_URL is not");
    }

    @Test
    void migrationsTargetThePrimaryEvenWhenReadsGoToReplicas() {
        var config = Configuration.from(Map.of(
                "DATABASE_URL", "postgresql://app:pw@db1.example:5433,db2.example:5433/desk"
                        + "?target_session_attrs=read-write",
                "DATABASE_READ_URL", "postgresql://replica.example:5434/desk"));

        DatabaseUrl target = config.app().migrationTarget(config.db().url());

        assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://db1.example:5433,db2.example:5433/desk");
        assertThat(Server.jdbcUrlWithProperties(target)).contains("targetServerType=primary")
                .doesNotContain("replica.example");
    }
}
