/** The Flyway schema of the trading desk, and the one call that applies it. */
module migrations {
    requires flyway.core;
    requires java.sql;
    requires org.slf4j;

    exports io.tradingdesk.migrations;
    // Flyway finds SQL inside a named module only when the resource package is opened unconditionally
    // (flyway/flyway#3196).
    opens db.migration;
}
