import { parentPort, workerData } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { UnitError } from '../kernel/errors.js';
import { importWorkerModules } from '../kernel/registry.js';
import { programFailure, unitFailure } from '../engines/worker-failure.js';
import { Session } from './session.js';
import { watchThreadEnd } from '../engines/actors/thread-end.js';
import type { Program } from '../kernel/program.js';
import type { Time } from '../kernel/time.js';
import type { RunResult } from '../engines/run-result.js';
import type { WorkerFailure } from '../engines/worker-failure.js';
import type { Inspection } from './inspection.js';

/** A call's answer across the thread boundary: its value, or why it failed as plain data. */
export type Outcome<T> = { readonly value: T } | { readonly failure: WorkerFailure };

/** What the calling thread controls through comlink: control and inspections, never tokens. */
export interface SessionControl {
  runUntil(cycle: Time): Promise<Outcome<Inspection>>;
  step(rows: number): Promise<Outcome<Inspection>>;
  inspect(elements?: number): Promise<Outcome<Inspection>>;
  resume(): Promise<Outcome<RunResult>>;
  /** Ends every unit's body and lets this thread exit (its port closes once this call is answered). */
  close(): Promise<void>;
}

const port = parentPort!;
const { program, threadEnds } = workerData as { program: Program; threadEnds: SharedArrayBuffer };
watchThreadEnd(threadEnds, 0);
// Modules are imported as in a pool worker: the program's own, and this thread refuses to start a run.
const session = importWorkerModules(
  program.modules,
  program.units.map((u) => u.kind),
).then(() => new Session(program));
// A set-up that fails is each call's answer (outcome, below); unhandled until the first call
// came, it had ended the thread, and the call failed as 'the worker thread exited (code 1)'.
session.catch(() => undefined);

async function outcome<T>(call: (session: Session) => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { value: await call(await session) };
  } catch (error) {
    return { failure: error instanceof UnitError ? unitFailure(error) : programFailure(error) };
  }
}

const control: SessionControl = {
  runUntil: (cycle) => outcome((s) => s.runUntil(cycle)),
  step: (rows) => outcome((s) => s.step(rows)),
  inspect: (elements) => outcome((s) => s.inspect(elements)),
  resume: () => outcome((s) => s.resume()),
  async close() {
    await session.then(
      (s) => s.close(),
      () => undefined,
    );
    setImmediate(() => port.close());
  },
};

expose(control, nodeEndpoint(port));
