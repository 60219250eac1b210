package io.tradingdesk.api.http;

import io.javalin.http.Context;
import io.tradingdesk.db.Database;
import io.tradingdesk.db.WalPosition;

/**
 * Read-your-writes over HTTP, in one place. A successful write answers with the header {@value #HEADER}: the
 * primary's WAL position after its commit (opaque to clients). A read that sends it back is served by a replica only
 * once that replica has replayed that far, else by the primary, so the client never reads older data than its own
 * writes. The request header is declared on every read route ({@link #TOKEN}), so validation, {@code /openapi.json}
 * and the generated hostile inputs cover it like any other input; a malformed one is a 400 naming it.
 *
 * <p>Without {@code DATABASE_READ_URL} every read is served by the primary: writes then answer without the header
 * (and without the round trip that asks for the position), and a token sent with a read is checked and ignored.
 * Thread-safe.
 */
public final class Consistency {
    public static final String HEADER = "Consistency-Token";

    /** The request header of the read routes: the token of the client's latest write; absent = may be stale. */
    public static final Field<WalPosition> TOKEN = Field.walPosition(HEADER).describedAs("the " + HEADER
            + " of your latest write, as it was sent: the answer is then at least as new as that write (reads"
            + " without it may lag by up to DB_READ_MAX_LAG)");

    /** What /openapi.json says about the header on a write's successful answers. */
    public static final String RESPONSE_DESCRIPTION = "present when the server routes reads to replicas: send it"
            + " unchanged with your next reads to see this write (opaque; a later token covers the earlier ones)";

    private final Database database;

    public Consistency(Database database) {
        this.database = database;
    }

    /**
     * Sets {@value #HEADER} on a write's successful answer: call it once the store has committed, before the body
     * is written. Does nothing without read routing.
     */
    public void stamp(Context ctx) {
        if (database.routesReads()) {
            ctx.header(HEADER, database.commitPosition().toString());
        }
    }
}
