import { UnitError } from '../../kernel/errors.js';
import { exp } from './exp.js';

/** Seeded inputs and the plain reference SDPA the simulated designs are checked against. */

export type Matrix = Float64Array; // row-major, rows x d

export type MatrixName = 'q' | 'k' | 'v';

/**
 * Q, K or V of one head, uniform in [-1, 1), from a seed: every thread regenerates the
 * same matrix, so inputs never cross threads.
 */
export function sdpaMatrix(seed: number, head: number, name: MatrixName, n: number, d: number): Matrix {
  const which = name === 'q' ? 1 : name === 'k' ? 2 : 3;
  let state = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(head + 1, 0x85ebca6b) ^ Math.imul(which, 0xc2b2ae35)) >>> 0;
  const m = new Float64Array(n * d);
  for (let i = 0; i < m.length; i++) {
    // splitmix32
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    z = (z ^ (z >>> 15)) >>> 0;
    m[i] = z / 2 ** 31 - 1;
  }
  return m;
}

/**
 * softmax(Q K^T / sqrt(d)) V for rows [from, to), row by row, with the row max subtracted for
 * stability. Two passes over a row, scores then weights, and one division per output: every
 * run with outputs is checked against it, so it must cost less than the run it checks (three
 * passes and a division per score took 1.2-1.8x the plain streaming loop; with Math.exp it took
 * about what the simulated rows take, with exp.ts's exp about 0.8 of it).
 */
export function referenceSdpa(q: Matrix, k: Matrix, v: Matrix, n: number, d: number, from = 0, to = n): Matrix {
  const scale = 1 / Math.sqrt(d);
  const out = new Float64Array((to - from) * d);
  const scores = new Float64Array(n);
  for (let i = from; i < to; i++) {
    const qi = i * d;
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      const kj = j * d;
      let s = 0;
      for (let c = 0; c < d; c++) s += q[qi + c]! * k[kj + c]!;
      s *= scale;
      scores[j] = s;
      if (s > max) max = s;
    }
    const row = (i - from) * d;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = exp(scores[j]! - max);
      sum += e;
      const vj = j * d;
      for (let c = 0; c < d; c++) out[row + c]! += e * v[vj + c]!;
    }
    for (let c = 0; c < d; c++) out[row + c]! /= sum;
  }
  return out;
}

/**
 * Outputs are convex combinations of V entries in [-1, 1). The designs round differently from
 * the reference (the naive one does not subtract the row max; the modified one rescales as it
 * goes), which costs a few ulps; anything near this bound is a wrong result, not rounding.
 */
const RELATIVE_TOLERANCE = 1e-9;

/**
 * Largest absolute error of output rows [first, first + rows) against the reference rows;
 * throws a UnitError of `sink` beyond tolerance.
 */
export function checkOutput(sink: string, out: Matrix, ref: Matrix, d: number, first = 0): number {
  let maxError = 0;
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(out[i]! - ref[i]!);
    // Negated so that a NaN output fails too.
    if (!(err <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(ref[i]!)))) {
      throw new UnitError(sink, `output row ${first + Math.floor(i / d)} column ${i % d} is ${out[i]}, reference ${ref[i]}`);
    }
    if (err > maxError) maxError = err;
  }
  return maxError;
}
