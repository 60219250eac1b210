package io.tradingdesk.api.model;

import java.math.BigDecimal;
import java.time.Instant;

public record Bar(String symbol, Instant ts, BigDecimal open, BigDecimal high, BigDecimal low, BigDecimal close,
                  BigDecimal volume) {
}
