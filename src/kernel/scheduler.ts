import type { Context } from './context.js';

/** What a context needs from the executor that runs it. */
export interface Scheduler {
  /** A blocked context's condition was met: run it again. */
  makeReady(ctx: Context): void;
}
