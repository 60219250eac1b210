package io.tradingdesk.api.model;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Totals over all positions, marked to the latest close (positions without a bar are marked at their average
 * price). {@code positions} counts open (non-zero) positions; exposures are sums of signed (net) and absolute
 * (gross) market values; {@code exposureByAssetClass} is net per asset class.
 */
public record PortfolioSummary(int positions, BigDecimal grossExposure, BigDecimal netExposure,
                               Map<String, BigDecimal> exposureByAssetClass, BigDecimal realizedPnl,
                               BigDecimal unrealizedPnl, BigDecimal marketValue) {
}
