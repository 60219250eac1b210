package io.tradingdesk.loadtest;

import java.util.List;
import java.util.Map;

/**
 * Everything a finished run produced, as the report writers ({@link MarkdownReport}, {@link JsonReport},
 * {@link Chart}) read it. Built once the run is over; nothing modifies it afterwards.
 *
 * @param data          the seeded data set, null if no server ever became ready
 * @param pgbench       pgbench -S by client count, ascending; empty without pgbench
 * @param notes         what went wrong or was left out, one sentence each
 * @param pgbenchPointRead pgbench running the point-read endpoint's own SELECT, by client count; empty if not run
 * @param poolCurve     point reads by pool size and /health/live; {@link PoolCurve.Result#NONE} if not run
 */
record Results(Plan plan, Environment environment, Dataset data, Map<Integer, LoadResult> pgbench, ModeResults direct,
               ModeResults pooled, List<String> notes, Map<Integer, LoadResult> pgbenchPointRead,
               PoolCurve.Result poolCurve) {

    Results {
        notes = List.copyOf(notes);
        pgbenchPointRead = Map.copyOf(pgbenchPointRead);
    }
}
