import { registerUnitKind } from '../kernel/registry.js';
import { numberedPorts, positiveInteger, record } from './params.js';
import type { UnitContext } from '../kernel/unit-kind.js';

export interface BroadcastParams {
  /** Number of outputs, ports out0 .. out{k-1}. */
  outputs: number;
  latency?: number;
  ii?: number;
}

/**
 * Copies each input element to every output: it waits for room on all outputs before
 * enqueueing any, so every copy carries the same stamp (t + latency); then incr(ii).
 */
export const broadcast = registerUnitKind<BroadcastParams>({
  kind: 'broadcast',
  ports(params) {
    const p = record(params, 'broadcast', ['outputs', 'latency', 'ii']);
    positiveInteger(p['latency'], 'broadcast latency', 1);
    positiveInteger(p['ii'], 'broadcast ii', 1);
    const outputs = numberedPorts('out', positiveInteger(p['outputs'], 'broadcast outputs'));
    return { inputs: ['in'], outputs, sameWidth: [['in', ...outputs]] };
  },
  *run(ctx: UnitContext, params) {
    const input = ctx.input('in');
    const outputs = numberedPorts('out', params.outputs).map((port) => ctx.output(port));
    const latency = params.latency ?? 1;
    const ii = params.ii ?? 1;
    const vector = new Float64Array(input.width);
    for (;;) {
      while (!input.ready()) yield;
      if (input.ended) return;
      const scalar = input.width === 1 ? input.dequeue() : (input.dequeueVector(vector), 0);
      for (const out of outputs) while (!out.ready()) yield;
      const stamp = ctx.time + latency;
      for (const out of outputs) {
        if (input.width === 1) out.enqueue(scalar, stamp);
        else out.enqueueVector(vector, stamp);
      }
      ctx.incr(ii);
    }
  },
});
