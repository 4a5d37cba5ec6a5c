import { Peek } from '../kernel/input.js';
import { registerUnitKind } from '../kernel/registry.js';
import { numberedPorts, positiveInteger, record } from './params.js';
import type { UnitContext } from '../kernel/unit-kind.js';

export interface MergeParams {
  /** Number of inputs, ports in0 .. in{k-1}; 2 by default. */
  inputs?: number;
  latency?: number;
  ii?: number;
}

/**
 * Time-ordered merge of timed streams: it forwards the element with the earliest time,
 * ties going to the lowest input. Before taking an element stamped e it waits, with timed
 * peek, until no empty input can still deliver an earlier one (or an equal one from a lower
 * input). It never moves its clock on a "nothing yet", so its timing does not depend on
 * when the other streams' senders happened to run.
 */
export const merge = registerUnitKind<MergeParams>({
  kind: 'merge',
  ports(params) {
    const p = record(params, 'merge', ['inputs', 'latency', 'ii']);
    positiveInteger(p['latency'], 'merge latency', 1);
    positiveInteger(p['ii'], 'merge ii', 1);
    const inputs = numberedPorts('in', positiveInteger(p['inputs'], 'merge inputs', 2));
    return { inputs, outputs: ['out'], sameWidth: [[...inputs, 'out']] };
  },
  *run(ctx: UnitContext, params) {
    const inputs = numberedPorts('in', params?.inputs ?? 2).map((port) => ctx.input(port));
    const out = ctx.output('out');
    const latency = params?.latency ?? 1;
    const ii = params?.ii ?? 1;
    const vector = new Float64Array(out.width);
    for (;;) {
      let best = -1;
      let bestTime = Infinity;
      let open = 0;
      for (let i = 0; i < inputs.length; i++) {
        const state = inputs[i]!.peek();
        if (state === Peek.Something) {
          const t = inputs[i]!.headTime;
          if (t < bestTime) {
            best = i;
            bestTime = t;
          }
        } else if (state === Peek.Nothing) {
          open++;
        }
      }
      if (best < 0) {
        if (open === 0) return;
        for (const input of inputs) input.ready();
        yield;
        continue;
      }
      let settled = true;
      for (let i = 0; i < inputs.length; i++) {
        // A lower input wins ties, so it must be quiet through bestTime; a higher one before it.
        if (i !== best && !inputs[i]!.quietUntil(i < best ? bestTime : bestTime - 1)) settled = false;
      }
      if (!settled) {
        yield;
        continue;
      }
      while (!out.ready()) yield;
      const input = inputs[best]!;
      if (out.width === 1) out.enqueue(input.dequeue(), ctx.time + latency);
      else out.enqueueVector(input.dequeueVector(vector), ctx.time + latency);
      ctx.incr(ii);
    }
  },
});
