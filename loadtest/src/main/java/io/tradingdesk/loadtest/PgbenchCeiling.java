package io.tradingdesk.loadtest;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The raw-database ceiling: {@code pgbench -S} at every level of the concurrency sweep against the benchmark's own
 * cluster, on the otherwise idle machine before any server runs. pgbench missing, or a level without a result,
 * becomes a note of the report rather than an error. Stateless.
 */
final class PgbenchCeiling {

    /**
     * What pgbench gave. Immutable.
     *
     * @param version   pgbench's version and path, null when it was not found
     * @param byClients results by client count, ascending; empty without pgbench
     */
    record Result(String version, Map<Integer, LoadResult> byClients) {
        Result {
            byClients = Collections.unmodifiableMap(new TreeMap<>(byClients));
        }
    }

    private PgbenchCeiling() {
    }

    static Result measure(BenchCluster cluster, Plan plan, Path outDir, Progress progress, List<String> notes) {
        Optional<Path> bin = Pgbench.find();
        if (bin.isEmpty()) {
            notes.add("pgbench not found (looked on PATH and in /usr/lib/postgresql/*/bin): no raw-database ceiling."
                    + " Install it with 'apt-get install postgresql-client'.");
            progress.say("pgbench not found: skipping the raw-database ceiling");
            return new Result(null, Map.of());
        }
        cluster.createDatabase("pgbench");
        var pg = new Pgbench(bin.get(), cluster.host(), cluster.port(), cluster.user(), cluster.password(), "pgbench");
        String version = pg.version() + " (" + bin.get() + ")";
        progress.say("pgbench -i -s " + Pgbench.SCALE + " (database pgbench)");
        pg.init();
        var results = new TreeMap<Integer, LoadResult>();
        for (int clients : Plan.SWEEP) {
            try {
                LoadResult r = progress.during("[pgbench] -S @" + clients, plan.pgbench(),
                        () -> pg.run(clients, plan.pgbench(), outDir));
                results.put(clients, r);
                progress.say("[pgbench] -S @" + clients + ": " + r.summary());
            } catch (RuntimeException e) {
                String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                notes.add("pgbench -S -c " + clients + " gave no result: " + first);
                progress.say("[pgbench] -S @" + clients + " gave no result: " + e.getMessage());
            }
        }
        return new Result(version, results);
    }
}
