package io.tradingdesk.db.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WalHistoryTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aReplicaThatReplayedTheLatestPositionHasNoLagHoweverLongThePrimaryWasIdle() {
        var history = new WalHistory(16);
        history.record(100, 0);

        assertThat(history.lagNanos(100, 3_600 * SECOND)).isZero();
        assertThat(history.lagBytes(100)).isZero();
        assertThat(history.lagNanos(150, SECOND)).as("ahead of the last sample").isZero();
    }

    @Test
    void aReplicaBehindLagsSinceThePrimaryFirstHadWalItHasNotReplayed() {
        var history = new WalHistory(16);
        history.record(100, 0);
        history.record(200, 2 * SECOND);
        history.record(300, 5 * SECOND);

        assertThat(history.lagNanos(150, 6 * SECOND)).isEqualTo(4 * SECOND);
        assertThat(history.lagNanos(200, 6 * SECOND)).isEqualTo(SECOND);
        assertThat(history.lagNanos(99, 6 * SECOND)).isEqualTo(6 * SECOND);
        assertThat(history.lagBytes(150)).isEqualTo(150);
    }

    @Test
    void theSamePositionAgainKeepsTheTimeItWasFirstSeen() {
        var history = new WalHistory(16);
        history.record(100, 0);
        history.record(200, SECOND);
        history.record(200, 9 * SECOND);

        assertThat(history.lagNanos(100, 10 * SECOND)).isEqualTo(9 * SECOND);
    }

    @Test
    void aLowerPositionIsANewPrimaryAndStartsTheHistoryAgain() {
        var history = new WalHistory(16);
        history.record(500, 0);
        history.record(300, 4 * SECOND);

        assertThat(history.latest()).isEqualTo(300);
        assertThat(history.lagNanos(300, 5 * SECOND)).isZero();
        assertThat(history.lagNanos(250, 5 * SECOND)).isEqualTo(SECOND);
    }

    @Test
    void whenFullTheOldestPositionsGoAndALagBeyondThemReadsAsAtLeastTheirAge() {
        var history = new WalHistory(3);
        for (int i = 1; i <= 5; i++) {
            history.record(i * 100L, i * SECOND);
        }

        assertThat(history.lagNanos(0, 10 * SECOND)).isEqualTo(7 * SECOND);
        assertThat(history.lagNanos(400, 10 * SECOND)).isEqualTo(5 * SECOND);
    }

    @Test
    void positionsCompareUnsigned() {
        var history = new WalHistory(4);
        history.record(0x7FFF_FFFF_FFFF_FFF0L, 0);
        history.record(0x8000_0000_0000_0010L, SECOND);

        assertThat(history.latest()).isEqualTo(0x8000_0000_0000_0010L);
        assertThat(history.lagNanos(0x7FFF_FFFF_FFFF_FFF0L, 2 * SECOND)).isEqualTo(SECOND);
    }
}
