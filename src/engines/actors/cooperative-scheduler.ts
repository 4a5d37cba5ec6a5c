import { UnitError } from '../../kernel/errors.js';
import type { Context } from '../../kernel/context.js';
import type { Scheduler } from '../../kernel/scheduler.js';

/** Yields in a row, waiting on nothing at one clock, that make a unit taken for livelocked. */
const BARE_YIELDS_IN_A_ROW = 1_000_000;

/** The unit running in this thread now (null between slices): what a thread's exit listener names. */
export function runningContext(): Context | null {
  return CooperativeScheduler.draining?.running ?? null;
}

/**
 * Runs contexts cooperatively on one thread: a FIFO ready queue of contexts whose last wait
 * condition was met. Shared by the single-thread executor and by each pool worker, so both
 * apply the same channel and clock rules.
 */
export class CooperativeScheduler implements Scheduler {
  contexts: readonly Context[] = [];
  live = 0;
  /**
   * A context whose clock has reached this is parked instead of run (a run paused at a cycle:
   * a trace window's end, a session's stop); Infinity in a plain run.
   */
  horizon = Infinity;
  /** Contexts parked at the horizon: runnable, neither queued nor blocked. */
  readonly parked: Context[] = [];
  private queue: Context[] = [];
  private mask = 0;
  private head = 0;
  private size = 0;
  private current: Context | null = null;
  /** The scheduler that drained last in this thread: its current context is the unit running now, if any. */
  static draining: CooperativeScheduler | null = null;

  /** Takes the contexts this scheduler runs (built with it as their scheduler). */
  adopt(contexts: readonly Context[]): void {
    this.contexts = contexts;
    this.live = contexts.length;
    let n = 1;
    while (n < contexts.length) n *= 2;
    this.queue = new Array<Context>(n);
    this.mask = n - 1;
    for (const ctx of contexts) this.push(ctx);
  }

  /** The context whose slice runs now. */
  get running(): Context | null {
    return this.current;
  }

  makeReady(ctx: Context): void {
    if (ctx !== this.current) this.push(ctx);
  }

  get idle(): boolean {
    return this.size === 0;
  }

  /**
   * Runs ready contexts until none is left, or `budget` slices; returns the slices run. `afterSlice` sees each
   * context after it yielded or finished. A unit that throws stops every body and the
   * error, naming the unit, propagates.
   */
  drain(budget: number, afterSlice: ((ctx: Context) => void) | null): number {
    let slices = 0;
    CooperativeScheduler.draining = this;
    while (this.size > 0 && slices < budget) {
      slices++;
      const ctx = this.queue[this.head]!;
      this.head = (this.head + 1) & this.mask;
      this.size--;
      if (ctx.time >= this.horizon) {
        this.parked.push(ctx);
        continue;
      }
      this.current = ctx;
      let done: boolean | undefined;
      try {
        done = ctx.body!.next().done;
      } catch (error) {
        this.current = null;
        this.stop(ctx);
        throw UnitError.from(ctx.name, error);
      }
      this.current = null;
      if (done) this.finish(ctx);
      else if (ctx.waitCount === 0) {
        this.noteBareYield(ctx);
        this.push(ctx);
      }
      if (ctx.time >= ctx.watchFrom) ctx.releaseWatchers();
      if (afterSlice !== null) afterSlice(ctx);
    }
    return slices;
  }

  /**
   * A yield that waited on nothing: a unit yields when a channel operation must wait. One that
   * yields so again and again with its clock still had livelocked the run without a word
   * (`for (;;) yield;`); it fails, naming the unit.
   */
  private noteBareYield(ctx: Context): void {
    if (ctx.time !== ctx.bareYieldClock) {
      ctx.bareYieldClock = ctx.time;
      ctx.bareYields = 0;
    } else if (++ctx.bareYields >= BARE_YIELDS_IN_A_ROW) {
      this.stop(null);
      throw new UnitError(
        ctx.name,
        `it yielded ${BARE_YIELDS_IN_A_ROW} times in a row at clock ${ctx.time} without waiting on anything: a unit yields when ready(), peek() or quietUntil() says to wait`,
      );
    }
  }

  /** Moves the horizon (Infinity: none) and queues the parked contexts it no longer holds. */
  setHorizon(horizon: number): void {
    this.horizon = horizon;
    let kept = 0;
    for (const ctx of this.parked) {
      if (ctx.time >= horizon) this.parked[kept++] = ctx;
      else this.push(ctx);
    }
    this.parked.length = kept;
  }

  /** Least clock over live contexts (the progress every context has made). */
  leastClock(): number {
    let least = Infinity;
    for (const ctx of this.contexts) if (!ctx.finished && ctx.time < least) least = ctx.time;
    return least;
  }

  /** Ends every unfinished body (running its finally blocks), except the one that threw. */
  stop(failed: Context | null): void {
    for (const ctx of this.contexts) {
      if (ctx.body === null || ctx === failed) continue;
      try {
        ctx.body.return();
      } catch {
        // The run is already over; a unit's clean-up error must not mask the first one.
      }
      ctx.body = null;
    }
  }

  private finish(ctx: Context): void {
    ctx.settleRoom();
    ctx.finished = true;
    ctx.body = null;
    this.live--;
    for (const output of ctx.outputs.values()) {
      const ch = output.channel;
      ch.closed = true;
      if (ch.receiverWaiting) ch.receiver.wake();
    }
    // A sender blocked on a channel into a finished unit must hear of it (it fails).
    for (const input of ctx.inputs.values()) {
      const ch = input.channel;
      if (ch.senderWait !== 0) ch.sender.wake();
    }
  }

  private push(ctx: Context): void {
    this.queue[(this.head + this.size) & this.mask] = ctx;
    this.size++;
  }
}
