package io.tradingdesk.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradingdesk.db.DatabaseUrl;
import io.tradingdesk.db.testing.TestDatabase;
import io.tradingdesk.migrations.Migrations;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's data is in the state long-written data is in: seeded, counted, and every page of price_bars
 * all-visible, so that the snapshot's index-only scans are measured as production runs them (rows committed
 * asynchronously just before VACUUM left every page not all-visible, and each scanned row went to the heap).
 */
class SeederIT {

    @Test
    void seedsTheNotesAndBarsAndLeavesThePagesOfBarsAllVisible() throws Exception {
        DatabaseUrl url = TestDatabase.fresh("seeder");
        Migrations.migrate(url.jdbcUrl(), url.user(), url.password());
        try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password())) {
            Dataset data = Seeder.seed(c, 20, 30, 500);

            assertThat(data.notes()).isEqualTo(500);
            assertThat(data.maxNoteId() - data.minNoteId() + 1).isEqualTo(500);
            try (Statement s = c.createStatement()) {
                assertThat(scalar(s, "SELECT count(*) FROM price_bars")).isEqualTo(20 * 30);
                assertThat(scalar(s, "SELECT relallvisible FROM pg_class WHERE relname = 'price_bars'"))
                        .as("all-visible pages of price_bars")
                        .isPositive()
                        .isEqualTo(scalar(s, "SELECT relpages FROM pg_class WHERE relname = 'price_bars'"));
            }
        }
    }

    private static long scalar(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
