package io.tradingdesk.db;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition that background work (HikariCP's housekeeping, its closer thread) makes true soon. */
final class Eventually {
    private Eventually() {
    }

    static boolean holds(Duration within, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
