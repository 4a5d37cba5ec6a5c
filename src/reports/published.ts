import type { DesignName } from '../designs/sdpa/design.js';

/** Spec section 3: cycles at d = 1 with the published latencies and capacities (bounded or not for modified). */
export const PUBLISHED_CYCLES: Readonly<Record<number, Readonly<Record<DesignName, number>>>> = {
  4: { naive: 92, modified: 78 },
  8: { naive: 196, modified: 174 },
  16: { naive: 596, modified: 558 },
  32: { naive: 2164, modified: 2094 },
  64: { naive: 8372, modified: 8238 },
  512: { naive: 525364, modified: 524334 },
};

/** Published cycle count for a plain design run at size n, or undefined when none was published. */
export function publishedCycles(design: DesignName, n: number): number | undefined {
  return PUBLISHED_CYCLES[n]?.[design];
}
