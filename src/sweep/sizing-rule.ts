import { DESIGN_DEFS, forHead, representativeHeads } from '../designs/sdpa/design.js';
import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';

/** Base depth of a FIFO under the paper's rule: room for one element being written and one being read. */
const BASE_DEPTH = 2;

/**
 * The paper's sizing rule for a FIFO between units: a base depth of 2, plus L - 1 after a unit
 * of latency L (the results in flight in its pipeline), plus II - 1 before a consumer with
 * II > 1 (what arrives while it is busy). Null for a FIFO whose published depth grows with N
 * (the naive design's `long`, which must hold a score row): the rule sizes constant FIFOs.
 *
 * A capacity sized is every head's, so the rule is the largest of the heads' rules: a head's
 * own latency or II (`--latency h1/runningmax=9`) had been left out, and the rule read 5 for
 * `delta1` where head 1's FIFO needs 11.
 */
export function ruleCapacity(config: ResolvedSdpaConfig, channel: string): number | null {
  const def = DESIGN_DEFS[config.design];
  const c = def.channels.find((x) => x.name === channel);
  if (c === undefined || (c.capacity.n ?? 0) !== 0 || (c.capacity.n2 ?? 0) !== 0) return null;
  const producer = c.from.split('.')[0]!;
  const consumer = c.to.split('.')[0]!;
  return Math.max(
    ...representativeHeads(config).map((head) => {
      // A source has no latency or II of its own.
      const latency = forHead<number | undefined>(config.latency, head, producer) ?? 1;
      const ii = forHead<number | undefined>(config.ii, head, consumer) ?? 1;
      return BASE_DEPTH + (latency - 1) + (ii > 1 ? ii - 1 : 0);
    }),
  );
}
