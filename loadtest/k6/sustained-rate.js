// Sustained rate: an open-model run at a fixed arrival rate (default 200 requests/s for
// 2 minutes) of GET /api/research/latest?limit=10. Unlike the closed rounds of
// sustained.js, new requests keep arriving even if the server slows down, so queueing
// shows up as latency and, if k6 runs out of VUs, as dropped_iterations (must stay 0).
//
// A warm-up (WARMUP, default 30s, PRE_VUS closed-loop clients, tagged phase:warmup) runs
// first; the thresholds judge only the constant-rate scenario after it (phase:measure).
//
//   k6 run sustained-rate.js
//   k6 run -e RATE=500 -e DURATION=10m -e MAX_VUS=500 sustained-rate.js
import { latestNotes } from './lib/api.js';
import { expectJson, hasItems } from './lib/checks.js';
import { envInt } from './lib/config.js';
import { ensureNotes, seedUniverse } from './lib/data.js';
import { assertReady } from './lib/health.js';
import { constantRate, withWarmup } from './lib/profiles.js';
import { SUMMARY_TREND_STATS, summaryFor } from './lib/summary.js';
import { base, byKind, merge } from './lib/thresholds.js';

/** @type {import('k6/options').Options} */
export const options = {
    scenarios: withWarmup({ sustained_rate: constantRate(200, '2m', 50, 300) }, envInt('PRE_VUS', 50)),
    thresholds: merge(base(), byKind('sustained-rate', ['simple']), {
        // k6 tags dropped iterations with the scenario name only, not with the scenario's own tags.
        'dropped_iterations{scenario:sustained_rate}': ['count==0'],
    }),
    summaryTrendStats: SUMMARY_TREND_STATS,
    setupTimeout: '2m',
};

export function setup() {
    assertReady();
    const symbols = seedUniverse(envInt('INSTRUMENTS', 10), 0);
    ensureNotes(10, symbols);
}

export default function () {
    const res = latestNotes(10);
    expectJson(res, 'GET /api/research/latest', 200, (b) => hasItems(b));
}

export const handleSummary = summaryFor('sustained-rate');
