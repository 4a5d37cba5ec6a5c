import { UnitError } from '../kernel/errors.js';
import { channelStats, contextStats, instantiate } from './instantiate.js';
import { deadlockReport, resolveStall } from './stall.js';
import type { Context } from '../kernel/context.js';
import type { Program } from '../kernel/program.js';
import type { Scheduler } from '../kernel/scheduler.js';
import type { Instance } from './instantiate.js';
import type { RunResult } from './run-result.js';

export interface Progress {
  /** Least clock over live contexts: every context has simulated at least this far. */
  readonly cycles: number;
  readonly finished: number;
  readonly contexts: number;
}

export interface SingleThreadOptions {
  /** Called every `progressEveryMs` of wall time. */
  onProgress?: (progress: Progress) => void;
  progressEveryMs?: number;
}

/**
 * Runs every context of a program cooperatively on the calling thread: a FIFO ready queue,
 * contexts parked on their wait conditions, and stall resolution when the queue drains.
 */
export class SingleThreadExecutor implements Scheduler {
  private readonly instance: Instance;
  private readonly queue: Context[];
  private head = 0;
  private size = 0;
  private current: Context | null = null;

  constructor(
    program: Program,
    private readonly options: SingleThreadOptions = {},
  ) {
    this.instance = instantiate(program, this);
    this.queue = new Array<Context>(Math.max(1, this.instance.contexts.length));
    for (const ctx of this.instance.contexts) this.push(ctx);
  }

  makeReady(ctx: Context): void {
    if (ctx !== this.current) this.push(ctx);
  }

  run(): RunResult {
    const { contexts, channels } = this.instance;
    let live = contexts.length;
    const every = this.options.progressEveryMs ?? 250;
    let nextProgress = this.options.onProgress ? performance.now() + every : Infinity;
    let slices = 0;
    let status: RunResult['status'] = 'ok';

    for (;;) {
      while (this.size > 0) {
        const ctx = this.shift();
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
        if (done) {
          this.finish(ctx);
          live--;
        } else if (ctx.waitCount === 0) {
          this.push(ctx);
        }
        if (ctx.time >= ctx.watchFrom) ctx.releaseWatchers();
        if ((++slices & 1023) === 0 && performance.now() >= nextProgress) {
          this.options.onProgress!(this.progress(live));
          nextProgress = performance.now() + every;
        }
      }
      if (live === 0) break;
      const waiting = contexts.filter((ctx) => !ctx.finished);
      if (!resolveStall(waiting)) {
        status = 'deadlock';
        break;
      }
    }

    const waiting = contexts.filter((ctx) => !ctx.finished);
    const deadlock = status === 'deadlock' ? deadlockReport(waiting) : null;
    this.stop(null);
    const reports: Record<string, unknown> = {};
    for (const ctx of contexts) if (ctx.reported !== undefined) reports[ctx.name] = ctx.reported;
    return {
      status,
      cycles: contexts.reduce((max, ctx) => Math.max(max, ctx.time), 0),
      contexts: contexts.map(contextStats),
      channels: channels.map(channelStats),
      reports,
      deadlock,
    };
  }

  private finish(ctx: Context): void {
    ctx.finished = true;
    ctx.body = null;
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

  /** Ends every unfinished body (running its finally blocks), except the one that threw. */
  private stop(failed: Context | null): void {
    for (const ctx of this.instance.contexts) {
      if (ctx.body === null || ctx === failed) continue;
      try {
        ctx.body.return();
      } catch {
        // The run is already over; a unit's clean-up error must not mask the first one.
      }
      ctx.body = null;
    }
  }

  private progress(live: number): Progress {
    let least = Infinity;
    for (const ctx of this.instance.contexts) if (!ctx.finished && ctx.time < least) least = ctx.time;
    const contexts = this.instance.contexts.length;
    return { cycles: least === Infinity ? 0 : least, finished: contexts - live, contexts };
  }

  private push(ctx: Context): void {
    const q = this.queue;
    q[(this.head + this.size) % q.length] = ctx;
    this.size++;
  }

  private shift(): Context {
    const ctx = this.queue[this.head]!;
    this.head = (this.head + 1) % this.queue.length;
    this.size--;
    return ctx;
  }
}
