import { ProgramError, UnitError, show } from '../kernel/errors.js';
import { SingleThreadExecutor } from '../engines/actors/single-thread-executor.js';
import { rowsTaken, sinkUnits } from '../engines/actors/sink-watch.js';
import { deadlockReport, settledBefore } from '../engines/actors/stall.js';
import { OccupancyCounter } from './occupancy-counter.js';
import type { Channel } from '../kernel/channel.js';
import type { Context } from '../kernel/context.js';
import type { Program } from '../kernel/program.js';
import type { Time } from '../kernel/time.js';
import { unitStats } from '../engines/run-result.js';
import type { RunResult } from '../engines/run-result.js';
import type { RunState } from '../engines/actors/single-thread-executor.js';
import type { ChannelInspection, ElementInspection, Inspection, UnitInspection } from './inspection.js';

/** Elements of each channel an inspection lists unless asked for more. */
export const DEFAULT_ELEMENTS = 8;

/**
 * A program run step by step on the actors engine in this thread (a session's worker): paused
 * at cycles or after sink rows, inspected, and resumed to the same end as a run straight
 * through. Every call after a unit failed rethrows that failure.
 */
export class Session {
  private readonly sinks: ReadonlySet<string>;
  private readonly counter: OccupancyCounter;
  private readonly executor: SingleThreadExecutor;
  private state: RunState = 'paused';
  private cycle: Time = 0;
  private failure: UnitError | null = null;

  constructor(program: Program) {
    this.sinks = sinkUnits(program);
    this.counter = new OccupancyCounter(this.sinks, () => this.settled());
    this.executor = new SingleThreadExecutor(program, { tracer: this.counter });
  }

  /** Runs until every unit has reached `cycle` or waits on one that has (or the run is over). */
  async runUntil(cycle: Time): Promise<Inspection> {
    if (!Number.isSafeInteger(cycle) || cycle < 0)
      throw new ProgramError(`a cycle must be a non-negative integer below 2^53, got ${show(cycle)}`);
    if (cycle < this.cycle) throw new ProgramError(`the session is at cycle ${this.cycle} already: it cannot go back to ${cycle}`);
    return this.pauseAt(cycle);
  }

  /**
   * Runs until every sink has taken `rows` more elements (an SDPA program's output rows) than
   * before the pause's cycle, and on to the cycle just after the last of them was taken.
   */
  async step(rows: number): Promise<Inspection> {
    if (!Number.isSafeInteger(rows) || rows < 1) throw new ProgramError(`rows must be a positive integer, got ${show(rows)}`);
    if (this.over) return this.inspect();
    const target = this.counter.rowsBefore(this.cycle) + rows;
    // The sinks may have taken it already, ahead of the pause in wall time.
    const known = this.counter.rowCycle(target);
    if (known !== null) return this.pauseAt(known + 1);
    this.counter.watch(target, (at) => this.executor.holdAt(at + 1));
    return this.pauseAt(Infinity);
  }

  /** The state at the pause; `elements`: how many elements of each channel to list. */
  inspect(elements = DEFAULT_ELEMENTS): Inspection {
    if (!Number.isSafeInteger(elements) || elements < 0)
      throw new ProgramError(`elements must be a non-negative integer, got ${show(elements)}`);
    this.rethrow();
    const { contexts, channels } = this.executor.instance;
    const live = contexts.filter((ctx) => !ctx.finished);
    // A unit held back by the simulator's buffer is blocked with no wait in simulated time.
    const waits = new Map(
      deadlockReport(live.filter((ctx) => ctx.blocked))
        .blocked.filter((b) => b.waits.length > 0)
        .map((b) => [b.unit, b.waits]),
    );
    const units: UnitInspection[] = contexts.map((ctx) => ({
      name: ctx.name,
      kind: ctx.kind,
      clock: ctx.clock,
      state: unitState(ctx, waits.has(ctx.name)),
      waits: waits.get(ctx.name) ?? [],
    }));
    const over = this.over;
    return {
      cycle: this.cycle,
      status: over ? this.state : 'paused',
      // Over, every row taken counts, the last ones at the final cycle too; counted from the
      // channels, since resume() stops the counter.
      rows: over ? rowsTaken(channels, this.sinks) : this.counter.rowsBefore(this.cycle),
      units,
      channels: channels.map((ch) => this.channelAt(ch, elements, over)),
      deadlock: over ? this.executor.result.deadlock : null,
    };
  }

