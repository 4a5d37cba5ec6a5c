import { ProgramError } from '../../kernel/errors.js';
import { loadUnitModules, unitKind } from '../../kernel/registry.js';
import { SingleThreadExecutor } from './single-thread-executor.js';
import type { Channel } from '../../kernel/channel.js';
import type { Context } from '../../kernel/context.js';
import type { Program } from '../../kernel/program.js';
import type { Time } from '../../kernel/time.js';
import type { ClockMoveKind, Tracer } from '../../kernel/tracer.js';

/**
 * The program's sinks: units that take elements and send none. An SDPA program has one per
 * head, which takes one output row per element: "rows" of any program are its sink elements.
 */
export function sinkUnits(program: Program): Set<string> {
  return new Set(
    program.units
      .filter((u) => {
        const ports = unitKind(u.kind).ports(u.params as never);
        return ports.inputs.length > 0 && ports.outputs.length === 0;
      })
      .map((u) => u.name),
  );
}

/**
 * Watches the sinks' dequeues in simulated time: once every sink has taken `target` elements,
 * `onReached` gets the cycle at which the last of them took its element (the row's cycle). A
 * sink runs ahead of a pause in wall time (its clock jumps to a later element's time in one
 * dequeue), so what it has taken so far is no count of rows at a cycle: each sink keeps the
 * cycle of every element it took (in order: its clock only grows), one number per output row.
 * A program without a sink never reaches a target.
 */
export class SinkWatch implements Tracer {
  private readonly taken = new Map<string, Time[]>();
  private target = Infinity;
  private onReached: (at: Time) => void = () => undefined;

  constructor(sinks: ReadonlySet<string>) {
    for (const name of sinks) this.taken.set(name, []);
  }

  /** Elements every sink had taken before `cycle` (at a cycle below it). */
  rowsBefore(cycle: Time): number {
    return leastCount(Array.from(this.taken.values(), (cycles) => countBelow(cycles, cycle)));
  }

  /** The cycle at which every sink has taken `row` elements (from 1), or null while some has not yet. */
  rowCycle(row: number): Time | null {
    let latest = 0;
    for (const cycles of this.taken.values()) {
      const at = cycles[row - 1];
      if (at === undefined) return null;
      latest = Math.max(latest, at);
    }
    return this.taken.size === 0 ? null : latest;
  }

  /** Calls `onReached` once every sink has taken `target` elements (at once if they have). */
  watch(target: number, onReached: (at: Time) => void): void {
    if (this.taken.size === 0)
      throw new ProgramError(
        'this program has no sink (a unit with inputs and no outputs) whose rows could be counted: run to a cycle instead',
      );
    this.target = target;
    this.onReached = onReached;
    const at = this.rowCycle(target);
    if (at !== null) this.reached(at);
  }

  clockMoved(_ctx: Context, _why: ClockMoveKind, _from: Time, _to: Time): void {}

  enqueued(_ch: Channel, _at: Time): void {}

  dequeued(ch: Channel, at: Time): void {
    const cycles = this.taken.get(ch.receiver.name);
    if (cycles === undefined) return;
    cycles.push(at);
    if (cycles.length !== this.target) return;
    const row = this.rowCycle(this.target);
    if (row !== null) this.reached(row);
  }

  private reached(at: Time): void {
    this.target = Infinity;
    this.onReached(at);
  }
}

/** Elements every sink of `sinks` has taken (over all its inputs) so far, whenever it took them. */
export function rowsTaken(channels: readonly Channel[], sinks: ReadonlySet<string>): number {
  const taken = new Map([...sinks].map((sink) => [sink, 0]));
  for (const ch of channels) {
    const sink = ch.receiver.name;
    const before = taken.get(sink);
    if (before !== undefined) taken.set(sink, before + ch.taken);
  }
  return leastCount(taken.values());
}

/** The rows every sink has taken: the least of their counts, 0 for a program without a sink. */
function leastCount(counts: Iterable<number>): number {
  let least = Infinity;
  for (const count of counts) least = Math.min(least, count);
  return least === Infinity ? 0 : least;
}

/** How many of the ascending `cycles` are below `cycle`. */
function countBelow(cycles: readonly Time[], cycle: Time): number {
  let low = 0;
  let high = cycles.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (cycles[mid]! < cycle) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The cycle at which every sink has taken each of `rows` (ascending, from 1) elements, found by
 * running the program in the calling thread only as far as the last of them. A run that ends
 * first (a deadlock, or sinks that take fewer rows) gives the cycles of the rows it reached.
 */
export async function sinkRowCycles(program: Program, rows: readonly number[], signal?: AbortSignal): Promise<Time[]> {
  await loadUnitModules(program.modules);
  const sinks = sinkUnits(program);
  const cycles: Time[] = [];
  const watch = new SinkWatch(sinks);
  const executor = new SingleThreadExecutor(program, { tracer: watch });
  const next = (): void => {
    const row = rows[cycles.length];
    if (row === undefined) return executor.holdAt(-Infinity);
    watch.watch(row, (at) => {
      cycles.push(at);
      next();
    });
  };
  try {
    next();
    await executor.runTo(Infinity, signal);
  } finally {
    executor.close();
  }
  return cycles;
}
