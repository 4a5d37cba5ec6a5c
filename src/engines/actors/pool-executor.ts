import { channelEnds, refuseParamsThreadsCannotTake, unitIndex } from '../../kernel/program.js';
import { interruption, runAborted } from '../interruption.js';
import { checkWorkerModules } from '../../kernel/registry.js';
import { createClockMemory, createLinkMemory } from './link.js';
import { createControlMemory, PoolControl, Round } from './pool-control.js';
import { CyclesProgress } from './cycles-progress.js';
import { createWaitMemory, WaitBoard } from './wait-board.js';
import { failureError } from '../worker-failure.js';
import { createThreadEnds, threadEndFailure } from './thread-end.js';
import { poolOptions } from '../worker-pool.js';
import type { Program } from '../../kernel/program.js';
import type { Placement } from './partition.js';
import type { WorkerOutcome, WorkerTask } from './pool-worker.js';
import type { BlockedContext, ChannelStats, ContextStats, Progress, RunResult } from '../run-result.js';

export interface PoolOptions {
  onProgress?: (progress: Progress) => void;
  progressEveryMs?: number;
  /** Aborts the run: the workers stop and the run rejects with RunAborted. */
  signal?: AbortSignal;
  /** SIGINT and SIGTERM abort the run, for the duration of the run. */
  interruptible?: boolean;
}

/** The pool runs compiled JavaScript: the worker module sits next to this one in dist/. */
const WORKER_MODULE = new URL('./pool-worker.js', import.meta.url).href;
const COORDINATOR_POLL_MS = 20;
/**
 * How long the workers have to stop by themselves once a unit failed (the first failure of
 * those that answer is reported), before they are terminated. An aborted run waits for none:
 * its threads are terminated at once, wherever they are (still loading their modules, say: a
 * Ctrl-C then waited the whole second).
 */
const STOP_GRACE_MS = 1000;

/**
 * Runs a placed program on a piscina pool: one long-lived task per worker, each running many
 * contexts. This thread only coordinates: it watches for a global stall (every worker idle,
 * no doorbell unseen), then publishes a clock bound or declares a deadlock, and it reads
 * progress from shared memory. No message per token.
 */
