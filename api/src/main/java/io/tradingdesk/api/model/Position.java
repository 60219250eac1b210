package io.tradingdesk.api.model;

import java.math.BigDecimal;
import java.time.Instant;

/** A position marked to the latest close; the mark-dependent fields are null when the symbol has no bar yet. */
public record Position(String symbol, BigDecimal quantity, BigDecimal averagePrice, BigDecimal realizedPnl,
                       BigDecimal lastClose, BigDecimal marketValue, BigDecimal unrealizedPnl, Instant updatedAt) {
}
