package io.tradingdesk.api.store;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * How a fill changes a net position (signed quantity: negative = short; average price = cost basis of the open
 * quantity). Adding in the same direction re-averages; trading against the position realises
 * {@code closed * (price - average) * sign(position)} on the closed part; a fill larger than the position closes it
 * and opens the remainder at the fill price. Pure and thread-safe.
 */
final class PositionMath {
    /** Scale of average_price and realized_pnl in the schema. */
    static final int SCALE = 8;

    record State(BigDecimal quantity, BigDecimal averagePrice, BigDecimal realizedPnl) {
    }

    private PositionMath() {
    }

    /**
     * @param signedQuantity positive for a buy, negative for a sell
     * @param price          the fill price, positive
     */
    static State apply(State current, BigDecimal signedQuantity, BigDecimal price) {
        BigDecimal q0 = current.quantity();
        BigDecimal q1 = q0.add(signedQuantity);
        if (q0.signum() == 0 || q0.signum() == signedQuantity.signum()) {
            // Opening or adding: weighted average of the old cost basis and the fill.
            BigDecimal cost = q0.abs().multiply(current.averagePrice()).add(signedQuantity.abs().multiply(price));
            return new State(q1, cost.divide(q1.abs(), SCALE, RoundingMode.HALF_EVEN), current.realizedPnl());
        }
        BigDecimal closed = signedQuantity.abs().min(q0.abs());
        BigDecimal realized = closed.multiply(price.subtract(current.averagePrice()))
                .multiply(BigDecimal.valueOf(q0.signum()));
        BigDecimal pnl = current.realizedPnl().add(realized).setScale(SCALE, RoundingMode.HALF_EVEN);
        if (q1.signum() == 0) {
            return new State(q1, BigDecimal.ZERO, pnl);
        }
        if (q1.signum() == q0.signum()) {
            return new State(q1, current.averagePrice(), pnl);   // reduced: the rest keeps its cost basis
        }
        return new State(q1, price, pnl);                         // flipped: the new side opened at this fill
    }
}
