// Smoke test: one client calls every route once, checking status codes and JSON shape,
// including the error paths (404, validation error, 409 stale version, 422 illegal
// transition, 401 without token on a read and a write when API_TOKEN is set). Run it first: if it fails,
// the load scripts would only measure errors.
//
//   k6 run smoke.js
//   k6 run -e API_TOKEN=secret smoke.js
import { check } from 'k6';
import {
    apiHealth,
    createNote,
    createPitch,
    createTrade,
    getBars,
    getInstrument,
    getNote,
    getPitch,
    healthLive,
    healthReady,
    latestNotes,
    listInstruments,
    listPitches,
    metrics,
    openapi,
    patchPitchStatus,
    portfolioSummary,
    positions,
    postBars,
    putInstrument,
    searchNotes,
    snapshot,
} from './lib/api.js';
import { expectJson, hasFields, hasItems, isError, isObject } from './lib/checks.js';
import { API_TOKEN } from './lib/config.js';
import { dailyBars, instrumentBody, noteBody, pitchBody, symbolAt, tradeBody, uuid } from './lib/data.js';
import { assertReady } from './lib/health.js';
import { MEASURE_TAGS, once } from './lib/profiles.js';
import { SUMMARY_TREND_STATS, summaryFor } from './lib/summary.js';
import { base, byKind, measured, merge } from './lib/thresholds.js';

/** @type {import('k6/options').Options} */
export const options = {
    // No warm-up: one request per route, to see that each answers. Its only scenario is the
    // measured one, so the thresholds select it as in every other script.
    scenarios: {
        smoke: Object.assign(once(1, 1), { tags: Object.assign({}, MEASURE_TAGS) }),
    },
    thresholds: merge(base(), byKind('smoke', ['simple', 'write', 'complex']), {
        [measured('checks')]: ['rate==1'],
    }),
    summaryTrendStats: SUMMARY_TREND_STATS,
};

const INSTRUMENT_FIELDS = ['symbol', 'name', 'assetClass', 'currency', 'createdAt', 'updatedAt'];

export function setup() {
    assertReady();
}

export default function () {
    meta();
    const symbol = instruments();
    marketData(symbol);
    const noteId = research(symbol);
    pitchesAndTrades(symbol, noteId);
}

function meta() {
    expectJson(healthLive(), 'GET /health/live', 200);
    expectJson(healthReady(), 'GET /health/ready', 200);
    expectJson(apiHealth(), 'GET /api/health', 200, isObject);
    const m = metrics();
    check(m, {
        'GET /metrics -> 200': (r) => r.status === 200,
        'GET /metrics has a body': (r) => typeof r.body === 'string' && r.body.length > 0,
    });
    expectJson(openapi(), 'GET /openapi.json', 200, (b) => isObject(b) && isObject(b.paths));
    if (API_TOKEN) {
        // With a token the server guards reads too (API_AUTH=all, its default): the desk's book is not public.
        const res = positions({ noAuth: true, expect: [401, 403] });
        expectJson(res, 'GET /api/positions without token', [401, 403], isError);
    }
}

/**
 * @returns {string} the smoke instrument's symbol
 */
function instruments() {
    const symbol = symbolAt(0);
    const body = instrumentBody(symbol);
    expectJson(
        putInstrument(symbol, body),
        'PUT /api/instruments/{symbol}',
        [200, 201],
        (b) => hasFields(b, INSTRUMENT_FIELDS) && b.symbol === symbol && b.currency === body.currency,
    );
    // A second PUT is an update of the same row: 200.
    expectJson(putInstrument(symbol, body), 'PUT /api/instruments/{symbol} (upsert)', 200, (b) => b.symbol === symbol);
    expectJson(getInstrument(symbol), 'GET /api/instruments/{symbol}', 200, (b) => hasFields(b, INSTRUMENT_FIELDS));
    expectJson(listInstruments(), 'GET /api/instruments', 200, (b) =>
        hasItems(b, (i) => hasFields(i, ['symbol'])) && b.items.some((/** @type {any} */ i) => i.symbol === symbol),
    );
    expectJson(
        getInstrument('NOSUCH', { expect: [404] }),
        'GET /api/instruments/{unknown}',
        404,
        isError,
    );
    return symbol;
}

/**
 * @param {string} symbol
 */
