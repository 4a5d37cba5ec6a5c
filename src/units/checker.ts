import { registerUnitKind } from '../kernel/registry.js';
import { elementWidth, record } from './params.js';
import type { UnitContext } from '../kernel/unit-kind.js';

export interface CheckerParams {
  expected: readonly number[] | readonly (readonly number[])[];
  /** Largest accepted absolute difference; 0 (exact) by default. */
  tolerance?: number;
}

/** Dequeues and compares each element with the expected one; fails on the first difference. */
export const checker = registerUnitKind<CheckerParams>({
  kind: 'checker',
  ports(params) {
    const p = record(params, 'checker', ['expected', 'tolerance']);
    if (!Array.isArray(p['expected'])) throw new Error('checker needs an expected array');
    const width = elementWidth(p['expected'], 'checker expected');
    const tolerance = p['tolerance'];
    if (tolerance !== undefined && !(typeof tolerance === 'number' && tolerance >= 0)) {
      throw new Error(`checker tolerance must be a non-negative number, got ${String(tolerance)}`);
    }
    return { inputs: ['in'], outputs: [], ...(width === null ? {} : { widths: { in: width } }) };
  },
  *run(ctx: UnitContext, params) {
    const input = ctx.input('in');
    const tolerance = params.tolerance ?? 0;
    const expected = params.expected;
    const actual = new Float64Array(input.width);
    for (let i = 0; ; i++) {
      while (!input.ready()) yield;
      if (input.ended) {
        if (i < expected.length) throw new Error(`stream ended after ${i} of ${expected.length} expected elements`);
        return;
      }
      if (i >= expected.length) throw new Error(`more than the ${expected.length} expected elements`);
      if (input.width === 1) actual[0] = input.dequeue();
      else input.dequeueVector(actual);
      const want = expected[i]!;
      const wanted = typeof want === 'number' ? [want] : want;
      for (let j = 0; j < actual.length; j++) {
        // Object.is: a NaN expected is a NaN got (any difference from it is NaN, never within a tolerance).
        if (!(Math.abs(actual[j]! - wanted[j]!) <= tolerance) && !Object.is(actual[j], wanted[j])) {
          const shown = typeof want === 'number' ? String(want) : `[${wanted.join(', ')}]`;
          const got = input.width === 1 ? String(actual[0]) : `[${[...actual].join(', ')}]`;
          throw new Error(`element ${i}: expected ${shown}, got ${got} (tolerance ${tolerance})`);
        }
      }
    }
  },
});
