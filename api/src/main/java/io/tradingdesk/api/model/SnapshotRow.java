package io.tradingdesk.api.model;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One instrument in the market snapshot. {@code change1d}/{@code change7d} are fractions (0.05 = +5 %) against the
 * last bar at least 1 / 7 days older than the latest, null when there is none; {@code volume30d} sums the bars of
 * the 30 days up to the latest bar.
 */
public record SnapshotRow(String symbol, String name, String assetClass, String currency, Instant lastTs,
                          BigDecimal lastClose, BigDecimal change1d, BigDecimal change7d, BigDecimal volume30d,
                          BigDecimal positionQuantity, BigDecimal marketValue) {
}
