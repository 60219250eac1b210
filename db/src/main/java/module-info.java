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
    // jdbi3-core is an automatic module and cannot declare that it needs geantyref (an explicit module): without
    // this, nothing resolves geantyref on the module path and Jdbi fails with NoClassDefFoundError.
    requires io.leangen.geantyref;
    requires org.postgresql.jdbc;
    requires org.slf4j;
    // pgjdbc instantiates the unix socket factory by name; these make sure it and its native library are resolved.
    requires org.newsclub.net.unix;
    requires com.kohlschutter.junixsocket.nativecommon;

    exports io.tradingdesk.db;
}
