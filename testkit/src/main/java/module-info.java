/**
 * What the fault and scale-out tests share: a research desk client over the real HTTP API ({@code Desk},
 * {@code Client}, {@code Reply}), a closed-loop load ({@code Load}) and the ledger of every write that checks the
 * database afterwards ({@code Ledger}). Only tests depend on it (app's and loadtest's, test scope); it never reaches
 * a module path that runs.
 */
module testkit {
    requires transitive java.net.http;
    requires transitive java.sql;
    requires transitive com.fasterxml.jackson.databind;

    exports io.tradingdesk.testkit;
}
