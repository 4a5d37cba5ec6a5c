import { TimeRuns } from './time-runs.js';
import type { Time } from './time.js';

/**
 * Peak occupancy of a channel in simulated time (spec section 4): an element occupies the
 * channel from its enqueue instant (sender clock after any wait for room) until its dequeue
 * instant (receiver clock after the dequeue), half-open, so at one instant a dequeue counts
 * before an enqueue.
 *
 * Both instant streams are non-decreasing, so the peak is a sweep over their merge. The
 * sweep only passes an instant once neither stream can still produce an earlier one
 * (their frontiers are the sender's and the receiver's clocks), which makes the result
 * independent of the schedule. Pending instants live in TimeRuns, so memory stays small
 * even when the simulated FIFO holds millions of elements.
 */
export class OccupancyMeter {
  private readonly enqueues = new TimeRuns();
  private readonly dequeues = new TimeRuns();
  private occupancy = 0;
  peak = 0;

  enqueued(t: Time): void {
    this.enqueues.push(t);
  }

  dequeued(t: Time): void {
    this.dequeues.push(t);
  }

  /**
   * Sweeps every instant that can no longer be preceded by a new one. `senderFrontier` and
   * `receiverFrontier` are lower bounds on any future enqueue and dequeue instant.
   */
  sweep(senderFrontier: Time, receiverFrontier: Time): void {
    const enq = this.enqueues;
    const deq = this.dequeues;
    for (;;) {
      const nextEnq = enq.size > 0 ? enq.peek() : senderFrontier;
      if (deq.size > 0 && deq.peek() <= nextEnq) {
        deq.shift();
        this.occupancy--;
        continue;
      }
      const nextDeq = deq.size > 0 ? deq.peek() : receiverFrontier;
      if (enq.size > 0 && nextEnq < nextDeq) {
        enq.shift();
        if (++this.occupancy > this.peak) this.peak = this.occupancy;
        continue;
      }
      return;
    }
  }

  /** Time runs held in memory, for memory reports and tests. */
  get heldRuns(): number {
    return this.enqueues.runs + this.dequeues.runs;
  }
}
