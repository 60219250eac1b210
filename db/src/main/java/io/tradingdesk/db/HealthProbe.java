package io.tradingdesk.db;

/**
 * The result of {@link Database#probe()}: whether {@code SELECT 1} came back within {@code DB_HEALTH_TIMEOUT}.
 *
 * @param up               true when the database answered
 * @param roundTripMillis  time to borrow a connection and run the probe, in milliseconds
 * @param error            why the probe failed (no secrets), or {@code null}
 * @param busy             true when it failed only for waiting too long behind other callers (no connection within
 *                         the timeout, or the statement cancelled at it): the database answers, it is saturated
 */
public record HealthProbe(boolean up, double roundTripMillis, String error, boolean busy) {
}
