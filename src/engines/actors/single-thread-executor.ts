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

  run(): RunResult {
    const { contexts, channels } = this.instance;
    const scheduler = this.scheduler;
    const { onProgress } = this.options;
    const every = this.options.progressEveryMs ?? 250;
    let nextProgress = performance.now() + every;
    let status: RunResult['status'] = 'ok';

    for (;;) {
      while (!scheduler.idle) {
        scheduler.drain(onProgress ? SLICES_BETWEEN_CLOCK_READS : Infinity, null);
        if (onProgress && performance.now() >= nextProgress) {
          const least = scheduler.leastClock();
          onProgress({ done: least === Infinity ? 0 : least, total: null, unit: 'cycles' });
          nextProgress = performance.now() + every;
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
