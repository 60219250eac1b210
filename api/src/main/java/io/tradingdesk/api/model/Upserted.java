package io.tradingdesk.api.model;

public record Upserted(int upserted) {
}
