/**
 * The exp of spec section 2 (QKTExp's exp(s), RunningMax's exp(m - m') and exp(s - m')), one
 * function for every engine and for the reference check, so that outputs are the same bits
 * everywhere. An SDPA computes one exp per score, and V8's Math.exp (a call into fdlibm, 25-35 ns
 * on our 2-core VM) was about two thirds of a values row and of its check. A table of 2^(j/64)
 * and a degree-6 polynomial on the rest (|r| < ln 2 / 64) inline into the rows' loops at about
 * 60% of that, within 3 ulps of Math.exp (test/sdpa.test.ts), far inside the check's 1e-9
 * tolerance. The check stays independent where it matters, the order of the arithmetic (a
 * softmax shifted by a bound on its scores, against the designs' running max and rescaling);
 * exp itself is tested against Math.exp.
 */

const STEPS_PER_LN2 = 64 / Math.LN2;
// ln 2 / 64 in two parts, so that k * LN2_HI is exact for the k that occur (|k| < 2^17).
const LN2_HI = 6.9314718036912381649e-1 / 64;
const LN2_LO = 1.90821492927058770002e-10 / 64;
const TWO_TO_J_64THS = Float64Array.from({ length: 64 }, (_, j) => 2 ** (j / 64));
const POW2_BIAS = 1100;
const POW2 = Float64Array.from({ length: 2 * POW2_BIAS }, (_, i) => 2 ** (i - POW2_BIAS));

export function exp(x: number): number {
  // Outside this range exp underflows to (sub)normal dust or overflows; NaN lands here too.
  if (!(x > -745 && x < 709)) return Math.exp(x);
  const k = (x * STEPS_PER_LN2) | 0;
  const r = x - k * LN2_HI - k * LN2_LO;
  const r2 = r * r;
  const p = 1 + r + r2 * (0.5 + r * (1 / 6)) + r2 * r2 * (1 / 24 + r * (1 / 120) + r2 * (1 / 720));
  return p * TWO_TO_J_64THS[k & 63]! * POW2[(k >> 6) + POW2_BIAS]!;
}
