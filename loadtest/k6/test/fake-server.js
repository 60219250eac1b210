// An in-memory fake of the service's HTTP contract, strict enough to catch scripts that
// send wrong bodies, headers or routes. It is not the service: it only lets the tests run
// the k6 scripts end to end without k6 or a server.

const ASSET_CLASSES = ['equity', 'etf', 'crypto', 'fx', 'future'];

/**
 * With `token`, every route but the probes, /openapi.json and /docs needs it (the server's API_AUTH=all);
 * with `metricsToken`, /metrics needs that one.
 * @param {{token?: string, metricsToken?: string}} [opts]
 */
export function createFakeServer(opts = {}) {
    const token = opts.token || '';
    const metricsToken = opts.metricsToken || '';
    const instruments = new Map();
    const bars = new Map(); // symbol -> Map(ts -> bar)
    const notes = [];
    const pitches = new Map();
    const trades = [];
    const tradeKeys = new Map();
    let nextId = 1;
    const now = () => new Date().toISOString();

    const json = (status, body, headers) => ({ status, body: JSON.stringify(body), headers: headers || {} });
    const error = (status, code, message) => json(status, { error: code, message, details: {} });

    function handle({ method, url, body, headers }) {
        const u = new URL(url);
        const path = u.pathname;
        const q = u.searchParams;
        const mutating = method !== 'GET' && method !== 'HEAD';
        const open = path.startsWith('/health/') || path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/');
        if (mutating && headers['Content-Type'] !== 'application/json') {
            return error(415, 'unsupported_media_type', 'JSON only');
        }
        if (path === '/metrics') {
            if (metricsToken && headers.Authorization !== `Bearer ${metricsToken}`) {
                return error(401, 'unauthorized', 'missing or wrong metrics token');
            }
            if (!metricsToken && headers.Authorization !== undefined) {
                return error(400, 'unexpected_auth', 'test: /metrics is open but Authorization sent');
            }
        } else if (token) {
            if (!open && headers.Authorization !== `Bearer ${token}`) {
                return error(401, 'unauthorized', 'missing or wrong token');
            }
        } else if (headers.Authorization !== undefined) {
            return error(400, 'unexpected_auth', 'test: no token configured but Authorization sent');
        }
        let payload = null;
        if (body) {
            try {
                payload = JSON.parse(body);
            } catch (_e) {
                return error(400, 'bad_json', 'body is not JSON');
            }
        }
        let m;
        if (method === 'GET' && path === '/health/live') return json(200, { status: 'up' });
        if (method === 'GET' && path === '/health/ready') return json(200, { status: 'ready' });
        if (method === 'GET' && path === '/api/health') return json(200, { status: 'ok', db: 'up' });
        if (method === 'GET' && path === '/metrics') return { status: 200, body: '# HELP up\nup 1\n' };
        if (method === 'GET' && path === '/openapi.json') return json(200, { openapi: '3.1.0', paths: {} });

        if (method === 'GET' && path === '/api/instruments') return json(200, { items: [...instruments.values()] });
        if ((m = /^\/api\/instruments\/([^/]+)$/.exec(path))) {
            const symbol = decodeURIComponent(m[1]);
            if (method === 'GET') {
                return instruments.has(symbol) ? json(200, instruments.get(symbol)) : error(404, 'not_found', symbol);
            }
            if (method === 'PUT') {
                if (!payload || typeof payload.name !== 'string' || !ASSET_CLASSES.includes(payload.assetClass) || !/^[A-Z]{3}$/.test(payload.currency)) {
                    return error(422, 'validation', 'bad instrument');
                }
                const existing = instruments.get(symbol);
                const inst = { symbol, name: payload.name, assetClass: payload.assetClass, currency: payload.currency, createdAt: existing ? existing.createdAt : now(), updatedAt: now() };
                instruments.set(symbol, inst);
                return json(existing ? 200 : 201, inst);
            }
        }

        if (method === 'POST' && path === '/api/market/bars') {
            if (!Array.isArray(payload) || payload.length === 0 || payload.length > 5000) {
                return error(422, 'validation', 'bars must be an array of 1..5000');
            }
            for (const b of payload) {
                if (!instruments.has(b.symbol)) return error(422, 'validation', `unknown symbol ${b.symbol}`);
                if (Number.isNaN(Date.parse(b.ts)) || !(b.low <= Math.min(b.open, b.close)) || !(b.high >= Math.max(b.open, b.close)) || !(b.low > 0) || !Number.isInteger(b.volume)) {
                    return error(422, 'validation', `bad bar ${JSON.stringify(b)}`);
                }
            }
            for (const b of payload) {
                if (!bars.has(b.symbol)) bars.set(b.symbol, new Map());
                bars.get(b.symbol).set(b.ts, b);
            }
            return json(200, { upserted: payload.length });
        }
        if (method === 'GET' && (m = /^\/api\/market\/bars\/([^/]+)$/.exec(path))) {
            const series = [...(bars.get(decodeURIComponent(m[1])) || new Map()).values()]
                .filter((b) => !q.get('from') || b.ts >= q.get('from'))
                .filter((b) => !q.get('to') || b.ts <= q.get('to'))
                .sort((a, b) => (a.ts < b.ts ? -1 : 1));
            return json(200, { items: series.slice(-(Number(q.get('limit')) || 1000)) });
        }
        if (method === 'GET' && path === '/api/market/snapshot') {
            const items = [...instruments.keys()].map((symbol) => {
                const series = [...(bars.get(symbol) || new Map()).values()].sort((a, b) => (a.ts < b.ts ? -1 : 1));
                const last = series[series.length - 1];
                return { symbol, lastClose: last ? last.close : null, change1d: 0, change7d: 0, volume30d: 0, positionQuantity: 0, marketValue: 0 };
            });
            return json(200, { items });
        }

        if (method === 'POST' && path === '/api/research') {
            if (!payload || !instruments.has(payload.symbol) || !payload.model || !payload.title || typeof payload.body !== 'string' || typeof payload.payload !== 'object' || !Array.isArray(payload.tags)) {
                return error(422, 'validation', 'bad note');
            }
            const note = Object.assign({ id: nextId++ }, payload, { createdAt: now() });
            notes.push(note);
            return json(201, note);
        }
        if (method === 'GET' && path === '/api/research/latest') {
            const limit = Number(q.get('limit')) || 10;
            return json(200, { items: notes.slice(-limit).reverse() });
        }
        if (method === 'GET' && path === '/api/research') {
            const limit = Number(q.get('limit')) || 50;
            const start = Number(q.get('cursor') || 0);
            const filtered = notes.filter((n) => !q.get('symbol') || n.symbol === q.get('symbol'));
            const items = filtered.slice(start, start + limit);
            const next = start + limit < filtered.length ? String(start + limit) : null;
            return json(200, { items, nextCursor: next });
        }
        if (method === 'GET' && (m = /^\/api\/research\/(\d+)$/.exec(path))) {
            const note = notes.find((n) => n.id === Number(m[1]));
            return note ? json(200, note) : error(404, 'not_found', 'no such note');
        }

        if (method === 'POST' && path === '/api/pitches') {
            const p = payload || {};
            const okPrices = p.side === 'buy' ? p.stopPrice < p.entryPrice && p.entryPrice < p.targetPrice : p.side === 'sell' ? p.targetPrice < p.entryPrice && p.entryPrice < p.stopPrice : false;
            if (!instruments.has(p.symbol) || !okPrices || !(p.confidence >= 0 && p.confidence <= 1) || typeof p.thesis !== 'string') {
                return error(422, 'validation', `bad pitch ${JSON.stringify(p)}`);
            }
            for (const id of p.researchIds || []) {
                if (!notes.some((n) => n.id === id)) return error(422, 'validation', `unknown note ${id}`);
            }
            const pitch = Object.assign({ id: nextId++ }, p, { status: 'draft', version: 1, createdAt: now() });
            pitches.set(pitch.id, pitch);
            return json(201, pitch);
        }
        if (method === 'GET' && path === '/api/pitches') {
            const items = [...pitches.values()]
                .filter((p) => !q.get('symbol') || p.symbol === q.get('symbol'))
                .filter((p) => !q.get('status') || p.status === q.get('status'))
                .slice(0, Number(q.get('limit')) || 50);
            return json(200, { items, nextCursor: null });
        }
        if (method === 'GET' && (m = /^\/api\/pitches\/(\d+)$/.exec(path))) {
            const p = pitches.get(Number(m[1]));
            return p ? json(200, p) : error(404, 'not_found', 'no such pitch');
        }
        if (method === 'PATCH' && (m = /^\/api\/pitches\/(\d+)\/status$/.exec(path))) {
            const p = pitches.get(Number(m[1]));
            if (!p) return error(404, 'not_found', 'no such pitch');
            if (payload.version !== p.version) return error(409, 'conflict', 'stale version');
            const legal = { draft: ['approved', 'rejected'], approved: [] };
            if (!(legal[p.status] || []).includes(payload.status)) return error(422, 'illegal_transition', `${p.status} -> ${payload.status}`);
            p.status = payload.status;
            p.version++;
            return json(200, p);
        }

        if (method === 'POST' && path === '/api/trades') {
            const key = headers['Idempotency-Key'];
            if (key && tradeKeys.has(key)) return json(200, tradeKeys.get(key));
            const p = pitches.get(payload.pitchId);
            if (!p) return error(422, 'validation', 'unknown pitch');
            if (p.status !== 'approved') return error(422, 'illegal_transition', `pitch is ${p.status}`);
            if (!(payload.quantity > 0) || !(payload.price > 0)) return error(422, 'validation', 'bad trade');
            const trade = { id: nextId++, pitchId: p.id, quantity: payload.quantity, price: payload.price, createdAt: now() };
            trades.push(trade);
            p.status = 'executed';
            p.version++;
            if (key) tradeKeys.set(key, trade);
            return json(201, trade);
        }
        if (method === 'GET' && path === '/api/positions') return json(200, { items: trades.map((t) => ({ pitchId: t.pitchId, quantity: t.quantity })) });
        if (method === 'GET' && path === '/api/portfolio/summary') return json(200, { positions: trades.length, marketValue: 0 });

        return error(404, 'not_found', `${method} ${path}`);
    }

    return { handle, instruments, bars, notes, pitches, trades };
}
