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
  const stop = (): void => controller.abort();
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.interruptible) {
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  return {
    signal: controller.signal,
    release() {
      options.signal?.removeEventListener('abort', stop);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
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
    throw new RunAborted(what);
  });
}

/** Lets signals and timers in between two stretches of work in the calling thread. */
export function breather(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
