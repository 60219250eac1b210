// Stand-in for k6/metrics: every add() is kept in state.samples by metric name.
import { state } from './state.js';

class Metric {
    constructor(name) {
        this.name = name;
        state.samples.set(name, state.samples.get(name) || []);
    }
    add(value) {
        state.samples.get(this.name).push(Number(value));
    }
}

export class Counter extends Metric {}
export class Gauge extends Metric {}
export class Rate extends Metric {}
export class Trend extends Metric {}

export default { Counter, Gauge, Rate, Trend };
