// Writes: 100 concurrent clients doing POST /api/pitches (a single-row INSERT behind
// validation), the report's write case.
//
//   k6 run writes.js
//   k6 run -e API_TOKEN=secret -e VUS=100 -e ITERATIONS=50 writes.js
import { createPitch } from './lib/api.js';
import { expectJson, hasFields } from './lib/checks.js';
import { envInt } from './lib/config.js';
import { pick, pitchBody, seedUniverse } from './lib/data.js';
import { assertReady } from './lib/health.js';
import { concurrent } from './lib/profiles.js';
import { SUMMARY_TREND_STATS, summaryFor } from './lib/summary.js';
import { base, byKind, merge } from './lib/thresholds.js';

/** @type {import('k6/options').Options} */
export const options = {
    scenarios: {
        writes: concurrent(100, 20),
    },
    thresholds: merge(base(), byKind(['write'])),
    summaryTrendStats: SUMMARY_TREND_STATS,
    setupTimeout: '2m',
};

/**
 * @returns {{symbols: string[]}}
 */
export function setup() {
    assertReady();
    return { symbols: seedUniverse(envInt('INSTRUMENTS', 50), 0) };
}

/**
 * @param {{symbols: string[]}} data
 */
export default function (data) {
    const pitch = pitchBody(pick(data.symbols));
    const res = createPitch(pitch);
    expectJson(
        res,
        'POST /api/pitches',
        201,
        (b) =>
            hasFields(b, ['id', 'version']) &&
            b.status === 'draft' &&
            b.symbol === pitch.symbol &&
            b.side === pitch.side,
    );
}

export const handleSummary = summaryFor('writes');
