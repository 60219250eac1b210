/**
 * The before/after benchmark: {@code java -p loadtest/target/modules -m loadtest} runs
 * {@code io.tradingdesk.loadtest.Benchmark} (recorded as this module's main class by the jar plugin), which starts
 * the server from {@code app/target/modules} as a child process. Exports nothing; nothing depends on it.
 */
module loadtest {
    // BenchCluster: DatabaseUrl (db also resolves pgjdbc) and the throwaway PostgreSQL cluster.
    requires db;
    requires embedded;
    // Seeder and BenchCluster talk JDBC to the benchmark's cluster.
    requires java.sql;
    // LoadDriver, and the probes of the server under test (/health/ready, /api/health, /metrics).
    requires java.net.http;
    // throughput-p99.png: JFreeChart draws with AWT, headless.
    requires java.desktop;
    requires org.jfree.jfreechart;
    // Reads k6's and wrk's summaries and /api/health, writes benchmark.json.
    requires com.fasterxml.jackson.databind;

    // Jackson reads and writes the summary and report records by reflection.
    opens io.tradingdesk.loadtest to com.fasterxml.jackson.databind;
}
