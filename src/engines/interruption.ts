import { RunAborted } from '../kernel/errors.js';
import { fanOut } from './fan-out.js';

/**
 * What stops a run early: the caller's abort signal, and SIGINT or SIGTERM when the run is
 * interruptible (the CLI's): the engine then stops its workers and rejects with RunAborted,
 * instead of the process dying with the run half done and the terminal in a state. `release`
 * stops listening once the run is over.
 *
 * Runs at once share one listener on a signal and one on each process signal (fanOut): a
 * listener each had warned of a leak (MaxListenersExceededWarning) from the 11th run at once
 * given one service-wide AbortSignal, or interruptible, though each run removed its own.
 */
export function interruption(options: { readonly signal?: AbortSignal; readonly interruptible?: boolean }): {
  signal: AbortSignal;
  release(): void;
} {
  const controller = new AbortController();
  const given = options.signal;
  // The caller's reason is kept: a RunAborted has it as its cause.
  const stop = (): void => controller.abort(given?.aborted ? given.reason : undefined);
  const signalled = (name: NodeJS.Signals): void => controller.abort(new Error(`${name} received`));
  const releases: (() => void)[] = [];
  if (given?.aborted) stop();
  else if (given !== undefined) releases.push(fanOut(given, 'abort', stop));
  if (options.interruptible) for (const name of ['SIGINT', 'SIGTERM'] as const) releases.push(fanOut(process, name, () => signalled(name)));
  return {
    signal: controller.signal,
    release() {
      for (const release of releases.splice(0)) release();
    },
  };
}

/** The RunAborted of a run `signal` stopped, with the abort's reason as its cause. */
export function runAborted(signal: AbortSignal, what = 'run interrupted'): RunAborted {
  return new RunAborted(what, { cause: signal.reason });
}

/** Resolves when `signal` aborts (at once if it has). */
export function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Rejects with RunAborted (`what`) when `signal` aborts: the other side of a race with the work the signal stops. */
export function interrupted(signal: AbortSignal, what: string): Promise<never> {
  return whenAborted(signal).then(() => {
    throw runAborted(signal, what);
  });
}

/** Lets signals and timers in between two stretches of work in the calling thread. */
export function breather(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Longest stretch of work in the calling thread before it lets signals and timers in. */
const SLICE_MS = 50;

/**
 * Drives `steps` to their end in the calling thread, letting signals and timers in every
 * SLICE_MS or so (between two steps); an abort of `signal` meanwhile rejects with RunAborted.
 */
export async function inSlices<T>(steps: Generator<unknown, T>, signal?: AbortSignal): Promise<T> {
  let deadline = performance.now() + SLICE_MS;
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    if (performance.now() >= deadline) {
      await breather();
      if (signal?.aborted) throw runAborted(signal);
      deadline = performance.now() + SLICE_MS;
    }
  }
}
