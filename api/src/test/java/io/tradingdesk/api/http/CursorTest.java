package io.tradingdesk.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CursorTest {

    @Test
    void a_cursor_round_trips_its_id() {
        assertThat(Cursor.decode("research", Cursor.encode("research", 12345))).isEqualTo(12345L);
    }

    @Test
    void an_edited_cursor_is_rejected() {
        String plain = new String(Base64.getUrlDecoder().decode(Cursor.encode("research", 500)), StandardCharsets.US_ASCII);
        String edited = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(plain.replace(":500:", ":499:").getBytes(StandardCharsets.US_ASCII));
        assertThat(Cursor.decode("research", edited)).isNull();
    }

    @Test
    void a_cursor_of_another_list_or_garbage_is_rejected() {
        String pitches = Cursor.encode("pitches", 7);
        for (String bad : new String[] {pitches, "!!", "djE6MTox", "v1:1:abc", ""}) {
            assertThat(Cursor.decode("research", bad)).as(bad).isNull();
        }
    }

    @Test
    void a_rejected_cursor_is_a_400_naming_the_parameter() {
        Problems problems = new Problems();
        assertThat(Field.cursor("research").fromText("!!", problems)).isNull();
        assertThat(Field.cursor("research").fromText(Cursor.encode("research", 9), problems)).isEqualTo(9L);
        assertThat(problems.size()).isEqualTo(1);
    }
}
