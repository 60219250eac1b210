// Sustained load: the report's "500 sustained requests, 5 rounds of 100". Five scenarios
// round_1..round_5, each 100 GET /api/research/latest?limit=10 shared by 100 clients,
// started ROUND_SPACING apart so they never overlap. The summary reports each round's
// throughput (requests / round wall-clock time) and the coefficient of variation across
// rounds: a low CV means the server holds its throughput from round to round.
// For a longer open-model run at a fixed request rate, see sustained-rate.js.
//
// A warm-up (WARMUP, default 30s, 100 VUs, tagged phase:warmup) runs first; the rounds are
// the measured scenarios (phase:measure), and only they are judged.
//
//   k6 run sustained.js
//   k6 run -e ROUNDS=10 -e ROUND_REQUESTS=500 -e ROUND_SPACING=20s sustained.js
import { latestNotes } from './lib/api.js';
import { expectJson, hasItems } from './lib/checks.js';
import { envInt } from './lib/config.js';
import { ensureNotes, seedUniverse } from './lib/data.js';
import { assertReady } from './lib/health.js';
import { roundPlan, withWarmup } from './lib/profiles.js';
import { roundClock } from './lib/rounds.js';
import { SUMMARY_TREND_STATS, summaryFor } from './lib/summary.js';
import { base, byKind, byScenario, merge } from './lib/thresholds.js';

const plan = roundPlan(5, 100, 100, '10s');
const clock = roundClock(plan.count);

/** @type {import('k6/options').Options} */
export const options = {
    scenarios: withWarmup(plan.scenarios, envInt('VUS', 100)),
    thresholds: merge(
        base(),
        byKind('sustained', ['simple']),
        byScenario(plan.names, 'sustained', 'simple', plan.requests),
    ),
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
    clock.mark();
}

export const handleSummary = summaryFor('sustained', { rounds: plan.count });
