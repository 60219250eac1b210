// Simple reads: 100 concurrent clients doing GET /api/research/latest?limit=10,
// the report's "simple SELECT" (an indexed ORDER BY created_at DESC LIMIT n).
//
// A warm-up (WARMUP, default 30s, tagged phase:warmup) runs first; the thresholds judge only
// the measured scenario after it (phase:measure).
//
//   k6 run simple-reads.js                      # 30s warm-up, then 100 VUs for 30s
//   k6 run -e VUS=50 -e DURATION=1m -e WARMUP=10s simple-reads.js
import { latestNotes } from './lib/api.js';
import { expectJson, hasFields, hasItems } from './lib/checks.js';
import { envInt } from './lib/config.js';
import { ensureNotes, seedUniverse } from './lib/data.js';
import { assertReady } from './lib/health.js';
import { steady, withWarmup } from './lib/profiles.js';
import { SUMMARY_TREND_STATS, summaryFor } from './lib/summary.js';
import { base, byKind, merge } from './lib/thresholds.js';

const LIMIT = envInt('LIMIT', 10);

/** @type {import('k6/options').Options} */
export const options = {
    scenarios: withWarmup({ simple_reads: steady(100, '30s') }, envInt('VUS', 100)),
    thresholds: merge(base(), byKind('simple-reads', ['simple'])),
    summaryTrendStats: SUMMARY_TREND_STATS,
    setupTimeout: '2m',
};

export function setup() {
    assertReady();
    // "latest" must have a full page to return; notes need existing instruments.
    const symbols = seedUniverse(envInt('INSTRUMENTS', 10), 0);
    ensureNotes(LIMIT, symbols);
}

export default function () {
    const res = latestNotes(LIMIT);
    expectJson(
        res,
        'GET /api/research/latest',
        200,
        (b) => hasItems(b, (n) => hasFields(n, ['id', 'symbol', 'createdAt'])) && b.items.length === LIMIT,
    );
}

export const handleSummary = summaryFor('simple-reads');
