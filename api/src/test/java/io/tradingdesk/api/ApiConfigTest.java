package io.tradingdesk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradingdesk.db.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiConfigTest {

    @Test
    void defaults_apply_when_nothing_is_set() {
        ApiConfig config = ApiConfig.from(Map.of());
        assertThat(config).isEqualTo(new ApiConfig("0.0.0.0", 8080, null, 2_000_000, "dev"));
    }

    @Test
    void values_are_read_from_the_environment() {
        ApiConfig config = ApiConfig.from(Map.of("HOST", "127.0.0.1", "PORT", "0", "API_TOKEN", "0123456789abcdef",
                "API_MAX_BODY_BYTES", "1024", "APP_VERSION", "1.2.3"));
        assertThat(config).isEqualTo(new ApiConfig("127.0.0.1", 0, "0123456789abcdef", 1024, "1.2.3"));
    }

    @Test
    void a_blank_token_turns_authentication_off() {
        assertThat(ApiConfig.from(Map.of("API_TOKEN", "  ")).apiToken()).isNull();
    }

    @Test
    void a_short_token_is_refused_without_printing_it() {
        assertThatThrownBy(() -> ApiConfig.from(Map.of("API_TOKEN", "hunter2")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("API_TOKEN: too short (7 characters; at least 16 required)")
                .message().doesNotContain("hunter2");
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
    void to_string_masks_the_token() {
        String text = new ApiConfig("h", 1, "0123456789abcdefSECRET", 1024, "v").toString();
        assertThat(text).doesNotContain("SECRET", "0123456789").contains("apiToken=****");
    }
}
