// Complex reads: 100 concurrent clients doing GET /api/market/snapshot, which joins the
// instrument universe with its latest bars, 1d/7d changes, 30d volume and positions.
// setup() seeds (upserts) INSTRUMENTS instruments with DAYS daily bars each.
//
// A warm-up (WARMUP, default 30s, tagged phase:warmup) runs first; the thresholds judge only
// the measured scenario after it (phase:measure).
//
//   k6 run complex.js                                 # 200 instruments x 90 days, 100 VUs for 30s
//   k6 run -e INSTRUMENTS=1000 -e DAYS=250 complex.js
import { snapshot } from './lib/api.js';
import { expectJson, hasFields, hasItems } from './lib/checks.js';
import { envInt } from './lib/config.js';
import { seedUniverse } from './lib/data.js';
import { assertReady } from './lib/health.js';
import { steady, withWarmup } from './lib/profiles.js';
import { SUMMARY_TREND_STATS, summaryFor } from './lib/summary.js';
import { base, byKind, merge } from './lib/thresholds.js';

const INSTRUMENTS = envInt('INSTRUMENTS', 200);
const DAYS = envInt('DAYS', 90);

/** @type {import('k6/options').Options} */
export const options = {
    scenarios: withWarmup({ complex: steady(100, '30s') }, envInt('VUS', 100)),
    thresholds: merge(base(), byKind('complex', ['complex'])),
    summaryTrendStats: SUMMARY_TREND_STATS,
    setupTimeout: '10m',
};

export function setup() {
    assertReady();
    seedUniverse(INSTRUMENTS, DAYS);
}

export default function () {
    const res = snapshot();
    expectJson(
        res,
        'GET /api/market/snapshot',
        200,
        (b) =>
            hasItems(b, (item) => hasFields(item, ['symbol', 'lastClose', 'change1d', 'change7d', 'volume30d'])) &&
            b.items.length >= INSTRUMENTS,
    );
}

export const handleSummary = summaryFor('complex');
