import { TimeRuns } from './time-runs.js';
import type { Time } from './time.js';

/** Where the meter reads enqueue instants: element n's instant is `enqueuedAt[n & mask]`. */
export interface EnqueueLog {
  readonly enqueuedAt: Float64Array;
  readonly mask: number;
  readonly sent: number;
}

/**
 * Peak occupancy of a channel in simulated time (spec section 4): an element occupies the
 * channel from its enqueue instant (sender clock after any wait for room) until its dequeue
 * instant (receiver clock after the dequeue), half-open, so at one instant a dequeue counts
 * before an enqueue.
 *
 * Both instant streams are non-decreasing, so the peak is a sweep over their merge. The
 * sweep passes an instant only once neither stream can still produce an earlier one (their
 * frontiers are the sender's and the receiver's clocks), which makes the result independent
 * of the schedule. Enqueue instants are read from the channel's ring: an element's instant
 * is always swept before its slot is reused, because it precedes the element's own dequeue
 * and the sender's clock. Dequeue instants that run ahead of the sender wait in TimeRuns,
 * so a FIFO holding millions of elements in simulated time costs a few runs of memory.
 */
export class OccupancyMeter {
  private readonly pending = new TimeRuns();
  /** Enqueue instants swept so far. */
  private swept = 0;
  private occupancy = 0;
  peak = 0;

  /** Records a dequeue at `at` and sweeps what can be swept. */
  dequeued(log: EnqueueLog, at: Time, senderFrontier: Time): void {
    if (this.pending.size === 0) {
      // Common case: sweep enqueues before `at`, then the dequeue itself if no enqueue can precede it.
      const enqueuedAt = log.enqueuedAt;
      const mask = log.mask;
      const sent = log.sent;
      let n = this.swept;
      let occupancy = this.occupancy;
      while (n < sent && enqueuedAt[n & mask]! < at) {
        if (++occupancy > this.peak) this.peak = occupancy;
        n++;
      }
      this.swept = n;
      if (n < sent ? enqueuedAt[n & mask]! >= at : senderFrontier >= at) {
        this.occupancy = occupancy - 1;
        return;
      }
      this.occupancy = occupancy;
    }
    this.pending.push(at);
    this.sweep(log, senderFrontier, at);
  }

  /**
   * Sweeps every instant that can no longer be preceded by a new one; `senderFrontier` and
   * `receiverFrontier` bound any future enqueue and dequeue instant from below.
   */
  sweep(log: EnqueueLog, senderFrontier: Time, receiverFrontier: Time): void {
    const pending = this.pending;
    const enqueuedAt = log.enqueuedAt;
    const mask = log.mask;
    const sent = log.sent;
    let swept = this.swept;
    let occupancy = this.occupancy;
    let peak = this.peak;
    for (;;) {
      const hasEnqueue = swept < sent;
      const nextEnqueue = hasEnqueue ? enqueuedAt[swept & mask]! : senderFrontier;
      // At one instant a dequeue goes first; an enqueue only once no dequeue can precede it.
      const hasDequeue = pending.size > 0;
      const nextDequeue = hasDequeue ? pending.peek() : receiverFrontier;
      if (hasDequeue && nextDequeue <= nextEnqueue) {
        pending.shift();
        occupancy--;
      } else if (hasEnqueue && nextEnqueue < nextDequeue) {
        swept++;
        if (++occupancy > peak) peak = occupancy;
      } else {
        break;
      }
    }
    this.swept = swept;
    this.occupancy = occupancy;
    this.peak = peak;
  }

  /** Dequeue instants held in memory (as runs), for memory reports and tests. */
  get heldRuns(): number {
    return this.pending.runs;
  }
}
