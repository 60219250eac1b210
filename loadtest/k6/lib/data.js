// Data seeding through the public API and request-body factories.
//
// Seeding is idempotent-friendly: the instrument universe uses deterministic symbols
// (PUT /api/instruments/{symbol} is an upsert) and bar prices are a pure function of
// (symbol, day), so re-running setup() rewrites the same rows instead of adding new ones.
// Research notes are append-only, so ensureNotes() reuses existing ones before adding more.
import http from 'k6/http';
import { postBars, searchNotes } from './api.js';
import { body, isObject } from './checks.js';
import { REQUEST_TIMEOUT, envInt, url, writeHeaders } from './config.js';

/**
 * @typedef {object} Bar
 * @property {string} symbol
 * @property {string} ts - ISO-8601 instant
 * @property {number} open
 * @property {number} high
 * @property {number} low
 * @property {number} close
 * @property {number} volume
 */

/**
 * @typedef {object} NoteBody
 * @property {string} symbol
 * @property {string} model
 * @property {string} title
 * @property {string} body
 * @property {Record<string, unknown>} payload
 * @property {string[]} tags
 */

/**
 * @typedef {object} PitchBody
 * @property {string} symbol
 * @property {'buy' | 'sell'} side
 * @property {string} thesis
 * @property {number} entryPrice
 * @property {number} targetPrice
 * @property {number} stopPrice
 * @property {number} confidence
 * @property {Array<string | number>} [researchIds]
 */

/**
 * @typedef {object} TradeBody
 * @property {string | number} pitchId
 * @property {number} quantity
 * @property {number} price
 */

/** Prefix of the load-test instrument universe (letters only, so symbols fit strict validators). */
export const SYMBOL_PREFIX = (__ENV.SYMBOL_PREFIX || 'LT').toUpperCase();

/** Tag put on every research note the load tests create, to tell them apart from real data. */
export const LOADTEST_TAG = 'loadtest';

/** Maximum bars per POST /api/market/bars call (the server's limit is 5000). */
export const BARS_CHUNK = Math.min(envInt('BARS_CHUNK', 5000), 5000);

/** Requests per http.batch() call while seeding. */
const SEED_BATCH = envInt('SEED_BATCH', 20);

const MODELS = ['momentum', 'mean-reversion', 'value', 'carry', 'pairs', 'breakout'];
const DAY_MS = 24 * 60 * 60 * 1000;
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

// --- randomness ----------------------------------------------------------------------

/**
 * 32-bit FNV-1a hash of a string.
 * @param {string} s
 * @returns {number}
 */
function hash(s) {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {
        h ^= s.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
}

/**
 * Deterministic uniform number in [0, 1) for a key.
 * @param {string} key
 * @returns {number}
 */
function unit(key) {
    return hash(key) / 4294967296;
}

/**
 * @param {number} min
 * @param {number} max
 * @returns {number} uniform in [min, max)
 */
export function randomBetween(min, max) {
    return min + Math.random() * (max - min);
}

/**
 * @param {number} min
 * @param {number} max
 * @returns {number} integer in [min, max]
 */
export function randomInt(min, max) {
    return Math.floor(randomBetween(min, max + 1));
}

/**
 * @template T
 * @param {readonly T[]} items - must not be empty
 * @returns {T}
 */
export function pick(items) {
    if (items.length === 0) {
        throw new Error('pick() from an empty list');
    }
    return items[Math.floor(Math.random() * items.length)];
}

/**
 * @param {number} x
 * @returns {number} x rounded to cents
 */
function cents(x) {
    return Math.round(x * 100) / 100;
}

/**
 * A random RFC 4122 version-4 UUID (Math.random based; fine for idempotency keys).
 * @returns {string}
 */
export function uuid() {
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
        const r = Math.floor(Math.random() * 16);
        return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
    });
}

// --- symbols -------------------------------------------------------------------------

/**
 * The i-th symbol of the load-test universe: LTAAA, LTAAB, ... (i from 0, up to 26^3 - 1).
 * @param {number} i
 * @returns {string}
 */
export function symbolAt(i) {
    if (i < 0 || i >= 26 * 26 * 26) {
        throw new Error(`symbol index ${i} out of range`);
    }
    const a = LETTERS[Math.floor(i / 676)];
    const b = LETTERS[Math.floor(i / 26) % 26];
    const c = LETTERS[i % 26];
    return `${SYMBOL_PREFIX}${a}${b}${c}`;
}

/**
 * The first n symbols of the deterministic universe.
 * @param {number} n
 * @returns {string[]}
 */
export function universe(n) {
    return Array.from({ length: n }, (_, i) => symbolAt(i));
}

/**
 * A random symbol from the first `size` symbols of the universe.
 * @param {number} size
 * @returns {string}
 */
export function randomSymbol(size) {
    return symbolAt(Math.floor(Math.random() * size));
}

