import { registerUnitKind } from '../kernel/registry.js';
import { show } from '../kernel/errors.js';
import { record } from './params.js';
import type { UnitContext } from '../kernel/unit-kind.js';

export interface SinkParams {
  /** Hand every value back in the run result (flattened for vectors). */
  collect?: boolean;
}

export interface SinkReport {
  count: number;
  values?: number[];
}

/** Dequeues until end of stream; reports how many elements came, and optionally the values. */
export const sink = registerUnitKind<SinkParams>({
  kind: 'sink',
  ports(params) {
    const collect = record(params, 'sink', ['collect'])['collect'];
    if (collect !== undefined && typeof collect !== 'boolean') throw new Error(`sink collect must be true or false, got ${show(collect)}`);
    return { inputs: ['in'], outputs: [] };
  },
  *run(ctx: UnitContext, params) {
    const input = ctx.input('in');
    const values: number[] | undefined = params?.collect ? [] : undefined;
    const vector = new Float64Array(input.width);
    let count = 0;
    for (;;) {
      while (!input.ready()) yield;
      if (input.ended) break;
      if (input.width === 1) {
        const v = input.dequeue();
        values?.push(v);
      } else {
        input.dequeueVector(vector);
        // Element by element: a wide vector holds more values than a call takes arguments.
        if (values !== undefined) for (const v of vector) values.push(v);
      }
      count++;
    }
    ctx.report(values === undefined ? { count } : { count, values });
  },
});
