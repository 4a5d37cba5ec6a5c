import type { Time } from './time.js';

/**
 * A FIFO of non-decreasing times stored as arithmetic runs (start, step, count).
 * A unit with a fixed initiation interval produces one run per burst, so a queue that
 * holds N^2/2 pending times in simulated terms costs a handful of runs in memory.
 */
export class TimeRuns {
  private start = new Float64Array(8);
  private step = new Float64Array(8);
  private count = new Float64Array(8);
  private mask = 7;
  /** Ring index of the oldest run. */
  private head = 0;
  /** Runs held. */
  runs = 0;
  /** Times already taken from the head run. */
  private taken = 0;
  private last = 0;
  /** Number of times held. */
  size = 0;

  /** The newest time held (while `size` > 0). */
  get newest(): Time {
    return this.last;
  }

  push(t: Time): void {
    this.size++;
    if (this.runs > 0) {
      const i = (this.head + this.runs - 1) & this.mask;
      const c = this.count[i]!;
      // A run of one is never partly taken (it would have been dropped), so any step fits.
      if (c === 1) {
        this.step[i] = t - this.last;
        this.count[i] = 2;
        this.last = t;
        return;
      }
      if (t - this.last === this.step[i]) {
        this.count[i] = c + 1;
        this.last = t;
        return;
      }
    }
    if (this.runs > this.mask) this.grow();
    const j = (this.head + this.runs) & this.mask;
    this.start[j] = t;
    this.step[j] = 0;
    this.count[j] = 1;
    this.runs++;
    this.last = t;
  }

  /** Pushes `times[k & mask]` for k from `from` up to `to` (excluded), extending the last run in a tight loop. */
  pushEach(times: Float64Array, from: number, to: number, mask: number): void {
    let k = from;
    while (k < to) {
      const i = (this.head + this.runs - 1) & this.mask;
      if (this.runs > 0 && this.count[i]! >= 2) {
        const step = this.step[i]!;
        const before = this.count[i]!;
        let count = before;
        let last = this.last;
        for (; k < to; k++) {
          const t = times[k & mask]!;
          if (t - last !== step) break;
          last = t;
          count++;
        }
        this.count[i] = count;
        this.size += count - before;
        this.last = last;
        if (k === to) return;
      }
      this.push(times[k & mask]!);
      k++;
    }
  }

  /**
   * Pushes the `count` times start, start + step, ...: as `count` pushes do, the last ones at
   * once once the last run goes on with `step` (a copy of a queue run by run, not time by time).
   */
  pushRun(start: Time, step: Time, count: number): void {
    let k = 0;
    for (; k < count; k++) {
      const i = (this.head + this.runs - 1) & this.mask;
      if (k > 0 && this.count[i]! >= 2 && this.step[i] === step) break;
      this.push(start + step * k);
    }
    if (k === count) return;
    const i = (this.head + this.runs - 1) & this.mask;
    this.count[i] = this.count[i]! + (count - k);
    this.size += count - k;
    this.last = start + step * (count - 1);
  }

  /** The oldest time held; the queue must not be empty. */
  get first(): Time {
    const i = this.head;
    return this.start[i]! + this.step[i]! * this.taken;
  }

  /** The step of the oldest run, and its last time; the queue must not be empty. */
  get firstStep(): Time {
    return this.step[this.head]!;
  }

  get lastOfFirstRun(): Time {
    const i = this.head;
    return this.start[i]! + this.step[i]! * (this.count[i]! - 1);
  }

  shift(): Time {
    const i = this.head;
    const t = this.start[i]! + this.step[i]! * this.taken;
    this.size--;
    if (++this.taken === this.count[i]) {
      this.taken = 0;
      this.head = (i + 1) & this.mask;
      this.runs--;
    }
    return t;
  }

  /** Removes every time up to `t` (inclusive); returns how many. */
  shiftUpTo(t: Time): number {
    let removed = 0;
    while (this.runs > 0) {
      const i = this.head;
      const first = this.start[i]! + this.step[i]! * this.taken;
      if (first > t) break;
      const left = this.count[i]! - this.taken;
      const step = this.step[i]!;
      // Times first, first + step, ... up to t: all that are left when the step is 0. Mostly
      // one is due (a queue read at the pace it fills), without a division.
      const upTo = step === 0 ? left : first + step > t ? 1 : Math.min(left, Math.floor((t - first) / step) + 1);
      removed += upTo;
      this.size -= upTo;
      if (upTo < left) {
        this.taken += upTo;
        break;
      }
      this.taken = 0;
      this.head = (i + 1) & this.mask;
      this.runs--;
    }
    return removed;
  }

  /** Removes the `count` oldest times (at most `size`). */
  drop(count: number): void {
    let left = count;
    while (left > 0 && this.runs > 0) {
      const i = this.head;
      const inRun = this.count[i]! - this.taken;
      if (left < inRun) {
        this.taken += left;
        this.size -= left;
        return;
      }
      left -= inRun;
      this.size -= inRun;
      this.taken = 0;
      this.head = (i + 1) & this.mask;
      this.runs--;
    }
  }

  /** Calls `fn` with each run's first time held, step and count of times held, oldest first. */
  forEachRun(fn: (start: Time, step: Time, count: number) => void): void {
    for (let r = 0; r < this.runs; r++) {
      const i = (this.head + r) & this.mask;
      const taken = r === 0 ? this.taken : 0;
      fn(this.start[i]! + this.step[i]! * taken, this.step[i]!, this.count[i]! - taken);
    }
  }

  clear(): void {
    this.head = 0;
    this.runs = 0;
    this.taken = 0;
    this.size = 0;
  }

  private grow(): void {
    const n = this.mask + 1;
    const start = new Float64Array(n * 2);
    const step = new Float64Array(n * 2);
    const count = new Float64Array(n * 2);
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) & this.mask;
      start[k] = this.start[i]!;
      step[k] = this.step[i]!;
      count[k] = this.count[i]!;
    }
    this.start = start;
    this.step = step;
    this.count = count;
    this.mask = n * 2 - 1;
    this.head = 0;
  }
}
