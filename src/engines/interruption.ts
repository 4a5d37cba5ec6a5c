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

/** Lets signals and timers in between two stretches of work in the calling thread. */
export function breather(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
