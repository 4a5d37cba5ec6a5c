import { Channel, channelShape } from '../../kernel/channel.js';
import { ProgramError, show } from '../../kernel/errors.js';
import { channelEnds } from '../../kernel/program.js';
import type { ChannelSpec, Program } from '../../kernel/program.js';

/** Which worker runs each unit, and which channels cross between workers. */
export interface Placement {
  readonly workers: number;
  /** Worker of each unit, by unit index. */
  readonly of: readonly number[];
  /** Indices of the channels whose ends run on different workers. */
  readonly cut: readonly number[];
}

/**
 * A channel can cross workers when its whole simulated FIFO fits a fixed shared ring (so
 * it never needs to grow), i.e. it is bounded and not huge.
 */
export function cuttable(spec: ChannelSpec): boolean {
  return spec.capacity !== null && Channel.fitsRing(channelShape(spec));
}

/**
 * Places units on at most `workers` workers, balancing their number (the estimated work).
 * Units of one group (an attention head) stay together, and so do the ends of channels that
 * cannot be cut, or of every channel when `cutChannels` is false. Then components are joined
 * along their tightest channels first (least capacity + latency: the least slack, where a cut
 * would make threads wait on each other most), until there are no more than `workers` of
 * them, never into one bigger than a worker's fair share: a tree whose branches all meet in
 * one root part must not end up as the root with all branches but one against that one.
 * Components are then spread, largest first, onto the least loaded worker; the channels
 * between workers are the cut.
 */
export function partition(program: Program, workers: number, cutChannels = true, keepGroups = true): Placement {
  const units = program.units;
  const parent = units.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  let components = units.length;
  const size = units.map(() => 1);
  const join = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return;
    parent[ra] = rb;
    size[rb]! += size[ra]!;
    components--;
  };
  const groups = new Map<string, number>();
  units.forEach((u, i) => {
    if (u.group === undefined || !keepGroups) return;
    const first = groups.get(u.group);
    if (first === undefined) groups.set(u.group, i);
    else join(first, i);
  });
  const ends = channelEnds(program);
  program.channels.forEach((ch, c) => {
    if (!cutChannels || !cuttable(ch)) join(ends[c]![0], ends[c]![1]);
  });

  const byTightness = program.channels
    .map((ch, c) => ({ c, slack: (ch.capacity ?? Infinity) + ch.latency }))
    .sort((a, b) => a.slack - b.slack || a.c - b.c);
  const share = Math.ceil(units.length / workers);
  for (const { c } of byTightness) {
    if (components <= workers) break;
    const a = find(ends[c]![0]);
    const b = find(ends[c]![1]);
    if (a !== b && size[a]! + size[b]! <= share) join(a, b);
  }

  const members = new Map<number, number[]>();
  units.forEach((_, i) => {
    const root = find(i);
    const list = members.get(root);
    if (list === undefined) members.set(root, [i]);
    else list.push(i);
  });
  const used = Math.max(1, Math.min(workers, members.size));
  const load = new Array<number>(used).fill(0);
  const of = new Array<number>(units.length).fill(0);
  const ordered = [...members.values()].sort((a, b) => b.length - a.length || a[0]! - b[0]!);
  for (const component of ordered) {
    const w = load.indexOf(load.reduce((a, b) => Math.min(a, b)));
    load[w]! += component.length;
    for (const i of component) of[i] = w;
  }
  return placement(program, of, used);
}

/**
 * Checks a placement (unit index -> worker) and finds its cut channels. Without `workers`, an
 * explicit placement's own: as many as its largest worker names.
 */
export function placement(program: Program, of: readonly number[], workers?: number): Placement {
  if (of.length !== program.units.length)
    throw new ProgramError(`placement lists ${of.length} units, the program has ${program.units.length}`);
  for (const w of of as readonly unknown[]) {
    if (!Number.isSafeInteger(w) || (w as number) < 0 || (workers !== undefined && (w as number) >= workers))
      throw new ProgramError(`a placement lists workers 0, 1, ...${workers === undefined ? '' : ` below ${workers}`}: got ${show(w)}`);
  }
  const count = workers ?? of.reduce((most, w) => Math.max(most, w + 1), 1);
  // A worker with no unit is a thread started for nothing ([0, 40] had started 41).
  const used = new Set(of);
  const idle = Array.from({ length: count }, (_, w) => w).filter((w) => !used.has(w));
  if (idle.length > 0)
    throw new ProgramError(
      `a placement numbers its workers 0, 1, ... without gaps: worker${idle.length > 1 ? 's' : ''} ${idleRange(idle)} would hold no unit`,
    );
  const ends = channelEnds(program);
  const cut: number[] = [];
  program.channels.forEach((ch, c) => {
    const from = of[ends[c]![0]]!;
    const to = of[ends[c]![1]]!;
    if (from === to) return;
    if (!cuttable(ch)) {
      throw new ProgramError(`channel '${ch.name}' cannot cross workers (unbounded, or too deep for a shared ring)`);
    }
    cut.push(c);
  });
  return { workers: count, of: [...of], cut };
}

/** `3`, `1 to 39`, or `1, 4 and 6`: the idle workers of a placement. */
function idleRange(idle: readonly number[]): string {
  if (idle.length === 1) return String(idle[0]);
  if (idle[idle.length - 1]! - idle[0]! === idle.length - 1) return `${idle[0]} to ${idle[idle.length - 1]}`;
  return `${idle.slice(0, -1).join(', ')} and ${idle[idle.length - 1]}`;
}
