package io.tradingdesk.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CursorTest {

    @Test
    void a_cursor_round_trips_its_id() {
        assertThat(Cursor.decode("research", Cursor.encode("research", 12345))).isEqualTo(12345L);
        assertThat(Cursor.decode("research", null)).isNull();
        assertThat(Cursor.decode("research", "")).isNull();
    }

    @Test
    void an_edited_cursor_is_rejected() {
        String plain = new String(Base64.getUrlDecoder().decode(Cursor.encode("research", 500)), StandardCharsets.US_ASCII);
        String edited = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(plain.replace(":500:", ":499:").getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> Cursor.decode("research", edited)).isInstanceOf(ApiError.class)
                .extracting(e -> ((ApiError) e).status()).isEqualTo(400);
    }

    @Test
    void a_cursor_of_another_list_or_garbage_is_rejected() {
        String pitches = Cursor.encode("pitches", 7);
        for (String bad : new String[] {pitches, "!!", "djE6MTox", "v1:1:abc"}) {
            assertThatThrownBy(() -> Cursor.decode("research", bad)).as(bad).isInstanceOf(ApiError.class);
        }
    }
}
