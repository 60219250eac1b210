/**
 * The server's entry point: {@code java -p app/target/modules -m app} runs {@code io.tradingdesk.app.Main} (recorded
 * as this module's main class by the jar plugin). Exports nothing; nothing depends on it.
 */
module app {
    requires api;
    requires db;
    requires migrations;
    // The embedded PostgreSQL started when DATABASE_URL is unset.
    requires embedded;
    requires micrometer.registry.prometheus;
    requires org.slf4j;
    // TERM/INT handlers, so a stopped server exits 0 instead of the JVM's 143/130.
    requires jdk.unsupported;
}
