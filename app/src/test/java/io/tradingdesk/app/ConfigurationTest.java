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
                "API_TOKEN", "token-secret-0123456789",
                "FLYWAY_USER", "owner",
                "FLYWAY_PASSWORD", "owner-secret"));

        assertThat(config.toString()).doesNotContain("pool-secret", "token-secret-0123456789", "owner-secret")
                .contains("app@db.example:5432/desk");
    }
}
