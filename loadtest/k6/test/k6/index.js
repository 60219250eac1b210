// Stand-in for the k6 module: check() records pass/fail counts by name.
import { state } from './state.js';

export function check(val, sets) {
    let all = true;
    for (const [name, fn] of Object.entries(sets)) {
        let ok = false;
        try {
            ok = Boolean(fn(val));
        } catch (_e) {
            ok = false;
        }
        const c = state.checks.get(name) || { passes: 0, fails: 0 };
        ok ? c.passes++ : c.fails++;
        state.checks.set(name, c);
        all = all && ok;
    }
    return all;
}

export function sleep() {}

export function group(_name, fn) {
    return fn();
}

export function fail(msg) {
    throw new Error(msg);
}

export default { check, sleep, group, fail };
