import { registerUnitKind } from '../../kernel/registry.js';
import { nonNegativeInteger, positiveInteger, record } from '../../units/params.js';
import { sdpaMatrix } from './data.js';
import type { UnitContext } from '../../kernel/unit-kind.js';
import type { MatrixName } from './data.js';

export interface SdpaSourceParams {
  seed: number;
  head: number;
  matrix: MatrixName;
  n: number;
  d: number;
  /** Times the whole matrix is streamed: 1 for Q, N for K and V (an on-chip buffer read N times). */
  repeat: number;
}

/**
 * Streams a seeded Q, K or V matrix, one row (a d-vector token) per cycle: for each row,
 * wait for room, emit at t + 1, incr(1). The matrix is regenerated from the seed in
 * whichever thread runs the unit.
 */
export const sdpaSource = registerUnitKind<SdpaSourceParams>({
  kind: 'sdpa.source',
  ports(params) {
    const p = record(params, 'sdpa.source', ['seed', 'head', 'matrix', 'n', 'd', 'repeat']);
    nonNegativeInteger(p['seed'], 'sdpa.source seed');
    nonNegativeInteger(p['head'], 'sdpa.source head');
    if (p['matrix'] !== 'q' && p['matrix'] !== 'k' && p['matrix'] !== 'v') throw new Error("sdpa.source matrix must be 'q', 'k' or 'v'");
    positiveInteger(p['n'], 'sdpa.source n');
    positiveInteger(p['d'], 'sdpa.source d');
    positiveInteger(p['repeat'], 'sdpa.source repeat');
    return { inputs: [], outputs: ['out'] };
  },
  *run(ctx: UnitContext, { seed, head, matrix, n, d, repeat }) {
    const out = ctx.output('out');
    const m = sdpaMatrix(seed, head, matrix, n, d);
    const total = n * repeat;
    for (let i = 0, row = 0; i < total; i++) {
      while (!out.ready()) {
        yield;
        // Woken by a deadlock that left the receiver blocked for good (only a wait can end so, so
        // the loop above checks nothing more per row): what is left of the stream (N^2 rows of K
        // or V in the naive design) is counted at once, its values unread.
        if (out.stranded) {
          const sent = out.sendUndequeued(total - i);
          i += sent;
          if (i === total) return;
          row = (row + sent) % n;
        }
      }
      if (d === 1) out.enqueue(m[row]!, ctx.time + 1);
      else out.enqueueVector(m.subarray(row * d, row * d + d), ctx.time + 1);
      ctx.incr(1);
      if (++row === n) row = 0;
    }
  },
});

export interface SdpaSinkParams {
  n: number;
  d: number;
}

/** Dequeues the N output rows and reports them (a Float64Array, N x d). */
export const sdpaSink = registerUnitKind<SdpaSinkParams>({
  kind: 'sdpa.sink',
  ports(params) {
    const p = record(params, 'sdpa.sink', ['n', 'd']);
    positiveInteger(p['n'], 'sdpa.sink n');
    positiveInteger(p['d'], 'sdpa.sink d');
    return { inputs: ['in'], outputs: [] };
  },
  *run(ctx: UnitContext, { n, d }) {
    const input = ctx.input('in');
    const rows = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      while (!input.ready()) yield;
      input.dequeueVector(rows.subarray(i * d, i * d + d));
    }
    ctx.report(rows);
  },
});
