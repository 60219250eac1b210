// Writes: 100 concurrent clients doing POST /api/pitches (a single-row INSERT behind
// validation), the report's write case.
//
// A warm-up (WARMUP, default 30s, tagged phase:warmup) runs first; the thresholds judge only
// the measured scenario after it (phase:measure).
//
//   k6 run writes.js                            # 30s warm-up, then 100 VUs for 30s
//   k6 run -e API_TOKEN=secret -e VUS=100 -e DURATION=1m writes.js
import { createPitch } from './lib/api.js';
import { expectJson, hasFields } from './lib/checks.js';
import { envInt } from './lib/config.js';
import { pick, pitchBody, seedUniverse } from './lib/data.js';
import { assertReady } from './lib/health.js';
import { steady, withWarmup } from './lib/profiles.js';
import { SUMMARY_TREND_STATS, summaryFor } from './lib/summary.js';
import { base, byKind, merge } from './lib/thresholds.js';

/** @type {import('k6/options').Options} */
export const options = {
    scenarios: withWarmup({ writes: steady(100, '30s') }, envInt('VUS', 100)),
    thresholds: merge(base(), byKind('writes', ['write'])),
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