  /** Runs to the end, as fast as a plain run (no more watching), and returns its result. */
  async resume(): Promise<RunResult> {
    this.rethrow();
    this.executor.stopTracing();
    await this.run(Infinity);
    const result = this.executor.result;
    // As simulate() reports it: each unit's cycles by kind, from its channels.
    return { ...result, contexts: unitStats(result.contexts, result.channels) };
  }

  /** Ends every unit's body. */
  close(): void {
    this.executor.close();
  }

  private async pauseAt(horizon: Time): Promise<Inspection> {
    this.rethrow();
    await this.run(horizon);
    return this.inspect();
  }

  /**
   * Runs as far as `horizon` and moves the session's cycle there: every run goes through here,
   * resume() too, so an inspection after the end is at the end (it had stayed at the last pause).
   */
  private async run(horizon: Time): Promise<void> {
    const ran = this.state === 'paused';
    try {
      this.state = await this.executor.runTo(horizon);
    } catch (error) {
      if (error instanceof UnitError) this.failure = error;
      throw error;
    }
    const live = this.executor.instance.contexts.filter((ctx) => !ctx.finished);
    // A run can end below the horizon asked for, or beyond it: units that never wait run ahead
    // of any horizon, and a deadlock found there runs its producers on to DAM's clocks. A pause
    // below the end is a pause, shown at its own cycle (it had shown the deadlocked end).
    // A step lowers the executor's horizon while it runs (holdAt): a run that ends in this call
    // ends the step there. One over before it kept its horizon, which no longer counts.
    const limit = ran ? this.executor.horizon : horizon;
    const reached = this.state === 'paused' ? Math.min(limit, settledBefore(live)) : Math.min(limit, this.executor.result.cycles);
    this.cycle = Math.max(this.cycle, reached);
  }

  /** Whether the session is at the run's end: the run is over, and the cycle has reached its last. */
  private get over(): boolean {
    return this.state !== 'paused' && this.cycle >= this.executor.result.cycles;
  }

  /**
   * A cycle the next pause cannot stop below: every clock only grows, a pause stops at the
   * horizon or at the least clock of the units not waiting on a peer, and a step's horizon
   * comes down only to just after a sink's dequeue, whose clock counts here.
   */
  private settled(): Time {
    return Math.max(Math.min(this.executor.horizon, this.executor.leastClock()), this.cycle);
  }

  private rethrow(): void {
    if (this.failure !== null) throw this.failure;
  }

  private channelAt(ch: Channel, limit: number, over: boolean): ChannelInspection {
    const elements: ElementInspection[] = [];
    for (let n = ch.received; n < ch.sent && elements.length < limit; n++) {
      const slot = n & ch.mask;
      const value = ch.width === 1 ? ch.data[slot]! : Array.from(ch.data.subarray(slot * ch.width, (slot + 1) * ch.width));
      elements.push({ time: ch.times[slot]!, value });
    }
    return {
      name: ch.name,
      sender: ch.sender.name,
      receiver: ch.receiver.name,
      capacity: Number.isFinite(ch.capacity) ? ch.capacity : null,
      sent: ch.sent,
      received: ch.taken,
      held: ch.sent - ch.taken,
      letGo: ch.letGo,
      elements,
      // Over, what is still held, however the run got to its end (resume() stops the counter).
      occupancy: over ? ch.sent - ch.taken : this.counter.occupancyBefore(ch, this.cycle),
    };
  }
}

/** At a pause nothing is queued: a live context waits, is held back, or is parked at the cycle. */
function unitState(ctx: Context, waiting: boolean): UnitInspection['state'] {
  if (ctx.finished) return 'finished';
  if (waiting) return 'waiting';
  return ctx.blocked ? 'held back' : 'paused';
}
