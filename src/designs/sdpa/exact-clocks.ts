import { ProgramError } from '../../kernel/errors.js';
import { MAX_TIME } from '../../kernel/time.js';
import { DESIGN_DEFS, forHead, representativeHeads } from './design.js';
import type { ResolvedSdpaConfig } from './design.js';

/**
 * Why a run's clocks must pass 2^53 (MAX_TIME), or null. Clocks are float64 integers, exact to
 * 2^53; two lower bounds on its cycles: every element of K passes QKT once and every stage adds
 * its latency to the last row at least once (N^2 plus the sum of the latencies); and a unit's
 * clock moves by its II for each element it issues (N^2, or N for a unit that issues once per
 * row, times the II).
 */
export function inexactClocks(config: ResolvedSdpaConfig): string | null {
  const { n } = config;
  for (const h of representativeHeads(config)) {
    const units = DESIGN_DEFS[config.design].units;
    const path = units.reduce((sum, u) => sum + forHead(config.latency, h, u.name), n * n);
    const issue = Math.max(...units.map((u) => (u.perRow ? n : n * n) * forHead(config.ii, h, u.name)));
    const least = Math.max(path, issue);
    if (least > MAX_TIME) {
      return `this run needs clocks past 2^53 (at least ${least.toExponential(3)} cycles), where they are no longer exact integers: lower the latencies, the IIs or N`;
    }
  }
  return null;
}

/** Throws, as a ProgramError, why a run's clocks must pass 2^53 (inexactClocks), if they must. */
export function refuseInexactClocks(config: ResolvedSdpaConfig): void {
  const inexact = inexactClocks(config);
  if (inexact !== null) throw new ProgramError(inexact);
}
