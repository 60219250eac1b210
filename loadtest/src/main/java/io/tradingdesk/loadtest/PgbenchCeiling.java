package io.tradingdesk.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The raw-database ceilings: {@code pgbench -S} at every level of the concurrency sweep against the benchmark's own
 * cluster, on the otherwise idle machine before any server runs; and, once the data is seeded, pgbench running the
 * point-read endpoint's own SELECT (the like-for-like ceiling). pgbench missing, or a level without a result,
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

    /**
     * The point-read endpoint's own statement (ResearchStore's BY_ID in the api module), with a random id of the
     * seeded range drawn by pgbench per transaction.
     */
    static final String POINT_READ = "SELECT id, symbol, model, title, body, payload::text AS payload, tags, created_at"
            + " FROM research_notes WHERE id = :id;";

    private PgbenchCeiling() {
    }

    /**
     * The like-for-like ceiling: pgbench running the point-read endpoint's own SELECT ({@link #POINT_READ}, prepared,
     * one per transaction, ids uniform over the seeded range, as the HTTP point reads draw them) against the
     * benchmark's database, at every level of the concurrency sweep. Runs once the data is seeded and no server runs.
     * pgbench missing, or a level without a result, becomes a note.
     */
    static Map<Integer, LoadResult> measureEndpoint(BenchCluster cluster, Plan plan, Dataset data, Path outDir,
                                                   Progress progress, List<String> notes) {
        Optional<Path> bin = Pgbench.find();
        if (bin.isEmpty() || data == null) {
            return Map.of();
        }
        Path script = outDir.resolve("pgbench-point-read.sql");
        try {
            Files.writeString(script, "\\set id random(" + data.minNoteId() + ", " + data.maxNoteId() + ")\n"
                    + POINT_READ + "\n");
        } catch (IOException e) {
            notes.add("pgbench with the point read's SELECT not run: cannot write " + script + ": " + e.getMessage());
            return Map.of();
        }
        var pg = new Pgbench(bin.get(), cluster.host(), cluster.port(), cluster.user(), cluster.password(), "bench");
        var results = new TreeMap<Integer, LoadResult>();
        for (int clients : Plan.SWEEP) {
            String label = "[pgbench] point-read SELECT @" + clients;
            try {
                LoadResult r = progress.during(label, plan.pgbench(),
                        () -> pg.runScript(clients, plan.pgbench(), outDir, script));
                results.put(clients, r);
                progress.say(label + ": " + r.summary());
            } catch (RuntimeException e) {
                String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                notes.add("pgbench -f pgbench-point-read.sql -c " + clients + " gave no result: " + first);
                progress.say(label + " gave no result: " + e.getMessage());
            }
        }
        return Collections.unmodifiableMap(results);
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
