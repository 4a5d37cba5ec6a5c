import { TimeRuns } from '../../kernel/time-runs.js';

/**
 * The instants of a ring's elements [from, to) (element n's at `ring[n & mask]`), as runs,
 * moved forward at each read: the elements that left are dropped and the new ones read from
 * the ring, so that a window of thousands of instants costs what moved since the last read
 * (about a row's worth at a row boundary) and reads back in a few runs. The fast-forward
 * detectors read a handoff channel's last dequeue instants and a ring channel's pending
 * acknowledgements so, at every boundary.
 */
export class RingRuns {
  private readonly runs = new TimeRuns();
  private from = 0;
  private to = 0;

  /**
   * The instants of elements [from, to). A window that does not move forward from the last
   * one is read anew; otherwise the ring must still hold the elements from the last `to` on.
   */
  cover(ring: Float64Array, mask: number, from: number, to: number): TimeRuns {
    if (from < this.from || from > this.to || to < this.to) {
      this.runs.clear();
      this.to = from;
    } else {
      this.runs.drop(from - this.from);
    }
    this.runs.pushEach(ring, this.to, to, mask);
    this.from = from;
    this.to = to;
    return this.runs;
  }
}
