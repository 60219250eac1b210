// Response checks shared by the scripts. Check names start with the route template so
// the end-of-test summary shows which route failed (k6 aggregates checks by name).
import { check } from 'k6';

/**
 * The parsed JSON body, or null when the body is empty or not JSON.
 * Typed loosely on purpose: shapes are verified by the check predicates.
 * @param {import('k6/http').Response} res
 * @returns {any}
 */
export function body(res) {
    if (typeof res.body !== 'string' || res.body.length === 0) {
        return null;
    }
    try {
        return JSON.parse(res.body);
    } catch (_e) {
        return null;
    }
}

/**
 * @param {unknown} v
 * @returns {v is Record<string, any>}
 */
export function isObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * True for `{"items": [...]}`; with `itemCheck`, every item must also pass it.
 * @param {any} b
 * @param {(item: any) => boolean} [itemCheck]
 * @returns {boolean}
 */
export function hasItems(b, itemCheck) {
    return isObject(b) && Array.isArray(b.items) && (!itemCheck || b.items.every(itemCheck));
}

/**
 * True when `b` is an object whose listed fields are all present (not undefined).
 * @param {any} b
 * @param {string[]} fields
 * @returns {boolean}
 */
export function hasFields(b, fields) {
    return isObject(b) && fields.every((f) => b[f] !== undefined);
}

/**
 * Checks the status (one code or any of a list) and, optionally, the JSON shape.
 * Returns the parsed body when every check passed, otherwise null.
 * @param {import('k6/http').Response} res
 * @param {string} label - route template, e.g. "GET /api/research/{id}"
 * @param {number | number[]} status
 * @param {(b: any) => boolean} [shape]
 * @returns {any}
 */
export function expectJson(res, label, status, shape) {
    const allowed = Array.isArray(status) ? status : [status];
    const parsed = body(res);
    /** @type {import('k6').Checkers<import('k6/http').Response>} */
    const sets = {
        [`${label} -> ${allowed.join('|')}`]: (r) => allowed.includes(r.status),
    };
    if (shape) {
        sets[`${label} JSON shape`] = () => parsed !== null && shape(parsed);
    }
    return check(res, sets) ? parsed : null;
}

/**
 * Shape of an error body: {"error": code, "message": text, ...}.
 * @param {any} b
 * @returns {boolean}
 */
export function isError(b) {
    return isObject(b) && typeof b.error === 'string' && typeof b.message === 'string';
}
