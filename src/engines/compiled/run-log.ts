import { TimeRuns } from '../../kernel/time-runs.js';

/** The enqueue and dequeue instants a channel saw over a verify-mode period, in order (drift.ts). */
export interface Journal {
  readonly enqueued: RunLog;
  readonly dequeued: RunLog;
}

export function newJournal(): Journal {
  return { enqueued: new RunLog(), dequeued: new RunLog() };
}

/** Pairs everyPair compares between two yields: some milliseconds. */
const PAIRS_PER_STRETCH = 1 << 16;

/**
 * An append-only log of numbers, stored as arithmetic runs and read back by index: what a
 * verify-mode row records for each element it moves (margins, enqueue and dequeue instants;
 * drift.ts). A row of a fixed-II design leaves a handful of runs however long it is, so a
 * naive row of millions of elements is logged in a few words.
 */
export class RunLog extends TimeRuns {
  /** The runs as of `indexedSize` elements: first values, steps and cumulative counts. */
  private starts = new Float64Array(0);
  private steps = new Float64Array(0);
  private ends = new Float64Array(0);
  private indexedSize = -1;

  /** Element k (0: the first logged). */
  at(k: number): number {
    if (this.indexedSize !== this.size) this.index();
    const ends = this.ends;
    let lo = 0;
    let hi = ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! > k) hi = mid;
      else lo = mid + 1;
    }
    return this.inRun(lo, k);
  }

  /**
   * Whether `ok` holds for every pair of elements at the same index (false when the lengths
   * differ), yielding between stretches of PAIRS_PER_STRETCH pairs: a drift's proof compares
   * logs of millions of elements (naive N = 2^22: 1-2 s in one go, which a SIGINT waited for).
   */
  *everyPair(other: RunLog, ok: (mine: number, theirs: number) => boolean): Generator<void, boolean> {
    if (other.size !== this.size) return false;
    if (this.indexedSize !== this.size) this.index();
    if (other.indexedSize !== other.size) other.index();
    const runs = { r: 0, s: 0 };
    for (let k = 0; k < this.size; k += PAIRS_PER_STRETCH) {
      if (k > 0) yield;
      if (!this.pairsHold(other, runs, k, Math.min(this.size, k + PAIRS_PER_STRETCH), ok)) return false;
    }
    return true;
  }

  /** everyPair over elements [from, to), in one go, the runs they lie in moved along in `runs`. */
  private pairsHold(
    other: RunLog,
    runs: { r: number; s: number },
    from: number,
    to: number,
    ok: (mine: number, theirs: number) => boolean,
  ): boolean {
    let { r, s } = runs;
    for (let k = from; k < to; k++) {
      while (this.ends[r]! <= k) r++;
      while (other.ends[s]! <= k) s++;
      if (!ok(this.inRun(r, k), other.inRun(s, k))) return false;
    }
    runs.r = r;
    runs.s = s;
    return true;
  }

  /** Element k, which lies in run r. */
  private inRun(r: number, k: number): number {
    return this.starts[r]! + this.steps[r]! * (k - (r === 0 ? 0 : this.ends[r - 1]!));
  }

  private index(): void {
    this.starts = new Float64Array(this.runs);
    this.steps = new Float64Array(this.runs);
    this.ends = new Float64Array(this.runs);
    let r = 0;
    let end = 0;
    this.forEachRun((start, step, count) => {
      this.starts[r] = start;
      this.steps[r] = step;
      this.ends[r++] = end += count;
    });
    this.indexedSize = this.size;
  }
}