// --- body factories ------------------------------------------------------------------

/**
 * @param {string} symbol
 * @returns {{name: string, assetClass: string, currency: string}}
 */
export function instrumentBody(symbol) {
    return { name: `Load test instrument ${symbol}`, assetClass: 'equity', currency: 'USD' };
}

/**
 * Deterministic close price of `symbol` on epoch day `day`: two slow waves plus noise.
 * @param {string} symbol
 * @param {number} day - days since 1970-01-01 (UTC)
 * @returns {number}
 */
function closeOn(symbol, day) {
    const base = 20 + (hash(symbol) % 480);
    const phase = unit(`${symbol}:phase`) * 2 * Math.PI;
    const wave = 0.15 * Math.sin(day / 17 + phase) + 0.05 * Math.sin(day / 5 + 2 * phase);
    const noise = (unit(`${symbol}:${day}`) - 0.5) * 0.04;
    return Math.max(1, cents(base * (1 + wave + noise)));
}

/**
 * Daily bars (UTC midnight) for the `days` days ending today, a pure function of (symbol, day).
 * @param {string} symbol
 * @param {number} days
 * @returns {Bar[]}
 */
export function dailyBars(symbol, days) {
    const today = Math.floor(Date.now() / DAY_MS);
    /** @type {Bar[]} */
    const bars = [];
    for (let day = today - days + 1; day <= today; day++) {
        const close = closeOn(symbol, day);
        const open = Math.max(1, cents(closeOn(symbol, day - 1) * (1 + (unit(`${symbol}:${day}:o`) - 0.5) * 0.01)));
        const high = cents(Math.max(open, close) * (1 + unit(`${symbol}:${day}:h`) * 0.015));
        const low = cents(Math.min(open, close) * (1 - unit(`${symbol}:${day}:l`) * 0.015));
        const volume = 100000 + Math.floor(unit(`${symbol}:${day}:v`) * 4900000);
        bars.push({ symbol, ts: new Date(day * DAY_MS).toISOString(), open, high, low, close, volume });
    }
    return bars;
}

/**
 * @param {string} symbol
 * @returns {NoteBody}
 */
export function noteBody(symbol) {
    const model = pick(MODELS);
    const score = cents(randomBetween(-1, 1));
    return {
        symbol,
        model,
        title: `${model} signal on ${symbol}`,
        body:
            `Load-test note. The ${model} model scores ${symbol} at ${score} ` +
            `over a ${randomInt(5, 60)}-day horizon; see payload for the feature vector.`,
        payload: {
            score,
            horizonDays: randomInt(5, 60),
            features: { zScore: cents(randomBetween(-3, 3)), vol30d: cents(randomBetween(0.1, 0.8)) },
            generatedBy: 'k6',
        },
        tags: [LOADTEST_TAG, model],
    };
}

/**
 * A consistent pitch: buy keeps stop < entry < target, sell keeps target < entry < stop.
 * @param {string} symbol
 * @param {'buy' | 'sell'} [side] - random when omitted
 * @param {Array<string | number>} [researchIds]
 * @returns {PitchBody}
 */
export function pitchBody(symbol, side, researchIds) {
    const s = side || (Math.random() < 0.5 ? 'buy' : 'sell');
    const entry = cents(randomBetween(10, 500));
    const up = cents(entry * randomBetween(1.05, 1.25));
    const down = cents(entry * randomBetween(0.8, 0.95));
    /** @type {PitchBody} */
    const pitch = {
        symbol,
        side: s,
        thesis: `Load-test ${s} thesis for ${symbol}: entry ${entry}, risk/reward skewed by the model signal.`,
        entryPrice: entry,
        targetPrice: s === 'buy' ? up : down,
        stopPrice: s === 'buy' ? down : up,
        confidence: cents(randomBetween(0.5, 0.95)),
    };
    if (researchIds && researchIds.length) {
        pitch.researchIds = researchIds;
    }
    return pitch;
}

/**
 * @param {string | number} pitchId
 * @param {number} price
 * @param {number} [quantity]
 * @returns {TradeBody}
 */
export function tradeBody(pitchId, price, quantity) {
    return { pitchId, quantity: quantity || randomInt(1, 100) * 10, price };
}

// --- seeding (setup() only) ----------------------------------------------------------

/**
 * Throws (which fails setup() and so the run) unless the response status is allowed.
 * @param {import('k6/http').Response} res
 * @param {number[]} allowed
 * @param {string} what
 */
function ensure(res, allowed, what) {
    if (!allowed.includes(res.status)) {
        const text = typeof res.body === 'string' ? res.body.slice(0, 300) : '';
        throw new Error(`seeding failed: ${what} -> HTTP ${res.status} ${res.error || ''} ${text}`);
    }
}

/**
 * Upserts the instruments (PUT is idempotent); returns how many were sent.
 * @param {string[]} symbols
 * @returns {number}
 */
