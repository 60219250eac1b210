package io.tradingdesk.api.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class PositionMathTest {
    private static final PositionMath.State FLAT = state("0", "0", "0");

    @Test
    void buying_from_flat_opens_at_the_fill_price() {
        assertThat(apply(FLAT, "10", "100")).isEqualTo(state("10", "100", "0"));
    }

    @Test
    void adding_re_averages_the_cost_basis() {
        assertThat(apply(state("10", "100", "0"), "30", "120")).isEqualTo(state("40", "115", "0"));
    }

    @Test
    void reducing_realises_the_closed_part_and_keeps_the_basis() {
        assertThat(apply(state("10", "100", "0"), "-4", "110")).isEqualTo(state("6", "100", "40"));
    }

    @Test
    void closing_realises_everything_and_resets_the_basis() {
        assertThat(apply(state("10", "100", "5"), "-10", "90")).isEqualTo(state("0", "0", "-95"));
    }

    @Test
    void flipping_closes_and_opens_the_rest_at_the_fill_price() {
        assertThat(apply(state("10", "100", "0"), "-15", "110")).isEqualTo(state("-5", "110", "100"));
    }

    @Test
    void covering_a_short_below_its_basis_is_a_gain() {
        assertThat(apply(state("-5", "110", "0"), "5", "100")).isEqualTo(state("0", "0", "50"));
    }

    @Test
    void averages_round_to_eight_decimals() {
        var result = PositionMath.apply(state("1", "1", "0"), new BigDecimal("2"), new BigDecimal("2"));
        assertThat(result.averagePrice()).isEqualByComparingTo("1.66666667");
    }

    private static PositionMath.State apply(PositionMath.State s, String qty, String price) {
        var r = PositionMath.apply(s, new BigDecimal(qty), new BigDecimal(price));
        // Compare by value, not by scale.
        return state(r.quantity().stripTrailingZeros().toPlainString(), r.averagePrice().stripTrailingZeros().toPlainString(),
                r.realizedPnl().stripTrailingZeros().toPlainString());
    }

    private static PositionMath.State state(String q, String avg, String pnl) {
        return new PositionMath.State(new BigDecimal(q), new BigDecimal(avg), new BigDecimal(pnl));
    }
}