export async function runOnPool(program: Program, placed: Placement, options: PoolOptions = {}): Promise<RunResult> {
  checkWorkerModules(program.modules);
  refuseParamsThreadsCannotTake(program, 'run it in one thread (workers: 1)');
  const controlMemory = createControlMemory(placed.workers, program.units.length);
  const threadEnds = createThreadEnds(placed.workers);
  const control = new PoolControl(controlMemory);
  const clocks = createClockMemory(program.units.length);
  const waits = createWaitMemory(program.units.length);
  const waitBoard = new WaitBoard(waits);
  const ends = channelEnds(program);
  const links = placed.cut.map((c) => createLinkMemory(program.channels[c]!, c, placed.of[ends[c]![0]]!, placed.of[ends[c]![1]]!));
  // Loaded with the first pool: a run in one thread spares its 40-50 ms.
  const { Piscina } = await import('piscina');
  const pool = new Piscina<WorkerTask, WorkerOutcome>({ ...poolOptions(WORKER_MODULE, placed.workers), atomics: 'disabled' });

  let deadlocked = false;
  const stopping = interruption(options);
  /** When the workers were first asked to stop: by an abort, or by a unit's failure. */
  let stopAskedAt = Infinity;
  const askToStop = (): void => {
    stopAskedAt = Math.min(stopAskedAt, performance.now());
    control.stop();
  };
  stopping.signal.addEventListener('abort', askToStop, { once: true });
  // Aborted while piscina loaded: no 'abort' event comes, and the workers had run the whole program.
  if (stopping.signal.aborted) askToStop();
  // Atomics.waitAsync does not keep the event loop alive, and piscina's workers do not either.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    // Each worker's outcome as it comes: a unit's failure ends the run without waiting for
    // workers that may never answer (a unit that never yields sees no stop).
    const answered: (WorkerOutcome | undefined)[] = [];
    const tasks = Promise.all(
      Array.from({ length: placed.workers }, (_, worker) =>
        pool.run({ worker, program, placement: placed.of, links, control: controlMemory, clocks, waits, threadEnds }).then((outcome) => {
          answered[worker] = outcome;
          if (outcome.failure !== null) askToStop();
          return outcome;
        }),
      ),
    );
    let settled = false;
    tasks.then(
      () => (settled = true),
      () => {
        settled = true;
        control.stop();
      },
    );

    const progress = new CyclesProgress(options.onProgress, options.progressEveryMs);
    let lastBound = -1;
    let activityAtBound = -1;
    let activityAtStrand = -1;
    // A unit that never yields never sees the stop: past the grace, its thread is ended with the pool (below).
    while (!settled && !stopping.signal.aborted && performance.now() - stopAskedAt <= STOP_GRACE_MS) {
      const ticket = control.coordinatorTicket();
      await Atomics.waitAsync(ticket.words, ticket.index, ticket.value, COORDINATOR_POLL_MS).value;
      progress.tick(performance.now(), () => control.clocks);
      if (control.command !== 0 || !control.stalled()) continue;
      let least = Infinity;
      let running = 0;
      for (let w = 0; w < placed.workers; w++) {
        if (control.isDone(w)) continue;
        running++;
        least = Math.min(least, control.leastTarget(w));
      }
      if (running === 0) continue;
      // Units that wait only on one another are dead: their threads mark them first (step 3),
      // which tells something only to a unit waiting on a clock.
      if (least !== Infinity && waitBoard.markDead(program.units.length)) {
        control.publishRound(Round.Dead);
        continue;
      }
      // A bound that woke nobody last time will not wake anybody now: that is a deadlock too,
      // over once the held-back producers have run on (strandHeldBack) and nothing moved.
      if (least === Infinity || (least === lastBound && control.activity === activityAtBound)) {
        if (control.activity === activityAtStrand) {
          deadlocked = true;
          control.stop();
        } else {
          activityAtStrand = control.activity;
          control.publishRound(Round.Strand);
        }
      } else {
        lastBound = least;
        activityAtBound = control.activity;
        control.publishBound(least);
      }
    }
    if (settled) {
      await tasks.catch((error: unknown) => {
        // Aborted, a thread that fails as it stops is no verdict on the run: its failure had
        // been reported in the abort's place (after a Ctrl-C, a stray error, exit 1).
        if (stopping.signal.aborted) return;
        throw threadEndFailure(threadEnds, program, error) ?? error;
      });
    }
    if (stopping.signal.aborted) throw runAborted(stopping.signal);
    // Of failures on several workers, the first worker's is reported (of those that answered within the grace).
    const failure = answered.find((outcome) => outcome?.failure)?.failure;
    if (failure) throw failureError(failure);
    // Neither aborted nor failed: every worker has answered.
    const result = merge(program, await tasks, deadlocked);
    progress.end(result.cycles);
    return result;
  } finally {
    clearInterval(keepAlive);
    stopping.release();
    await pool.destroy();
  }
}

function merge(program: Program, outcomes: readonly WorkerOutcome[], deadlocked: boolean): RunResult {
  const contexts = new Map<number, ContextStats>();
  const channels = new Map<string, ChannelStats>();
  const reported = new Map<string, unknown>();
  const blocked: BlockedContext[] = [];
  const roomWaits = new Map<string, number>();
  for (const outcome of outcomes) {
    for (const [i, stats] of outcome.contexts) contexts.set(i, stats);
    for (const [name, stats] of outcome.channels) channels.set(name, stats);
    for (const [name, cycles] of outcome.roomWaits) roomWaits.set(name, cycles);
    for (const [name, value] of outcome.reports) reported.set(name, value);
    if (outcome.stalled) {
      // One at a time: a deadlock of many heads blocks more contexts than a call takes arguments.
      for (const b of outcome.stalled.blocked) blocked.push(b);
    }
  }
  const order = unitIndex(program);
  const byProgramOrder = (a: string, b: string): number => order.get(a)! - order.get(b)!;
  blocked.sort((a, b) => byProgramOrder(a.unit, b.unit));
  const contextList = program.units.map((_, i) => contexts.get(i)!);
  // In the program's order, as one thread gives them: a result is the same at any worker count, to its keys' order.
  const reports = Object.fromEntries(program.units.flatMap((u) => (reported.has(u.name) ? [[u.name, reported.get(u.name)]] : [])));
  return {
    status: deadlocked ? 'deadlock' : 'ok',
    cycles: contextList.reduce((max, c) => Math.max(max, c.finalClock), 0),
    contexts: contextList,
    // A cut channel's room waits are counted by its sender's worker, its other figures by its receiver's.
    channels: program.channels.map((ch) => {
      const stats = channels.get(ch.name)!;
      const roomWaitCycles = roomWaits.get(ch.name);
      return roomWaitCycles === undefined ? stats : { ...stats, roomWaitCycles };
    }),
    reports,
    deadlock: deadlocked ? { blocked } : null,
  };
}
