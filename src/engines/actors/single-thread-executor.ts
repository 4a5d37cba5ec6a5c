import { RunAborted } from '../../kernel/errors.js';
import { breather } from '../interruption.js';
import { CooperativeScheduler } from './cooperative-scheduler.js';
import { contextStats, instantiate, localChannelStats, unitReports } from './instantiate.js';
import { deadlockReport, resolveStall } from './stall.js';
import type { Program } from '../../kernel/program.js';
import type { Instance } from './instantiate.js';
import type { Progress, RunResult } from '../run-result.js';

export interface SingleThreadOptions {
  /** Called every `progressEveryMs` of wall time. */
  onProgress?: (progress: Progress) => void;
  progressEveryMs?: number;
}

const SLICES_BETWEEN_CLOCK_READS = 1024;
/** Longest stretch of work before a run in the calling thread lets signals and timers in. */
const SLICE_MS = 50;

/** Runs every context of a program cooperatively on the calling thread. */
export class SingleThreadExecutor {
  private readonly scheduler = new CooperativeScheduler();
  private readonly instance: Instance;

  constructor(
    program: Program,
    private readonly options: SingleThreadOptions = {},
  ) {
    this.instance = instantiate(program, this.scheduler);
    this.scheduler.adopt(this.instance.contexts);
  }

  /** Runs to the end in one go. */
  run(): RunResult {
    const steps = this.steps();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /**
   * Runs to the end, letting signals and timers in every SLICE_MS or so; an abort of `signal`
   * ends every unit's body and rejects with RunAborted.
   */
  async runAsync(signal: AbortSignal): Promise<RunResult> {
    const steps = this.steps();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await breather();
      if (signal.aborted) {
        this.scheduler.stop(null);
        throw new RunAborted('run interrupted');
      }
    }
  }

  /** The run, pausing (yielding) after about SLICE_MS of work at a time. */
  private *steps(): Generator<void, RunResult> {
    const { contexts, channels } = this.instance;
    const scheduler = this.scheduler;
    const { onProgress } = this.options;
    const every = this.options.progressEveryMs ?? 250;
    let nextProgress = performance.now() + every;
    let pause = performance.now() + SLICE_MS;
    let status: RunResult['status'] = 'ok';

    for (;;) {
      while (!scheduler.idle) {
        scheduler.drain(SLICES_BETWEEN_CLOCK_READS, null);
        const now = performance.now();
        if (onProgress && now >= nextProgress) {
          const least = scheduler.leastClock();
          onProgress({ done: least === Infinity ? 0 : least, total: null, unit: 'cycles' });
          nextProgress = now + every;
        }
        if (now >= pause) {
          yield;
          pause = performance.now() + SLICE_MS;
        }
      }
      if (scheduler.live === 0) break;
      if (!resolveStall(contexts.filter((ctx) => !ctx.finished))) {
        status = 'deadlock';
        break;
      }
    }

    const deadlock = status === 'deadlock' ? deadlockReport(contexts.filter((ctx) => !ctx.finished)) : null;
    scheduler.stop(null);
    return {
      status,
      cycles: contexts.reduce((max, ctx) => Math.max(max, ctx.time), 0),
      contexts: contexts.map(contextStats),
      channels: channels.map(localChannelStats),
      reports: Object.fromEntries(unitReports(contexts)),
      deadlock,
    };
  }
}
