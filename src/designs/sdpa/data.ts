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
 * softmax(Q K^T / sqrt(d)) V for rows [from, to), row by row. Every run with outputs is checked
 * against it, so it must cost less than the run it checks. Softmax does not change when every
 * score of a row moves by the same amount, and the scores of row i are at most
 * B = scale * sum_c |q_ic| * max_j |k_jc| in size: the weights are exp(s - B), none of them
 * overflows, and none underflows while 2B stays inside exp's range (inputs in [-1, 1) give
 * B <= sqrt(d)). So a row is one pass over K and V (scores, weights, their sum and the weighted
 * sum of V) and one division per output, not a pass for the row's max and another for the
 * weights (about 1.2x the cost at d = 1). A row whose bound is out of range (huge inputs, or not
 * finite) takes its max first, as a textbook softmax does.
 */
export function referenceSdpa(
  q: Matrix,
  k: Matrix,
  v: Matrix,
  n: number,
  d: number,
  from = 0,
  to = n,
  kMax: Float64Array = columnMaxima(k, n, d),
): Matrix {
  const scale = 1 / Math.sqrt(d);
  const out = new Float64Array((to - from) * d);
  for (let i = from; i < to; i++) {
    const qi = i * d;
    let bound = 0;
    for (let c = 0; c < d; c++) bound += Math.abs(q[qi + c]!) * kMax[c]!;
    bound *= scale;
    const shift = bound <= SHIFTED_BY_BOUND_UP_TO ? bound : rowMax(q, k, n, d, qi, scale);
    const row = (i - from) * d;
    if (d === 1) {
      out[row] = scalarRow(q[qi]!, k, v, n, shift);
      continue;
    }
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const kj = j * d;
      const e = exp(dot(q, qi, k, kj, d) * scale - shift);
      sum += e;
      for (let c = 0; c < d; c++) out[row + c]! += e * v[kj + c]!;
    }
    for (let c = 0; c < d; c++) out[row + c]! /= sum;
  }
  return out;
}

/** max_j |k_jc| for each column c: what bounds the scores (referenceSdpa), the same for every row. */
export function columnMaxima(k: Matrix, n: number, d: number): Float64Array {
  const kMax = new Float64Array(d);
  for (let kj = 0; kj < n * d; kj += d) for (let c = 0; c < d; c++) kMax[c] = Math.max(kMax[c]!, Math.abs(k[kj + c]!));
  return kMax;
}

/**
 * A row at d = 1 (as published, scale 1): the same operations in the same order, on locals.
 * The general loop's steps of one and its sum in the output array took about 1.7x as long.
 */
function scalarRow(qi: number, k: Matrix, v: Matrix, n: number, shift: number): number {
  let sum = 0;
  let weighted = 0;
  for (let j = 0; j < n; j++) {
    const e = exp(qi * k[j]! - shift);
    sum += e;
    weighted += e * v[j]!;
  }
  return weighted / sum;
}

/** Largest bound a row's scores are shifted by: weights then stay above exp(-600), normal doubles. */
const SHIFTED_BY_BOUND_UP_TO = 300;

/** The largest score of the row whose q starts at `qi`. */
function rowMax(q: Matrix, k: Matrix, n: number, d: number, qi: number, scale: number): number {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, dot(q, qi, k, j * d, d) * scale);
  return max;
}

/** q_i . k_j, the rows starting at `qi` and `kj`. */
function dot(q: Matrix, qi: number, k: Matrix, kj: number, d: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) s += q[qi + c]! * k[kj + c]!;
  return s;
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
