/**
 * A PostgreSQL server started by this process: the service's default when no {@code DATABASE_URL} is given, and
 * the tests' fallback. A module of its own so that the pool module ({@code db}) carries neither the binaries jar nor
 * archive code; only {@code app} and the tests read it. Exports one package.
 */
module embedded {
    // The start-up probe and createDatabase speak JDBC; no java.sql type is in the exported API.
    requires java.sql;
    // pgjdbc is an automatic module: requiring it resolves the driver that DriverManager must find.
    requires org.postgresql.jdbc;
    requires org.slf4j;
    // The bundled binaries are a tar archive compressed with xz.
    requires org.tukaani.xz;
    requires org.apache.commons.compress;
    // com.sun.security.auth.module.UnixSystem: the current uid, to know whether we must drop root.
    requires jdk.security.auth;

    exports io.tradingdesk.embedded;
}
