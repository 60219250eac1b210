// Simple reads: 100 concurrent clients doing GET /api/research/latest?limit=10,
// the report's "simple SELECT" (an indexed ORDER BY created_at DESC LIMIT n).
//
//   k6 run simple-reads.js                      # 100 VUs x 20 iterations
//   k6 run -e VUS=50 -e ITERATIONS=100 simple-reads.js
import { latestNotes } from './lib/api.js';
import { expectJson, hasFields, hasItems } from './lib/checks.js';
import { envInt } from './lib/config.js';
import { ensureNotes, seedUniverse } from './lib/data.js';
import { assertReady } from './lib/health.js';
import { concurrent } from './lib/profiles.js';
import { SUMMARY_TREND_STATS, summaryFor } from './lib/summary.js';
import { base, byKind, merge } from './lib/thresholds.js';

const LIMIT = envInt('LIMIT', 10);

/** @type {import('k6/options').Options} */
export const options = {
    scenarios: {
        simple_reads: concurrent(100, 20),
    },
    thresholds: merge(base(), byKind(['simple'])),
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
