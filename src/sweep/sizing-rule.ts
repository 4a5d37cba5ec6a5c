import { DESIGN_DEFS, headScoped } from '../designs/sdpa/design.js';
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
 * `delta1` where head 1's FIFO needs 11. Only the heads given their own values are looked at
 * (the others share the configuration's), not every head of a run of millions.
 */
export function ruleCapacity(config: ResolvedSdpaConfig, channel: string): number | null {
  const def = DESIGN_DEFS[config.design];
  const c = def.channels.find((x) => x.name === channel);
  if (c === undefined || (c.capacity.n ?? 0) !== 0 || (c.capacity.n2 ?? 0) !== 0) return null;
  const producer = c.from.split('.')[0]!;
  const consumer = c.to.split('.')[0]!;
  const own = new Set([...headsWithOwn(config.latency, producer), ...headsWithOwn(config.ii, consumer)]);
  const heads: (number | null)[] = [...own, ...(own.size < config.heads ? [null] : [])];
  return Math.max(
    ...heads.map((head) => {
      const latency = setting(config.latency, head, producer);
      const ii = setting(config.ii, head, consumer);
      return BASE_DEPTH + (latency - 1) + (ii > 1 ? ii - 1 : 0);
    }),
  );
}

/** The heads with a value of their own for `name` (`h1/runningmax`). */
function headsWithOwn(values: Readonly<Record<string, number>>, name: string): number[] {
  return Object.keys(values).flatMap((key) => {
    const scoped = /^h(\d+)\/(.+)$/.exec(key);
    return scoped !== null && scoped[2] === name ? [Number(scoped[1])] : [];
  });
}

/** A unit's latency or II on one head (null: a head without its own), 1 for a unit with none (a source). */
function setting(values: Readonly<Record<string, number>>, head: number | null, name: string): number {
  return (head === null ? undefined : values[headScoped(head, name)]) ?? values[name] ?? 1;
}
