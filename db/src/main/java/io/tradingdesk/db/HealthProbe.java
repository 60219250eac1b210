package io.tradingdesk.db;

/**
 * The result of {@link Database#probe()}: whether {@code SELECT 1} came back within {@code DB_HEALTH_TIMEOUT}.
 *
 * @param up               true when the database answered
 * @param roundTripMillis  time to borrow a connection and run the probe, in milliseconds
 * @param error            why the probe failed (no secrets), or {@code null}
 */
public record HealthProbe(boolean up, double roundTripMillis, String error) {
}
