import { registerUnitKind } from '../../kernel/registry.js';
import { sdpaUnitParams } from './params.js';
import type { UnitContext } from '../../kernel/unit-kind.js';
import type { SdpaUnitParams } from './params.js';

/** The naive design's units after QKTExp (spec section 2.1). */

/** N times: x = dequeue(short); sum it; on the last element emit the sum at t + L; incr(II). */
export const rowSum = registerUnitKind<SdpaUnitParams>({
  kind: 'sdpa.rowsum',
  ports(params) {
    sdpaUnitParams(params, 'sdpa.rowsum');
    return { inputs: ['short'], outputs: ['rowsum'] };
  },
  *run(ctx: UnitContext, { n, latency, ii }) {
    const short = ctx.input('short');
    const rowsum = ctx.output('rowsum');
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) {
        while (!short.ready()) yield;
        sum += short.dequeue();
        if (j === n - 1) {
          while (!rowsum.ready()) yield;
          rowsum.enqueue(sum, ctx.time + latency);
        }
        ctx.incr(ii);
      }
    }
  },
});

/**
 * Per row: peekNext(long), peekNext(rowsum); x = dequeue(long); r = dequeue(rowsum);
 * emit x / r at t + L; incr(II); then N - 1 times: x = dequeue(long); emit x / r; incr(II).
 */
export const naiveDiv = registerUnitKind<SdpaUnitParams>({
  kind: 'sdpa.div-naive',
  ports(params) {
    sdpaUnitParams(params, 'sdpa.div-naive');
    return { inputs: ['long', 'rowsum'], outputs: ['div'] };
  },
  *run(ctx: UnitContext, { n, latency, ii }) {
    const long = ctx.input('long');
    const rowsum = ctx.input('rowsum');
    const div = ctx.output('div');
    for (let i = 0; i < n; i++) {
      while (!long.ready()) yield;
      long.peekNext();
      while (!rowsum.ready()) yield;
      rowsum.peekNext();
      const x = long.dequeue();
      const r = rowsum.dequeue();
      while (!div.ready()) yield;
      div.enqueue(x / r, ctx.time + latency);
      ctx.incr(ii);
      for (let j = 1; j < n; j++) {
        while (!long.ready()) yield;
        const y = long.dequeue();
        while (!div.ready()) yield;
        div.enqueue(y / r, ctx.time + latency);
        ctx.incr(ii);
      }
    }
  },
});

/** N times: p = dequeue(div); v = dequeue(V); accumulate p * v; on the last emit the row at t + L; incr(II). */
export const matVec = registerUnitKind<SdpaUnitParams>({
  kind: 'sdpa.matvec',
  ports(params) {
    sdpaUnitParams(params, 'sdpa.matvec');
    return { inputs: ['div', 'v'], outputs: ['out'] };
  },
  *run(ctx: UnitContext, { n, d, latency, ii }) {
    const div = ctx.input('div');
    const v = ctx.input('v');
    const out = ctx.output('out');
    const vv = new Float64Array(d);
    const acc = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      acc.fill(0);
      for (let j = 0; j < n; j++) {
        while (!div.ready()) yield;
        const p = div.dequeue();
        while (!v.ready()) yield;
        v.dequeueVector(vv);
        for (let x = 0; x < d; x++) acc[x] += p * vv[x]!;
        if (j === n - 1) {
          while (!out.ready()) yield;
          out.enqueueVector(acc, ctx.time + latency);
        }
        ctx.incr(ii);
      }
    }
  },
});
