package io.tradingdesk.api.model;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

public record Pitch(long id, String symbol, String side, String thesis, BigDecimal entryPrice,
                    BigDecimal targetPrice, BigDecimal stopPrice, BigDecimal confidence, String status, int version,
                    List<Long> researchIds, Instant createdAt, Instant updatedAt) {
}
