import { registerUnitKind } from '../../kernel/registry.js';
import { sdpaUnitParams } from './params.js';
import { exp } from './exp.js';
import { rescaleFactor } from './running-max.js';
import type { UnitContext } from '../../kernel/unit-kind.js';
import type { SdpaUnitParams } from './params.js';

/** The modified design's units after QKT (spec section 2.2). */

/**
 * Per score s (m = -inf at each row start): c = t; m' = max(m, s); delta = exp(m - m');
 * e = exp(s - m'); emit delta on delta1, delta2, then e on e1, e2, all at c + L; incr(II).
 */
export const runningMax = registerUnitKind<SdpaUnitParams>({
  kind: 'sdpa.runningmax',
  ports(params) {
    sdpaUnitParams(params, 'sdpa.runningmax');
    return { inputs: ['qk'], outputs: ['delta1', 'delta2', 'e1', 'e2'] };
  },
  *run(ctx: UnitContext, { n, latency, ii }) {
    const qk = ctx.input('qk');
    const delta1 = ctx.output('delta1');
    const delta2 = ctx.output('delta2');
    const e1 = ctx.output('e1');
    const e2 = ctx.output('e2');
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      for (let j = 0; j < n; j++) {
        while (!qk.ready()) yield;
        const s = qk.dequeue();
        const c = ctx.time;
        const next = s > m ? s : m;
        const delta = rescaleFactor(m, next);
        const e = exp(s - next);
        m = next;
        while (!delta1.ready()) yield;
        delta1.enqueue(delta, c + latency);
        while (!delta2.ready()) yield;
        delta2.enqueue(delta, c + latency);
        while (!e1.ready()) yield;
        e1.enqueue(e, c + latency);
        while (!e2.ready()) yield;
        e2.enqueue(e, c + latency);
        ctx.incr(ii);
      }
    }
  },
});

/** Per element: peekNext(delta1), peekNext(e1); dequeue both; r = r * delta + e; emit r at the row's end. */
export const runningSum = registerUnitKind<SdpaUnitParams>({
  kind: 'sdpa.runningsum',
  ports(params) {
    sdpaUnitParams(params, 'sdpa.runningsum');
    return { inputs: ['delta1', 'e1'], outputs: ['rowsum'] };
  },
  *run(ctx: UnitContext, { n, latency, ii }) {
    const delta1 = ctx.input('delta1');
    const e1 = ctx.input('e1');
    const rowsum = ctx.output('rowsum');
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let j = 0; j < n; j++) {
        while (!delta1.ready()) yield;
        delta1.peekNext();
        while (!e1.ready()) yield;
        e1.peekNext();
        r = r * delta1.dequeue() + e1.dequeue();
        if (j === n - 1) {
          while (!rowsum.ready()) yield;
          rowsum.enqueue(r, ctx.time + latency);
        }
        ctx.incr(ii);
      }
    }
  },
});

/** Per element: peekNext(delta2), peekNext(e2), peekNext(V); dequeue all; o = o * delta + e * v. */
export const runningOut = registerUnitKind<SdpaUnitParams>({
  kind: 'sdpa.runningout',
  ports(params) {
    sdpaUnitParams(params, 'sdpa.runningout');
    return { inputs: ['delta2', 'e2', 'v'], outputs: ['outp'] };
  },
  *run(ctx: UnitContext, { n, d, latency, ii }) {
    const delta2 = ctx.input('delta2');
    const e2 = ctx.input('e2');
    const v = ctx.input('v');
    const outp = ctx.output('outp');
    const vv = new Float64Array(d);
    const o = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      o.fill(0);
      for (let j = 0; j < n; j++) {
        while (!delta2.ready()) yield;
        delta2.peekNext();
        while (!e2.ready()) yield;
        e2.peekNext();
        while (!v.ready()) yield;
        v.peekNextVector(vv);
        const delta = delta2.dequeue();
        const e = e2.dequeue();
        v.dequeueVector(vv);
        for (let x = 0; x < d; x++) o[x] = o[x]! * delta + e * vv[x]!;
        if (j === n - 1) {
          while (!outp.ready()) yield;
          outp.enqueueVector(o, ctx.time + latency);
        }
        ctx.incr(ii);
      }
    }
  },
});

/** Per row: o = dequeue(outp); r = dequeue(rowsum); emit o / r on `final` at t + L; incr(II). */
export const modifiedDiv = registerUnitKind<SdpaUnitParams>({
  kind: 'sdpa.div',
  ports(params) {
    sdpaUnitParams(params, 'sdpa.div');
    return { inputs: ['outp', 'rowsum'], outputs: ['final'] };
  },
  *run(ctx: UnitContext, { n, d, latency, ii }) {
    const outp = ctx.input('outp');
    const rowsum = ctx.input('rowsum');
    const final = ctx.output('final');
    const o = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      while (!outp.ready()) yield;
      outp.dequeueVector(o);
      while (!rowsum.ready()) yield;
      const r = rowsum.dequeue();
      for (let x = 0; x < d; x++) o[x] = o[x]! / r;
      while (!final.ready()) yield;
      final.enqueueVector(o, ctx.time + latency);
      ctx.incr(ii);
    }
  },
});
