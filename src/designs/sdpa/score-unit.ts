import { registerUnitKind } from '../../kernel/registry.js';
import { exp } from './exp.js';
import { sdpaUnitParams } from './params.js';
import type { UnitContext, UnitKind } from '../../kernel/unit-kind.js';
import type { SdpaUnitParams } from './params.js';

/**
 * QKTExp (naive design: exp of the score on `short` and `long`) and QKT (modified design:
 * the raw score on `qk`). Per row: peekNext(Q), peekNext(K), q = dequeue(Q); then N times:
 * k = dequeue(K); c = t; wait for room on every output; emit s at c + L on each; incr(II).
 */
function scoreUnit(kind: string, outputs: readonly string[], exponentiate: boolean): UnitKind<SdpaUnitParams> {
  return registerUnitKind<SdpaUnitParams>({
    kind,
    ports(params) {
      sdpaUnitParams(params, kind);
      return { inputs: ['q', 'k'], outputs };
    },
    *run(ctx: UnitContext, { n, d, latency, ii }) {
      const q = ctx.input('q');
      const k = ctx.input('k');
      const outs = outputs.map((port) => ctx.output(port));
      const qv = new Float64Array(d);
      const kv = new Float64Array(d);
      const scale = 1 / Math.sqrt(d);
      for (let i = 0; i < n; i++) {
        while (!q.ready()) yield;
        q.peekNextVector(qv);
        while (!k.ready()) yield;
        k.peekNextVector(kv);
        q.dequeueVector(qv);
        for (let j = 0; j < n; j++) {
          while (!k.ready()) yield;
          k.dequeueVector(kv);
          const c = ctx.time;
          for (let o = 0; o < outs.length; o++) while (!outs[o]!.ready()) yield;
          let s = 0;
          for (let x = 0; x < d; x++) s += qv[x]! * kv[x]!;
          s *= scale;
          if (exponentiate) s = exp(s);
          for (let o = 0; o < outs.length; o++) outs[o]!.enqueue(s, c + latency);
          ctx.incr(ii);
        }
      }
    },
  });
}

export const qktExp = scoreUnit('sdpa.qktexp', ['short', 'long'], true);
export const qkt = scoreUnit('sdpa.qkt', ['qk'], false);
