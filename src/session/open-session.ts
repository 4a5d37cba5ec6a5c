import { workerExecArgv } from '../engines/worker-pool.js';
import { Worker } from 'node:worker_threads';
import { releaseProxy, wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { ProgramError, RunAborted } from '../kernel/errors.js';
import { checkWorkerModules } from '../kernel/registry.js';
import { failureError } from '../engines/worker-failure.js';
import { createThreadEnds, threadEndFailure } from '../engines/actors/thread-end.js';
import { checkProgram, refuseParamsThreadsCannotTake } from '../kernel/program.js';
import type { Program } from '../kernel/program.js';
import type { Time } from '../kernel/time.js';
import type { RunResult } from '../engines/run-result.js';
import type { Inspection } from './inspection.js';
import type { Outcome, SessionControl } from './session-worker.js';

/** A program running in a worker thread, paused and inspected from this one. */
export interface Session {
  /** Runs until every unit has reached `cycle` or waits on one that has (or the run is over). */
  runUntil(cycle: Time): Promise<Inspection>;
  /** Runs until every sink has taken `rows` more elements (SDPA: output rows), and to that cycle. */
  step(rows: number): Promise<Inspection>;
  /** Every unit's clock and wait, every channel's contents (the first `elements` of each) and occupancy. */
  inspect(elements?: number): Promise<Inspection>;
  /** Runs to the end; the result is the one a run straight through gives. */
  resume(): Promise<RunResult>;
  /** Stops the run and waits until the worker thread has exited: nothing is left running. */
  close(): Promise<void>;
  /** Settles with the worker's exit code once it has exited. */
  readonly exited: Promise<number>;
}

/** How long a closed worker may take to exit before it is terminated. */
const EXIT_GRACE_MS = 2000;

/**
 * Starts a program in a worker thread and returns its controls: calls go through a comlink
 * proxy (node's worker_threads, comlink's node adapter) and carry control and inspections only,
 * never tokens: the whole simulation runs in the worker, on the actors engine in one thread.
 * A unit's failure or a bad argument rejects the call with the same error as a run would give.
 */
export async function openSession(program: Program): Promise<Session> {
  // Checked here, as in the session's thread.
  await checkProgram(program);
  checkWorkerModules(program.modules);
  refuseParamsThreadsCannotTake(program, 'a session runs in a thread of its own: give data, not functions');
  const threadEnds = createThreadEnds(1);
  const worker = new Worker(new URL('./session-worker.js', import.meta.url), {
    workerData: { program, threadEnds },
    execArgv: workerExecArgv(),
  });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  // A worker that dies answers no call: each call fails with why it died instead of hanging.
  let died: unknown = null;
  worker.on('error', (error) => (died = error));
  let closed: Promise<void> | null = null;
  // Why the thread ended, once it has; until then, the calls under way, each failed with it then.
  // Not Promise.race([call, death]): each race left a reaction on `death`, which settles only at
  // the end, holding the race's promise and so its answer: every inspection of a session stayed
  // in memory (20,000 `step` at the prompt: 340 MB of peak RSS, and out of heap at 48 MB).
  let deathError: unknown = null;
  const underWayCalls = new Set<(error: unknown) => void>();
  void exited.then((code) => {
    const ended = new ProgramError(`the session's worker thread exited (code ${code})${died === null ? '' : `: ${String(died)}`}`);
    // A call under way when close() ended the thread was stopped, as an aborted run is.
    deathError =
      threadEndFailure(threadEnds, program, ended) ??
      (closed === null ? ended : new RunAborted('the session was closed while this call ran'));
    for (const fail of underWayCalls) fail(deathError);
    underWayCalls.clear();
  });
  const remote = wrap<SessionControl>(nodeEndpoint(worker));
  const answer = async <T>(call: Promise<Outcome<T>>): Promise<T> => {
    const outcome = await new Promise<Outcome<T>>((resolve, reject) => {
      if (deathError !== null) {
        call.catch(() => undefined);
        reject(deathError);
        return;
      }
      underWayCalls.add(reject);
      call.then(resolve, reject).finally(() => underWayCalls.delete(reject));
    });
    if ('failure' in outcome) throw failureError(outcome.failure);
    return outcome.value;
  };
  // Calls run one after another, each on the state the one before left (two runUntil at once had
  // both answered with the later one's inspection). The worker holds the process only while a
  // call is under way: a session left open does not keep a script from ending.
  worker.unref();
  let queue: Promise<unknown> = Promise.resolve();
  let underWay = 0;
  // A call made before close() that had not run yet was stopped, as an aborted run is.
  const whenOpen = <T>(call: () => Promise<Outcome<T>>): Promise<T> =>
    closed === null ? answer(call()) : Promise.reject(new RunAborted('the session was closed before this call ran'));
  const open = <T>(call: () => Promise<Outcome<T>>): Promise<T> => {
    if (closed !== null) return Promise.reject(new ProgramError('the session is closed'));
    if (underWay++ === 0) worker.ref();
    const turn = queue.then(() => whenOpen(call));
    queue = turn.then(
      () => undefined,
      () => undefined,
    );
    void queue.then(() => {
      if (--underWay === 0) worker.unref();
    });
    return turn;
  };
  return {
    runUntil: (cycle) => open(() => remote.runUntil(cycle)),
    step: (rows) => open(() => remote.step(rows)),
    inspect: (elements) => open(() => remote.inspect(elements)),
    resume: () => open(() => remote.resume()),
    exited,
    close() {
      closed ??= (async () => {
        worker.ref();
        // A unit that never yields answers nothing: its thread is terminated after the grace.
        const timer = setTimeout(() => void worker.terminate(), EXIT_GRACE_MS);
        await Promise.race([remote.close(), exited]);
        remote[releaseProxy]();
        await exited;
        clearTimeout(timer);
      })();
      return closed;
    },
  };
}
