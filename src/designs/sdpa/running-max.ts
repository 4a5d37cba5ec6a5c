import { exp } from './exp.js';

/**
 * RunningMax's rescale factor delta = exp(m - m') (spec section 2.2), one function for both
 * engines so that their outputs are the same bits. Where the max did not move (m' = m: all
 * but a few scores of a row) m - m' is exactly 0 and exp(0) is exactly 1, so the factor is 1
 * without calling exp: the same number, at one exp per score instead of two. Infinity minus
 * Infinity is NaN, not 0, and still goes through exp.
 */
export function rescaleFactor(m: number, next: number): number {
  const z = m - next;
  return z === 0 ? 1 : exp(z);
}
