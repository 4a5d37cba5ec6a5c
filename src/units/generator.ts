import { registerUnitKind } from '../kernel/registry.js';
import { show } from '../kernel/errors.js';
import { elementWidth, nonNegativeInteger, positiveInteger, record } from './params.js';
import type { UnitContext } from '../kernel/unit-kind.js';

export interface GeneratorParams {
  /** Scalars, or vectors (one token each) for a channel of that width. */
  values?: readonly number[] | readonly (readonly number[])[];
  /** Instead of values: `count` elements start, start + step, ... */
  count?: number;
  start?: number;
  step?: number;
  /** Instead of values: element i is fn(i). Single-thread only: a function is not plain data. */
  fn?: (i: number) => number;
  /** Emit element i at times[i] (non-decreasing) instead of one element per cycle. */
  times?: readonly number[];
}

/**
 * One element per cycle: for each item, wait for room, emit at t + 1, then incr(1).
 * With `times`, a timed stream: advance to times[i] - 1 and emit at times[i].
 */
export const generator = registerUnitKind<GeneratorParams>({
  kind: 'generator',
  ports(params) {
    elementCount(params);
    // Elements of fn(i) are known only as it runs; the others fix the width.
    if (params.fn !== undefined) return { inputs: [], outputs: ['out'] };
    const values = params.values;
    const width = values === undefined ? 1 : elementWidth(values, 'generator values');
    return { inputs: [], outputs: ['out'], ...(width === null ? {} : { widths: { out: width } }) };
  },
  *run(ctx: UnitContext, params) {
    const out = ctx.output('out');
    const n = elementCount(params);
    const { values, fn, times } = params;
    const start = params.start ?? 0;
    const step = params.step ?? 1;
    // Values of fn(i) are computed as they are sent: it may count its calls.
    const mayCount = times === undefined && fn === undefined;
    for (let i = 0; i < n; i++) {
      while (!out.ready()) {
        yield;
        // Woken by a deadlock that left the receiver blocked for good: what is left goes at once.
        if (mayCount && out.stranded) {
          i += out.sendUndequeued(n - i);
          if (i === n) return;
        }
      }
      const stamp = times === undefined ? ctx.time + 1 : times[i]!;
      if (times !== undefined) ctx.advance(stamp - 1);
      const v = values === undefined ? (fn === undefined ? start + step * i : fn(i)) : values[i]!;
      if (typeof v === 'number') out.enqueue(v, stamp);
      else out.enqueueVector(v, stamp);
      if (times === undefined) ctx.incr(1);
    }
  },
});

const GENERATOR_PARAMS = ['values', 'count', 'start', 'step', 'fn', 'times'];

function elementCount(params: GeneratorParams): number {
  const p = record(params, 'generator', GENERATOR_PARAMS);
  // The elements come from one source: with two, one of them would be ignored without a word.
  if (p['values'] !== undefined) {
    const others = ['count', 'start', 'step', 'fn'].filter((key) => p[key] !== undefined);
    if (others.length > 0)
      throw new Error(`generator takes values or count (with start and step, or fn), not values and ${others.join(', ')}`);
    if (!Array.isArray(p['values'])) throw new Error('generator values must be an array');
  }
  const count = p['values'] === undefined ? nonNegativeInteger(p['count'], 'generator count (or values)') : undefined;
  if (p['fn'] !== undefined) {
    if (typeof p['fn'] !== 'function') throw new Error('generator fn must be a function');
    if (p['start'] !== undefined || p['step'] !== undefined) throw new Error('generator takes fn or start and step, not both');
  }
  for (const key of ['start', 'step']) {
    const x = p[key];
    if (x !== undefined && !(typeof x === 'number' && Number.isFinite(x)))
      throw new Error(`generator ${key} must be a finite number, got ${show(x)}`);
  }
  const n = count ?? (p['values'] as unknown[]).length;
  const times = p['times'];
  if (times !== undefined) {
    if (!Array.isArray(times) || times.length !== n) throw new Error(`generator times must list ${n} times`);
    for (let i = 0; i < n; i++) {
      // An element is stamped at least one cycle after its clock, which starts at 0.
      positiveInteger(times[i], `generator times[${i}]`);
      if (i > 0 && times[i] < times[i - 1]) throw new Error('generator times must not decrease');
    }
  }
  return n;
}
