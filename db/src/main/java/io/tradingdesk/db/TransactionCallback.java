package io.tradingdesk.db;

/**
 * The body of a transaction. It may run more than once: when the transaction fails with a serialization failure or
 * a deadlock (SQLSTATE 40001, 40P01) it is rolled back and the callback is run again, up to {@code DB_TX_RETRIES}
 * times. So it must not have side effects outside the database that cannot be repeated.
 */
@FunctionalInterface
public interface TransactionCallback<T> {
    T run(Transaction tx);
}
