import { DESIGN_DEFS } from '../designs/sdpa/design.js';
import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';

/** Base depth of a FIFO under the paper's rule: room for one element being written and one being read. */
const BASE_DEPTH = 2;

/**
 * The paper's sizing rule for a FIFO between units: a base depth of 2, plus L - 1 after a unit
 * of latency L (the results in flight in its pipeline), plus II - 1 before a consumer with
 * II > 1 (what arrives while it is busy). Null for a FIFO whose published depth grows with N
 * (the naive design's `long`, which must hold a score row): the rule sizes constant FIFOs.
 */
export function ruleCapacity(config: ResolvedSdpaConfig, channel: string): number | null {
  const def = DESIGN_DEFS[config.design];
  const c = def.channels.find((x) => x.name === channel);
  if (c === undefined || (c.capacity.n ?? 0) !== 0 || (c.capacity.n2 ?? 0) !== 0) return null;
  const producer = c.from.split('.')[0]!;
  const consumer = c.to.split('.')[0]!;
  const latency = config.latency[producer] ?? 1;
  const ii = config.ii[consumer] ?? 1;
  return BASE_DEPTH + (latency - 1) + (ii > 1 ? ii - 1 : 0);
}
