/**
 * The pool and the query helpers. Exports one package; HikariCP, Jdbi and pgjdbc stay inside, so the HTTP layer
 * never sees their types.
 */
module db {
    requires transitive java.sql;
    requires transitive micrometer.core;
    requires transitive com.fasterxml.jackson.databind;
    requires com.zaxxer.hikari;
    requires org.jdbi.v3.core;
    requires org.postgresql.jdbc;
    requires org.slf4j;
    // The embedded PostgreSQL: unpacks the binaries jar and checks whether we run as root.
    requires org.tukaani.xz;
    requires org.apache.commons.compress;
    requires jdk.security.auth;

    exports io.tradingdesk.db;
}
