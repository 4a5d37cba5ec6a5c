import type { Progress } from '../run-result.js';

/** How often progress is reported when the caller does not say. */
const EVERY_MS = 250;

/**
 * An actors run's progress, in cycles: the least clock over live contexts (every context has
 * simulated at least this far), which only grows. Once the last contexts have finished there
 * is none, and the run had reported 0 there, its progress falling back at its end: a report
 * then repeats the one before, and the run's end reports its cycles, so that the last report is
 * the final figure, as on the compiled engine.
 */
export class CyclesProgress {
  private done = 0;
  private due: number;

  constructor(
    private readonly onProgress: ((progress: Progress) => void) | undefined,
    private readonly everyMs = EVERY_MS,
  ) {
    this.due = performance.now() + everyMs;
  }

  /** Reports the least clock over live contexts (Infinity when none is left), if a report is due at `now`. */
  tick(now: number, leastClock: () => number): void {
    if (this.onProgress === undefined || now < this.due) return;
    const least = leastClock();
    if (least !== Infinity) this.done = least;
    this.report(this.done);
    this.due = performance.now() + this.everyMs;
  }

  /** The run is over: every context ran to its final clock, the latest of which is `cycles`. */
  end(cycles: number): void {
    this.report(cycles);
  }

  private report(done: number): void {
    this.onProgress?.({ done, total: null, unit: 'cycles' });
  }
}
