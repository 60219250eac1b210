package io.tradingdesk.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tradingdesk.db.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Transactions: commit, rollback, and the bounded retry on a real serialization failure. */
class TransactionIT {

    private static Database start(String purpose, String retries) {
        var url = TestDatabase.fresh(purpose);
        var db = Database.start(TestDatabase.config(url, Map.of("DB_MIN_POOL_SIZE", "2", "DB_MAX_POOL_SIZE", "4",
                "DB_TX_RETRIES", retries, "DB_APPLICATION_NAME", "tx-it-" + purpose)), new SimpleMeterRegistry());
        db.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance numeric NOT NULL CHECK (balance >= 0))");
        db.execute("INSERT INTO accounts VALUES (1, 100), (2, 0)");
        return db;
    }

    @Test
    void aTransactionThatReturnsIsCommittedAndItsResultReturned() {
        try (var db = start("commit", "3")) {
            String result = db.transaction(tx -> {
                tx.execute("UPDATE accounts SET balance = balance - 30 WHERE id = 1");
                tx.execute("UPDATE accounts SET balance = balance + 30 WHERE id = 2");
                return "moved " + tx.fetchVal("SELECT balance FROM accounts WHERE id = 2", Integer.class).orElseThrow();
            });

            assertThat(result).isEqualTo("moved 30");
            assertThat(db.fetchAll("SELECT balance FROM accounts ORDER BY id", Integer.class)).containsExactly(70, 30);
            assertThat(db.stats().active()).isZero();
        }
    }

    @Test
    void allStatementsOfATransactionShareOneConnection() {
        try (var db = start("oneconn", "3")) {
            List<Integer> pids = db.transaction(tx -> List.of(
                    tx.fetchVal("SELECT pg_backend_pid()", Integer.class).orElseThrow(),
                    tx.fetchVal("SELECT pg_backend_pid()", Integer.class).orElseThrow(),
                    tx.fetchVal("SELECT pg_backend_pid()", Integer.class).orElseThrow()));
            long txid = db.transaction(tx -> {
                long first = tx.fetchVal("SELECT txid_current()", Long.class).orElseThrow();
                long second = tx.fetchVal("SELECT txid_current()", Long.class).orElseThrow();
                assertThat(second).isEqualTo(first);
                return first;
            });

            assertThat(pids).containsOnly(pids.getFirst());
            assertThat(txid).isPositive();
        }
    }

    @Test
    void whenTheCallbackThrowsNothingIsWrittenAndItsOwnExceptionReachesTheCaller() {
        try (var db = start("rollback", "3")) {
            var failure = new IllegalStateException("the model changed its mind");
            var calls = new AtomicInteger();

            assertThatThrownBy(() -> db.transaction(tx -> {
                calls.incrementAndGet();
                tx.execute("UPDATE accounts SET balance = balance - 30 WHERE id = 1");
                tx.execute("INSERT INTO accounts VALUES (3, 5)");
                throw failure;
            })).isSameAs(failure);

            assertThat(calls).hasValue(1);
            assertThat(db.fetchAll("SELECT balance FROM accounts ORDER BY id", Integer.class)).containsExactly(100, 0);
            assertThat(db.stats().active()).isZero();
        }
    }

    @Test
    void aConstraintViolationInsideATransactionRollsBackEverythingAndIsNotRetried() {
        try (var db = start("txcheck", "3")) {
            var calls = new AtomicInteger();

            assertThatThrownBy(() -> db.transaction(tx -> {
                calls.incrementAndGet();
                tx.execute("UPDATE accounts SET balance = balance + 500 WHERE id = 2");
                return tx.execute("UPDATE accounts SET balance = balance - 500 WHERE id = 1");
            })).isInstanceOfSatisfying(ConstraintViolationException.class, e -> {
                assertThat(e.kind()).isEqualTo(ConstraintViolationException.Kind.CHECK);
                assertThat(e.constraint()).isEqualTo("accounts_balance_check");
                assertThat(e.sqlState()).isEqualTo("23514");
            });

            assertThat(calls).hasValue(1);
            assertThat(db.fetchAll("SELECT balance FROM accounts ORDER BY id", Integer.class)).containsExactly(100, 0);
        }
    }

    @Test
    void theIsolationLevelAppliesToThatTransactionOnly() {
        try (var db = start("isolation", "3")) {
            String inside = db.transaction(Isolation.SERIALIZABLE,
                    tx -> tx.fetchVal("SHOW transaction_isolation", String.class).orElseThrow());
            String repeatable = db.transaction(Isolation.REPEATABLE_READ,
                    tx -> tx.fetchVal("SHOW transaction_isolation", String.class).orElseThrow());
            String after = db.transaction(tx -> tx.fetchVal("SHOW transaction_isolation", String.class).orElseThrow());

            assertThat(inside).isEqualTo("serializable");
            assertThat(repeatable).isEqualTo("repeatable read");
            assertThat(after).isEqualTo("read committed");
        }
    }

    /**
     * Two SERIALIZABLE read-then-write transactions on the same row: both read before either writes (the latch), so
     * the second to write fails with 40001 once the first commits.
     */
    private static List<Future<Integer>> conflictingIncrements(Database db, AtomicInteger calls) throws Exception {
        var bothRead = new CountDownLatch(2);
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            var results = new ArrayList<Future<Integer>>();
            for (int i = 0; i < 2; i++) {
                results.add(executor.submit(() -> db.transaction(Isolation.SERIALIZABLE, tx -> {
                    boolean firstAttempt = calls.incrementAndGet() <= 2;
                    int balance = tx.fetchVal("SELECT balance FROM accounts WHERE id = 1", Integer.class).orElseThrow();
                    if (firstAttempt) {
                        bothRead.countDown();
                        await(bothRead);
                    }
                    tx.execute("UPDATE accounts SET balance = ? WHERE id = 1", balance + 1);
                    return balance + 1;
                })));
            }
            for (Future<Integer> result : results) {
                try {
                    result.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // Inspected by the caller through the future.
                }
            }
            return results;
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).as("both transactions read").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aSerializationFailureIsRetriedAndBothIncrementsLand() throws Exception {
        try (var db = start("serialretry", "3")) {
            var calls = new AtomicInteger();

            List<Future<Integer>> results = conflictingIncrements(db, calls);

            assertThat(calls.get()).as("the losing callback ran again").isGreaterThan(2);
            assertThat(List.of(results.get(0).get(), results.get(1).get())).containsExactlyInAnyOrder(101, 102);
            assertThat(db.fetchVal("SELECT balance FROM accounts WHERE id = 1", Integer.class)).contains(102);
            assertThat(db.stats().active()).isZero();
        }
    }

    @Test
    void withoutRetriesTheCallerGetsTheSerializationFailure() throws Exception {
        try (var db = start("serialnoretry", "0")) {
            var calls = new AtomicInteger();

            List<Future<Integer>> results = conflictingIncrements(db, calls);

            assertThat(calls).hasValue(2);
            var failures = results.stream().filter(f -> f.state() == Future.State.FAILED).map(Future::exceptionNow).toList();
            var successes = results.stream().filter(f -> f.state() == Future.State.SUCCESS).map(Future::resultNow).toList();
            assertThat(successes).containsExactly(101);
            assertThat(failures).singleElement().isInstanceOfSatisfying(DbException.class, e -> {
                assertThat(e.sqlState()).isEqualTo("40001");
                assertThat(e).isNotInstanceOf(DatabaseUnavailableException.class);
            });
            assertThat(db.fetchVal("SELECT balance FROM accounts WHERE id = 1", Integer.class)).contains(101);
            assertThat(db.stats().active()).isZero();
        }
    }
}
