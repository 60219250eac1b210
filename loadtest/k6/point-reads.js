// Point reads: 100 concurrent clients doing GET /api/research/{id} over random existing ids
// (a primary-key lookup). setup() collects NOTES ids by paging GET /api/research and
// creates notes only if fewer exist.
//
// A warm-up (WARMUP, default 30s, tagged phase:warmup) runs first; the thresholds judge only
// the measured scenario after it (phase:measure).
//
//   k6 run point-reads.js                       # 30s warm-up, then 100 VUs for 30s
//   k6 run -e NOTES=5000 -e VUS=100 -e DURATION=2m point-reads.js
import { getNote } from './lib/api.js';
import { expectJson, hasFields } from './lib/checks.js';
import { envInt } from './lib/config.js';
import { ensureNotes, pick, seedUniverse } from './lib/data.js';
import { assertReady } from './lib/health.js';
import { steady, withWarmup } from './lib/profiles.js';
import { SUMMARY_TREND_STATS, summaryFor } from './lib/summary.js';
import { base, byKind, merge } from './lib/thresholds.js';

/** @type {import('k6/options').Options} */
export const options = {
    scenarios: withWarmup({ point_reads: steady(100, '30s') }, envInt('VUS', 100)),
    thresholds: merge(base(), byKind('point-reads', ['simple'])),
    summaryTrendStats: SUMMARY_TREND_STATS,
    setupTimeout: '5m',
};

/**
 * @returns {{ids: Array<string | number>}}
 */
export function setup() {
    assertReady();
    const symbols = seedUniverse(envInt('INSTRUMENTS', 20), 0);
    return { ids: ensureNotes(envInt('NOTES', 1000), symbols) };
}

/**
 * @param {{ids: Array<string | number>}} data
 */
export default function (data) {
    const id = pick(data.ids);
    const res = getNote(id);
    expectJson(
        res,
        'GET /api/research/{id}',
        200,
        (b) => hasFields(b, ['id', 'symbol', 'model', 'title', 'body', 'payload', 'tags', 'createdAt']) && String(b.id) === String(id),
    );
}

export const handleSummary = summaryFor('point-reads');
