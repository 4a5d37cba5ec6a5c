import type { TimeRuns } from '../../kernel/time-runs.js';

/**
 * A window of instants, non-decreasing, written as arithmetic runs: its size to `layout`, then
 * for each run its first value to `out` and its step and length to `layout` (`out` and
 * `layout` may be one array). Each run is as long as its step holds, greedily, whatever pieces
 * the instants come in (one by one, or as runs of a TimeRuns), so the same instants give the
 * same runs, and a window kept as a few runs costs as many steps to write, not one per
 * instant. Times are exact integers, so steps compare exactly. The fast-forward detectors
 * compare states through it (drift.ts, HandoffChannel.window, ring-ops.ts ringWindow).
 */
export class WindowRuns {
  private first = 0;
  private step = 0;
  private length = 0;
  private last = 0;

  constructor(
    size: number,
    private readonly out: number[],
    private readonly layout: number[],
  ) {
    layout.push(size);
  }

  /** Instants start, start + step, ... (count of them), later than every one added before. */
  add(start: number, step: number, count: number): void {
    let t = start;
    let left = count;
    while (left > 0) {
      if (this.length === 0) {
        this.first = this.last = t;
        this.length = 1;
      } else if (this.length === 1) {
        this.step = t - this.last;
        this.last = t;
        this.length = 2;
      } else if (t - this.last !== this.step) {
        this.end();
        continue;
      } else if (step === this.step) {
        // The rest of the incoming run goes on with this step: all of it at once.
        this.last = t + step * (left - 1);
        this.length += left;
        return;
      } else {
        this.last = t;
        this.length++;
      }
      t += step;
      left--;
    }
  }

  /** Closes the run being built, if any. */
  end(): void {
    if (this.length === 0) return;
    this.out.push(this.first);
    this.layout.push(this.length > 1 ? this.step : 0, this.length);
    this.length = 0;
  }
}

/** Writes every instant of `instants` as a window (WindowRuns). */
export function writeRuns(instants: TimeRuns, out: number[], layout: number[]): void {
  const window = new WindowRuns(instants.size, out, layout);
  instants.forEachRun((start, step, count) => window.add(start, step, count));
  window.end();
}

/**
 * Writes the instants of `instants` later than `after`, minus `ref`, as a window (WindowRuns)
 * in `out` alone: the newest ones, since instants never decrease, found from the newest run
 * back. Returns how many.
 */
export function writeLater(instants: TimeRuns, after: number, ref: number, out: number[]): number {
  const runs: number[] = [];
  instants.forEachRun((start, step, count) => runs.push(start, step, count));
  // From the newest run back, to the first instant later than `after`: run `from`, its k-th.
  let from = runs.length;
  let k = 0;
  let later = 0;
  while (from > 0) {
    const [start, step, count] = [runs[from - 3]!, runs[from - 2]!, runs[from - 1]!];
    if (start + step * (count - 1) <= after) break;
    from -= 3;
    k = start > after ? 0 : Math.floor((after - start) / step) + 1;
    later += count - k;
    if (k > 0) break;
  }
  const window = new WindowRuns(later, out, out);
  for (let r = from; r < runs.length; r += 3) {
    const skip = r === from ? k : 0;
    window.add(runs[r]! + runs[r + 1]! * skip - ref, runs[r + 1]!, runs[r + 2]! - skip);
  }
  window.end();
  return later;
}
