/**
 * exp for the reference SDPA only: the check computes one exp per score, as many as the
 * simulation itself, and V8's Math.exp (a call into fdlibm, 20-35 ns here) made the check cost
 * as much as the run it checks. A table of 2^(j/64) and a degree-6 polynomial on the rest
 * (|r| < ln 2 / 64) inline into the reference's loop at about half that, within 3 ulps of
 * Math.exp (test/sdpa.test.ts), far inside the check's 1e-9 tolerance. The simulated units
 * keep Math.exp: their outputs are the design's, bit for bit in every engine.
 */

const STEPS_PER_LN2 = 64 / Math.LN2;
// ln 2 / 64 in two parts, so that k * LN2_HI is exact for the k that occur (|k| < 2^17).
const LN2_HI = 6.9314718036912381649e-1 / 64;
const LN2_LO = 1.90821492927058770002e-10 / 64;
const TWO_TO_J_64THS = Float64Array.from({ length: 64 }, (_, j) => 2 ** (j / 64));
const POW2_BIAS = 1100;
const POW2 = Float64Array.from({ length: 2 * POW2_BIAS }, (_, i) => 2 ** (i - POW2_BIAS));

export function referenceExp(x: number): number {
  // Outside this range exp underflows to (sub)normal dust or overflows; NaN lands here too.
  if (!(x > -745 && x < 709)) return Math.exp(x);
  const k = (x * STEPS_PER_LN2) | 0;
  const r = x - k * LN2_HI - k * LN2_LO;
  const r2 = r * r;
  const p = 1 + r + r2 * (0.5 + r * (1 / 6)) + r2 * r2 * (1 / 24 + r * (1 / 120) + r2 * (1 / 720));
  return p * TWO_TO_J_64THS[k & 63]! * POW2[(k >> 6) + POW2_BIAS]!;
}
