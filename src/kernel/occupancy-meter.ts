import { TimeRuns } from './time-runs.js';
import type { Time } from './time.js';

/**
 * What the meter reads of its channel: element n's enqueue instant is `enqueuedAt[n & mask]`,
 * and, when `dequeuedAt` is not null, its dequeue instant `dequeuedAt[n & mask]` until
 * element n + slots is dequeued.
 */
export interface InstantLog {
  readonly enqueuedAt: Float64Array;
  readonly dequeuedAt: Float64Array | null;
  readonly mask: number;
  readonly slots: number;
  readonly sent: number;
  readonly capacity: number;
}

/**
 * Peak occupancy of a channel in simulated time (spec section 4): an element occupies the
 * channel from its enqueue instant E (sender clock after any wait for room) until its
 * dequeue instant D (receiver clock after the dequeue), half-open, so at one instant a
 * dequeue counts before an enqueue.
 *
 * Occupancy only rises at enqueue instants, so the peak is the largest, over elements m, of
 * m + 1 - (dequeue instants <= E_m). Element m is settled once a dequeue instant later than
 * E_m is known: dequeue instants never decrease, so no later one can count for it. Every
 * element is settled by its own dequeue at the latest (latency >= 1 makes D_m > E_m), so
 * the enqueue instants still needed are all in the channel's ring. The dequeue instants not
 * yet counted are read from the ring when the channel keeps them there (a bounded FIFO that
 * fits its ring); otherwise they wait in TimeRuns, so an unbounded FIFO that holds millions
 * of elements in simulated time costs a few runs of memory. The result depends only on the
 * instants, never on the schedule.
 */
export class OccupancyMeter {
  private readonly pending = new TimeRuns();
  /** Elements whose enqueue instant is settled. */
  private settled = 0;
  /** Dequeue instants counted against the elements not yet settled. */
  private counted = 0;
  peak = 0;
  /**
   * Simulated cycles the channel was full: an element that finds it holding capacity - 1
   * fills it from its enqueue instant until the next dequeue instant (which frees a slot; the
   * next enqueue can only come after its acknowledgement), so those spans never overlap.
   */
  fullCycles = 0;

  /** Records element n's dequeue at `at`; call before the ring slot of element n - slots is reused. */
  dequeued(log: InstantLog, n: number, at: Time): void {
    const m = this.settle(log, this.settled, at, n);
    this.settled = m;
    if (m < log.sent) {
      // E_m >= at: every dequeue so far, this one included, counts for m and every later element.
      this.counted = n + 1;
      if (this.pending.size > 0) this.pending.clear();
    } else if (log.dequeuedAt === null) {
      this.pending.push(at);
    } else if (this.counted <= n - log.slots) {
      // Element n - slots leaves the ring. A future enqueue waits for the acknowledgement of
      // the element `capacity` (<= slots) places back, so it comes no earlier than that instant.
      this.counted = n - log.slots + 1;
    }
  }

  /** Settles every element from m on enqueued before `before`, with dequeues up to element `upTo` (excluded) known. */
  private settle(log: InstantLog, m: number, before: Time, upTo: number): number {
    const enqueuedAt = log.enqueuedAt;
    const dequeuedAt = log.dequeuedAt;
    const mask = log.mask;
    const sent = log.sent;
    const pending = this.pending;
    const capacity = log.capacity;
    let counted = this.counted;
    let peak = this.peak;
    let full = this.fullCycles;
    for (; m < sent; m++) {
      const e = enqueuedAt[m & mask]!;
      if (e >= before) break;
      if (dequeuedAt !== null) {
        while (counted < upTo && dequeuedAt[counted & mask]! <= e) counted++;
      } else if (pending.size > 0) {
        counted += pending.shiftUpTo(e);
      }
      const occupancy = m + 1 - counted;
      if (occupancy > peak) peak = occupancy;
      if (occupancy === capacity) {
        // The next dequeue instant: in the ring or the runs, else the one being recorded (`before`).
        const next =
          dequeuedAt !== null ? (counted < upTo ? dequeuedAt[counted & mask]! : before) : pending.size > 0 ? pending.first : before;
        if (next !== Infinity) full += next - e;
      }
    }
    this.counted = counted;
    this.peak = peak;
    this.fullCycles = full;
    return m;
  }

  /** Settles every element: the run is over, no instant is still to come. */
  finish(log: InstantLog, received: number): void {
    this.settled = this.settle(log, this.settled, Infinity, received);
  }

  /**
   * Whether every dequeue instant so far is at or before `t`, once every element sent is
   * settled (`finish`) and the sender's clock is `t`: the instants counted lie at or before
   * some element's enqueue instant, and those after them wait here.
   */
  dequeuedBy(t: Time): boolean {
    return this.pending.size === 0 || this.pending.newest <= t;
  }

  /**
   * Settles the last `count` elements sent, every element before them settled, where each was
   * enqueued at or after every dequeue instant the channel will ever have (a stranded channel:
   * Channel.sendUndequeued): each counts every dequeue, so each holds the channel at one more
   * than the one before, and no dequeue follows any of them to end a full span.
   */
  settleUndequeued(log: InstantLog, count: number): void {
    if (this.settled !== log.sent - count) throw new Error('settleUndequeued: the elements before these are not all settled');
    this.counted += this.pending.size;
    this.pending.clear();
    const occupancy = log.sent - this.counted;
    if (occupancy > this.peak) this.peak = occupancy;
    this.settled = log.sent;
  }

  /**
   * Once every element sent is settled (after `finish`) on a channel that keeps no dequeue
   * instants in its ring (`dequeuedAt` null: unbounded, or beyond the ring): how many dequeues counted for its last element, and
   * the dequeue instants after them, oldest first to `visit`, as runs (start, step, count):
   * all the occupancy of a later element can still depend on, besides dequeues still to come.
   */
  uncounted(visit: (start: Time, step: Time, count: number) => void): number {
    this.pending.forEachRun(visit);
    return this.counted;
  }

  /** Dequeue instants held in memory (as runs), for memory reports and tests. */
  get heldRuns(): number {
    return this.pending.runs;
  }
}
