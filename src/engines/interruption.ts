import { RunAborted } from '../kernel/errors.js';

/**
 * What stops a run early: the caller's abort signal, and SIGINT or SIGTERM when the run is
 * interruptible (the CLI's): the engine then stops its workers and rejects with RunAborted,
 * instead of the process dying with the run half done and the terminal in a state. `release`
 * stops listening once the run is over.
 */
export function interruption(options: { readonly signal?: AbortSignal; readonly interruptible?: boolean }): {
  signal: AbortSignal;
  release(): void;
} {
  const controller = new AbortController();
  // The caller's reason is kept: a RunAborted has it as its cause.
  const stop = (): void => controller.abort(options.signal?.aborted ? options.signal.reason : undefined);
  const signalled = (name: NodeJS.Signals): void => controller.abort(new Error(`${name} received`));
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.interruptible) {
    process.on('SIGINT', signalled);
    process.on('SIGTERM', signalled);
  }
  return {
    signal: controller.signal,
    release() {
      options.signal?.removeEventListener('abort', stop);
      process.off('SIGINT', signalled);
      process.off('SIGTERM', signalled);
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
