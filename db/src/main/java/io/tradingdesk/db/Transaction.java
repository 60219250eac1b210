package io.tradingdesk.db;

/**
 * The helpers of {@link Queries}, all on the one connection of a running transaction. Handed to a
 * {@link Database#transaction} callback; valid only inside it and only on the thread that runs it.
 */
public interface Transaction extends Queries {
}
