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
 * Watches the sinks' dequeues: once every sink has taken `target` elements, `onReached` gets
 * the cycle at which the last of them took its element (the row's cycle). A program without a
 * sink never reaches a target.
 */
export class SinkWatch implements Tracer {
  private readonly taken = new Map<string, number>();
  private target = Infinity;
  private waiting = 0;
  private latest = 0;
  private onReached: (at: Time) => void = () => undefined;

  constructor(sinks: ReadonlySet<string>) {
    for (const name of sinks) this.taken.set(name, 0);
  }

  /** Elements the sink that has taken the fewest has taken. */
  get rows(): number {
    let least = Infinity;
    for (const n of this.taken.values()) least = Math.min(least, n);
    return least === Infinity ? 0 : least;
  }

  /** Calls `onReached` once every sink has taken `target` elements (at once if they have). */
  watch(target: number, onReached: (at: Time) => void): void {
    this.target = target;
    this.onReached = onReached;
    this.latest = 0;
    this.waiting = 0;
    if (this.taken.size === 0)
      throw new ProgramError(
        'this program has no sink (a unit with inputs and no outputs) whose rows could be counted: run to a cycle instead',
      );
    for (const n of this.taken.values()) if (n < target) this.waiting++;
    if (this.waiting === 0) throw new ProgramError(`the sinks have taken ${this.rows} rows already`);
  }

  clockMoved(_ctx: Context, _why: ClockMoveKind, _from: Time, _to: Time): void {}

  enqueued(_ch: Channel, _at: Time): void {}

  dequeued(ch: Channel, at: Time): void {
    const taken = this.taken.get(ch.receiver.name);
    if (taken === undefined) return;
    this.taken.set(ch.receiver.name, taken + 1);
    if (taken + 1 !== this.target) return;
    this.latest = Math.max(this.latest, at);
    if (--this.waiting === 0) this.onReached(this.latest);
  }
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
