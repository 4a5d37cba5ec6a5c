import { breather, runAborted } from '../interruption.js';
import { CooperativeScheduler } from './cooperative-scheduler.js';
import { CyclesProgress } from './cycles-progress.js';
import { contextStats, instantiate, localChannelStats, unitReports } from './instantiate.js';
import { deadlockReport, resolveStall, strandHeldBack } from './stall.js';
import type { Context } from '../../kernel/context.js';
import type { Program } from '../../kernel/program.js';
import type { Time } from '../../kernel/time.js';
import { TracedChannel } from '../../kernel/traced-channel.js';
import { TracedContext } from '../../kernel/traced-context.js';
import type { Tracer } from '../../kernel/tracer.js';
import type { Instance } from './instantiate.js';
import type { Progress, RunResult } from '../run-result.js';

export interface SingleThreadOptions {
  /** Called every `progressEveryMs` of wall time. */
  onProgress?: (progress: Progress) => void;
  progressEveryMs?: number;
  /** Told of every clock move and every enqueue and dequeue instant: a traced or inspected run. */
  tracer?: Tracer;
}

/**
 * Where a run stands: 'paused' (every live context has reached the horizon, or waits on one
 * that has), or over ('ok', 'deadlock').
 */
export type RunState = 'paused' | 'ok' | 'deadlock';

const SLICES_BETWEEN_CLOCK_READS = 1024;
/** Longest stretch of work before a run in the calling thread lets signals and timers in. */
const SLICE_MS = 50;

/**
 * Runs every context of a program cooperatively on the calling thread, to the end or, for a
 * trace window or an inspection, as far as a cycle (`runTo`) and on from there later. Pausing
 * only delays contexts, and results do not depend on the schedule, so a run paused and resumed
 * ends exactly as one run straight through.
 */
export class SingleThreadExecutor {
  private readonly scheduler = new CooperativeScheduler();
  readonly instance: Instance;
  private ended: RunResult | null = null;
  private readonly progress: CyclesProgress;

  constructor(program: Program, options: SingleThreadOptions = {}) {
    this.instance = instantiate(program, this.scheduler, undefined, options.tracer ?? null);
    this.scheduler.adopt(this.instance.contexts);
    this.progress = new CyclesProgress(options.onProgress, options.progressEveryMs);
  }

  /** Watching stops: the tracer the run was built with hears nothing more. */
  stopTracing(): void {
    for (const ctx of this.instance.contexts) if (ctx instanceof TracedContext) ctx.tracer = null;
    for (const ch of this.instance.channels) if (ch instanceof TracedChannel) ch.tracer = null;
  }

  /** Runs to the end in one go. */
  run(): RunResult {
    const steps = this.steps();
    while (steps.next().done !== true);
    return this.result;
  }

  /**
   * Runs to the end, letting signals and timers in every SLICE_MS or so; an abort of `signal`
   * ends every unit's body and rejects with RunAborted.
   */
  async runAsync(signal: AbortSignal): Promise<RunResult> {
    await this.runTo(Infinity, signal);
    return this.result;
  }

  /**
   * Runs until every live context has reached `horizon` (it is parked there) or waits, or the
   * run is over; a later call with a higher horizon goes on from there.
   */
  async runTo(horizon: Time, signal?: AbortSignal): Promise<RunState> {
    if (this.ended !== null) return this.ended.status;
    this.scheduler.setHorizon(horizon);
    const steps = this.steps();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await breather();
      if (signal?.aborted) {
        this.close();
        throw runAborted(signal);
      }
    }
  }

  /** Pauses the run being made at `cycle` at the latest: a tracer that has seen enough calls it. */
  holdAt(cycle: Time): void {
    if (cycle < this.scheduler.horizon) this.scheduler.horizon = cycle;
  }

  get horizon(): Time {
    return this.scheduler.horizon;
  }

  /** Contexts parked at the horizon. */
  get parked(): readonly Context[] {
    return this.scheduler.parked;
  }

  /** Least clock over live contexts: every event before it has happened. */
  leastClock(): Time {
    return this.scheduler.leastClock();
  }

  /** The result, once the run is over. */
  get result(): RunResult {
    if (this.ended === null) throw new Error('the run is not over: it is paused at a horizon');
    return this.ended;
  }

  /** Ends every unit's body (a run abandoned while paused). */
  close(): void {
    this.scheduler.stop(null);
  }

  /** The run as far as the horizon, pausing (yielding) after about SLICE_MS of work at a time. */
  private *steps(): Generator<void, RunState> {
    const { contexts } = this.instance;
    const scheduler = this.scheduler;
    let pause = performance.now() + SLICE_MS;

    for (;;) {
      while (!scheduler.idle) {
        scheduler.drain(SLICES_BETWEEN_CLOCK_READS, null);
        const now = performance.now();
        this.progress.tick(now, () => contexts.map((ctx) => ctx.time));
        if (now >= pause) {
          yield;
          pause = performance.now() + SLICE_MS;
        }
      }
      if (scheduler.live === 0) return this.end('ok');
      // Timed peeks stall a run often: a run that is not paused pays nothing more for pausing.
      if (scheduler.parked.length === 0) {
        const live = contexts.filter((ctx) => !ctx.finished);
        if (!resolveStall(live) && !strandHeldBack(live)) return this.end('deadlock');
        continue;
      }
      const parked = new Set(scheduler.parked);
      const waiting = contexts.filter((ctx) => !ctx.finished && !parked.has(ctx));
      // Parked contexts act at their clocks or later: no clock bound above the least is sound,
      // and a producer held back below the horizon must run on to it, whoever waits for it.
      let floor = Infinity;
      for (const ctx of parked) floor = Math.min(floor, ctx.time);
      const below = new Set(waiting.filter((ctx) => ctx.time < scheduler.horizon));
      if (!resolveStall(waiting, floor, below)) return 'paused';
    }
  }

  private end(status: 'ok' | 'deadlock'): RunState {
    const { contexts, channels } = this.instance;
    const deadlock = status === 'deadlock' ? deadlockReport(contexts.filter((ctx) => !ctx.finished)) : null;
    this.scheduler.stop(null);
    this.ended = {
      status,
      cycles: contexts.reduce((max, ctx) => Math.max(max, ctx.clock), 0),
      contexts: contexts.map(contextStats),
      channels: channels.map(localChannelStats),
      reports: Object.fromEntries(unitReports(contexts)),
      deadlock,
    };
    this.progress.end(this.ended.cycles);
    return status;
  }
}