function marketData(symbol) {
    const bars = dailyBars(symbol, 10);
    expectJson(postBars(bars), 'POST /api/market/bars', 200, (b) => isObject(b) && b.upserted === bars.length);
    expectJson(
        getBars(symbol, { from: bars[0].ts, limit: 100 }),
        'GET /api/market/bars/{symbol}',
        200,
        (b) =>
            hasItems(b, (i) => i.symbol === symbol && hasFields(i, ['ts', 'open', 'high', 'low', 'close', 'volume'])) &&
            b.items.length > 0,
    );
    expectJson(snapshot(), 'GET /api/market/snapshot', 200, (b) =>
        hasItems(b) &&
        b.items.some(
            (/** @type {any} */ i) =>
                i.symbol === symbol && typeof i.lastClose === 'number' && hasFields(i, ['change1d', 'change7d', 'volume30d']),
        ),
    );
}

/**
 * @param {string} symbol
 * @returns {string | number | null} id of the created note
 */
function research(symbol) {
    const note = noteBody(symbol);
    const created = expectJson(createNote(note), 'POST /api/research', 201, (b) =>
        hasFields(b, ['id', 'createdAt']) && b.symbol === symbol && b.title === note.title,
    );
    expectJson(
        createNote(/** @type {any} */ ({}), { expect: [400, 422] }),
        'POST /api/research (invalid body)',
        [400, 422],
        isError,
    );
    expectJson(latestNotes(5), 'GET /api/research/latest', 200, (b) => hasItems(b) && b.items.length <= 5);
    expectJson(
        searchNotes({ symbol, limit: 5 }),
        'GET /api/research?symbol=',
        200,
        (b) => hasItems(b, (i) => i.symbol === symbol) && 'nextCursor' in b,
    );
    if (!created) {
        return null;
    }
    expectJson(getNote(created.id), 'GET /api/research/{id}', 200, (b) => String(b.id) === String(created.id));
    expectJson(getNote('999999999', { expect: [400, 404] }), 'GET /api/research/{unknown}', [400, 404], isError);
    return created.id;
}

/**
 * @param {string} symbol
 * @param {string | number | null} noteId
 */
function pitchesAndTrades(symbol, noteId) {
    const pitch = pitchBody(symbol, 'buy', noteId === null ? undefined : [noteId]);
    if (API_TOKEN) {
        const res = createPitch(pitch, { noAuth: true, expect: [401, 403] });
        expectJson(res, 'POST /api/pitches without token', [401, 403], isError);
    }
    const created = expectJson(createPitch(pitch), 'POST /api/pitches', 201, (b) =>
        hasFields(b, ['id', 'version']) && b.status === 'draft' && b.symbol === symbol,
    );
    expectJson(listPitches({ symbol, status: 'draft', limit: 5 }), 'GET /api/pitches?symbol=&status=', 200, (b) =>
        hasItems(b, (i) => i.symbol === symbol && i.status === 'draft'),
    );
    if (!created) {
        return;
    }
    expectJson(getPitch(created.id), 'GET /api/pitches/{id}', 200, (b) => String(b.id) === String(created.id));
    expectJson(
        patchPitchStatus(created.id, 'approved', created.version + 1000, { expect: [409] }),
        'PATCH /api/pitches/{id}/status (stale version)',
        409,
        isError,
    );
    const approved = expectJson(
        patchPitchStatus(created.id, 'approved', created.version),
        'PATCH /api/pitches/{id}/status',
        200,
        (b) => b.status === 'approved',
    );
    if (!approved) {
        return;
    }
    expectJson(
        patchPitchStatus(created.id, 'draft', approved.version, { expect: [422] }),
        'PATCH /api/pitches/{id}/status (illegal transition)',
        422,
        isError,
    );
    const key = uuid();
    const order = tradeBody(created.id, pitch.entryPrice, 10);
    const trade = expectJson(createTrade(order, key), 'POST /api/trades', 201, (b) => hasFields(b, ['id']));
    if (trade) {
        expectJson(
            createTrade(order, key),
            'POST /api/trades (idempotent replay)',
            [200, 201],
            (b) => String(b.id) === String(trade.id),
        );
    }
    expectJson(getPitch(created.id), 'GET /api/pitches/{id} (executed)', 200, (b) => b.status === 'executed');
    expectJson(positions(), 'GET /api/positions', 200, (b) => hasItems(b));
    expectJson(portfolioSummary(), 'GET /api/portfolio/summary', 200, isObject);
}

export const handleSummary = summaryFor('smoke');
