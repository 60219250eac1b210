package io.tradingdesk.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class WalPositionTest {

    @Test
    void postgresTextFormRoundTripsAndCompares() {
        WalPosition small = WalPosition.parse("0/16B3748");
        WalPosition large = WalPosition.parse("1A/0");

        assertThat(small.value()).isEqualTo(0x16B3748L);
        assertThat(large.value()).isEqualTo(0x1AL << 32);
        assertThat(small).hasToString("0/16B3748");
        assertThat(WalPosition.parse("ab/cd")).hasToString("AB/CD");
        assertThat(large.reached(small)).isTrue();
        assertThat(small.reached(large)).isFalse();
        assertThat(small.reached(small)).isTrue();
        assertThat(small).isLessThan(large);
    }

    @Test
    void unknownIsBeyondEveryPositionAndStillReadsBack() {
        WalPosition highest = WalPosition.parse("FFFFFFFF/FFFFFFFE");

        assertThat(WalPosition.UNKNOWN.reached(highest)).isTrue();
        assertThat(highest.reached(WalPosition.UNKNOWN)).isFalse();
        assertThat(WalPosition.parse(WalPosition.UNKNOWN.toString())).isEqualTo(WalPosition.UNKNOWN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "0/", "/0", "0-0", "123456789/0", "0/123456789", "g/0", " 0/0", "0/0 ", "0//0",
            "+1/0", "0/1/2"})
    void anythingButTwoHexHalvesIsRefused(String text) {
        assertThat(WalPosition.isValid(text)).isFalse();
        assertThatThrownBy(() -> WalPosition.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
