package io.tradingdesk.api.model;

import java.math.BigDecimal;
import java.time.Instant;

public record Trade(long id, long pitchId, String symbol, String side, BigDecimal quantity, BigDecimal price,
                    Instant executedAt, String idempotencyKey, PositionState position) {

    public Trade withPosition(PositionState state) {
        return new Trade(id, pitchId, symbol, side, quantity, price, executedAt, idempotencyKey, state);
    }
}
