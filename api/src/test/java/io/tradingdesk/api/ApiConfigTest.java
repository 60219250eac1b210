package io.tradingdesk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradingdesk.api.ApiConfig.Auth;
import io.tradingdesk.db.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ApiConfigTest {
    private static final String TOKEN = "0123456789abcdef";

    @Test
    void without_a_token_nothing_is_checked_and_the_server_listens_on_loopback_only() {
        ApiConfig config = ApiConfig.from(Map.of());
        assertThat(config).isEqualTo(new ApiConfig("127.0.0.1", 8080, null, Auth.OFF, null, 2_000_000, "dev"));
        assertThat(config.readsNeedToken()).isFalse();
        assertThat(config.writesNeedToken()).isFalse();
        assertThat(config.loopbackOnly()).isTrue();
    }

    @Test
    void with_a_token_every_route_needs_it_and_the_server_listens_on_every_interface() {
        ApiConfig config = ApiConfig.from(Map.of("API_TOKEN", TOKEN));
        assertThat(config.host()).isEqualTo("0.0.0.0");
        assertThat(config.auth()).isEqualTo(Auth.ALL);
        assertThat(config.readsNeedToken()).isTrue();
        assertThat(config.writesNeedToken()).isTrue();
    }

    @Test
    void values_are_read_from_the_environment() {
        ApiConfig config = ApiConfig.from(Map.of("HOST", "127.0.0.1", "PORT", "0", "API_TOKEN", TOKEN,
                "API_AUTH", "Writes", "METRICS_TOKEN", "metrics-0123456789", "API_MAX_BODY_BYTES", "1024",
                "APP_VERSION", "1.2.3"));
        assertThat(config).isEqualTo(new ApiConfig("127.0.0.1", 0, TOKEN, Auth.WRITES, "metrics-0123456789", 1024,
                "1.2.3"));
        assertThat(config.readsNeedToken()).isFalse();
        assertThat(config.writesNeedToken()).isTrue();
    }

    @Test
    void a_blank_token_counts_as_none() {
        assertThat(ApiConfig.from(Map.of("API_TOKEN", "  ", "METRICS_TOKEN", "")))
                .extracting(ApiConfig::apiToken, ApiConfig::metricsToken, ApiConfig::auth)
                .containsExactly(null, null, Auth.OFF);
    }

    @Test
    void without_a_token_a_non_loopback_host_is_refused_in_one_line_naming_the_variables() {
        assertThatThrownBy(() -> ApiConfig.from(Map.of("HOST", "0.0.0.0")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("HOST: 0.0.0.0 is not a loopback address and API_TOKEN is unset, so anyone who can reach"
                        + " it could read and change the desk's data (set API_TOKEN, or HOST=127.0.0.1, or"
                        + " API_AUTH=off to serve it open on purpose)");
        assertThatThrownBy(() -> ApiConfig.from(Map.of("HOST", "desk.example.com", "METRICS_TOKEN", TOKEN)))
                .hasMessageStartingWith("HOST: desk.example.com is not a loopback address");
    }

    @Test
    void api_auth_off_serves_a_non_loopback_host_open_when_asked_for_by_name() {
        ApiConfig config = ApiConfig.from(Map.of("HOST", "0.0.0.0", "API_AUTH", "off"));
        assertThat(config.auth()).isEqualTo(Auth.OFF);
        assertThat(config.loopbackOnly()).isFalse();
        assertThat(ApiConfig.from(Map.of("API_AUTH", "OFF")).host()).as("off alone does not widen the bind")
                .isEqualTo("127.0.0.1");
    }

    @Test
    void a_token_on_a_non_loopback_host_is_fine_in_either_checking_mode() {
        assertThat(ApiConfig.from(Map.of("HOST", "0.0.0.0", "API_TOKEN", TOKEN)).auth()).isEqualTo(Auth.ALL);
        assertThat(ApiConfig.from(Map.of("HOST", "0.0.0.0", "API_TOKEN", TOKEN, "API_AUTH", "writes")).auth())
                .isEqualTo(Auth.WRITES);
    }

    @Test
    void api_auth_combinations_that_cannot_work_are_refused_naming_the_variables() {
        assertThatThrownBy(() -> ApiConfig.from(Map.of("API_AUTH", "all")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("API_AUTH: all needs API_TOKEN (at least 16 characters); without a token the only"
                        + " choice is off");
        assertThatThrownBy(() -> ApiConfig.from(Map.of("API_AUTH", "writes")))
                .hasMessageStartingWith("API_AUTH: writes needs API_TOKEN");
        assertThatThrownBy(() -> ApiConfig.from(Map.of("API_AUTH", "off", "API_TOKEN", TOKEN)))
                .hasMessageStartingWith("API_AUTH: off while API_TOKEN is set")
                .message().doesNotContain(TOKEN);
        assertThatThrownBy(() -> ApiConfig.from(Map.of("API_AUTH", "reads")))
                .hasMessage("API_AUTH: 'reads' is not a mode (accepted: all, writes, off)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "127.255.255.255", "localhost", "LocalHost", "::1", "[::1]",
            "0:0:0:0:0:0:0:1", "0000:0000::0001", "::ffff:127.0.0.1"})
    void loopback_is_127_0_0_0_slash_8_ipv6_1_and_localhost(String host) {
        assertThat(ApiConfig.isLoopback(host)).isTrue();
        assertThat(ApiConfig.from(Map.of("HOST", host)).host()).isEqualTo(host);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::", "[::]", "10.0.0.1", "128.0.0.1", "127.0.0.256", "::2", "::ffff:10.0.0.1",
            "localhost.example.com", "my-laptop", "127.0.0.1.example.com", "fe80::1%lo"})
    void anything_else_is_not_loopback_and_names_are_never_resolved(String host) {
        assertThat(ApiConfig.isLoopback(host)).isFalse();
    }

    @Test
    void short_tokens_are_refused_without_printing_them() {
        assertThatThrownBy(() -> ApiConfig.from(Map.of("API_TOKEN", "hunter2")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("API_TOKEN: too short (7 characters; at least 16 required)")
                .message().doesNotContain("hunter2");
        assertThatThrownBy(() -> ApiConfig.from(Map.of("METRICS_TOKEN", "scrape-me")))
                .hasMessage("METRICS_TOKEN: too short (9 characters; at least 16 required)");
    }

    @Test
    void bad_numbers_name_the_variable_and_the_range() {
        assertThatThrownBy(() -> ApiConfig.from(Map.of("PORT", "http")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("PORT: 'http' is not a whole number")
                .hasMessageContaining("0..65535");
        assertThatThrownBy(() -> ApiConfig.from(Map.of("PORT", "70000")))
                .hasMessageStartingWith("PORT: 70000 is out of range");
        assertThatThrownBy(() -> ApiConfig.from(Map.of("API_MAX_BODY_BYTES", "100")))
                .hasMessage("API_MAX_BODY_BYTES: 100 is out of range (accepted: 1024..50000000)");
    }

    @Test
    void to_string_masks_both_tokens() {
        String text = new ApiConfig("h", 1, "0123456789abcdefSECRET", Auth.ALL, "metrics-0123456789-SCRAPE", 1024,
                "v").toString();
        assertThat(text).doesNotContain("SECRET", "0123456789", "SCRAPE")
                .contains("apiToken=****", "auth=all", "metricsToken=****");
    }
}
