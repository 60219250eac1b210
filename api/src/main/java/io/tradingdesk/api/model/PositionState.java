package io.tradingdesk.api.model;

import java.math.BigDecimal;
import java.time.Instant;

/** A position as a trade left it: signed quantity (negative = short), cost basis of the open quantity. */
public record PositionState(String symbol, BigDecimal quantity, BigDecimal averagePrice, BigDecimal realizedPnl,
                            Instant updatedAt) {
}