export function seedInstruments(symbols) {
    for (let i = 0; i < symbols.length; i += SEED_BATCH) {
        const chunk = symbols.slice(i, i + SEED_BATCH);
        const responses = http.batch(
            chunk.map((symbol) => ({
                method: 'PUT',
                url: url(`/api/instruments/${encodeURIComponent(symbol)}`),
                body: JSON.stringify(instrumentBody(symbol)),
                params: {
                    headers: writeHeaders(),
                    tags: { name: 'PUT /api/instruments/{symbol}', kind: 'seed' },
                    timeout: REQUEST_TIMEOUT,
                },
            })),
        );
        responses.forEach((res, j) => ensure(res, [200, 201], `PUT /api/instruments/${chunk[j]}`));
    }
    return symbols.length;
}

/**
 * Upserts `days` daily bars for every symbol, in POSTs of at most BARS_CHUNK bars.
 * Returns the number of bars sent.
 * @param {string[]} symbols
 * @param {number} days
 * @returns {number}
 */
export function seedBars(symbols, days) {
    /** @type {Bar[]} */
    let pending = [];
    let sent = 0;
    const flush = () => {
        if (pending.length === 0) {
            return;
        }
        const res = postBars(pending, { kind: 'seed' });
        ensure(res, [200], `POST /api/market/bars (${pending.length} bars)`);
        sent += pending.length;
        pending = [];
    };
    for (const symbol of symbols) {
        for (const bar of dailyBars(symbol, days)) {
            pending.push(bar);
            if (pending.length >= BARS_CHUNK) {
                flush();
            }
        }
    }
    flush();
    return sent;
}

/**
 * Creates n research notes on random symbols from `symbols`; returns their ids.
 * @param {number} n
 * @param {string[]} symbols
 * @returns {Array<string | number>}
 */
export function seedNotes(n, symbols) {
    /** @type {Array<string | number>} */
    const ids = [];
    for (let i = 0; i < n; i += SEED_BATCH) {
        const count = Math.min(SEED_BATCH, n - i);
        const responses = http.batch(
            Array.from({ length: count }, () => ({
                method: 'POST',
                url: url('/api/research'),
                body: JSON.stringify(noteBody(pick(symbols))),
                params: {
                    headers: writeHeaders(),
                    tags: { name: 'POST /api/research', kind: 'seed' },
                    timeout: REQUEST_TIMEOUT,
                },
            })),
        );
        for (const res of responses) {
            ensure(res, [201], 'POST /api/research');
            const b = body(res);
            if (!isObject(b) || b.id === undefined || b.id === null) {
                throw new Error(`seeding failed: POST /api/research returned no id: ${String(res.body).slice(0, 200)}`);
            }
            ids.push(b.id);
        }
    }
    return ids;
}

/**
 * Collects up to `max` existing research-note ids by paging GET /api/research.
 * @param {number} max
 * @param {{symbol?: string, model?: string, tag?: string}} [filter]
 * @returns {Array<string | number>}
 */
export function collectNoteIds(max, filter) {
    /** @type {Array<string | number>} */
    const ids = [];
    /** @type {string | null} */
    let cursor = null;
    const pageSize = Math.min(100, max);
    // Bounded: never more pages than needed to reach max at one id per page.
    for (let page = 0; page < max && ids.length < max; page++) {
        const res = searchNotes(Object.assign({ limit: pageSize, cursor }, filter || {}), { kind: 'seed' });
        ensure(res, [200], 'GET /api/research');
        const b = body(res);
        if (!isObject(b) || !Array.isArray(b.items)) {
            throw new Error(`GET /api/research returned no items array: ${String(res.body).slice(0, 200)}`);
        }
        for (const item of b.items) {
            if (isObject(item) && item.id !== undefined && ids.length < max) {
                ids.push(item.id);
            }
        }
        cursor = typeof b.nextCursor === 'string' && b.nextCursor ? b.nextCursor : null;
        if (!cursor || b.items.length === 0) {
            break;
        }
    }
    return ids;
}

/**
 * At least n research-note ids: existing ones first, topped up with new notes.
 * @param {number} n
 * @param {string[]} symbols - symbols for any notes that have to be created
 * @returns {Array<string | number>}
 */
export function ensureNotes(n, symbols) {
    const ids = collectNoteIds(n);
    if (ids.length < n) {
        return ids.concat(seedNotes(n - ids.length, symbols));
    }
    return ids;
}

/**
 * Seeds the default universe used by most scripts: `instruments` symbols (upsert) and,
 * when days > 0, `days` daily bars for each. Returns the symbols.
 * @param {number} instruments
 * @param {number} days
 * @returns {string[]}
 */
export function seedUniverse(instruments, days) {
    const symbols = universe(instruments);
    seedInstruments(symbols);
    if (days > 0) {
        seedBars(symbols, days);
    }
    return symbols;
}
