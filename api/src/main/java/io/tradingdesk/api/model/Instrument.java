package io.tradingdesk.api.model;

import java.time.Instant;

public record Instrument(String symbol, String name, String assetClass, String currency, Instant createdAt,
                         Instant updatedAt) {
}
