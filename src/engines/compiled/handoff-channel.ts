import { TimeRuns } from '../../kernel/time-runs.js';
import { newJournal, RunLog } from './run-log.js';
import { RingRuns } from './ring-runs.js';
import { writeLater } from './window-runs.js';
import type { Journal } from './run-log.js';
import type { ChannelShape, CountedChannel, Occupancy } from '../../kernel/channel.js';
import type { Time } from '../../kernel/time.js';

/** Largest capacity whose acknowledgements a handoff channel keeps in its ring. */
const MAX_ACK_SLOTS = 4096;
/** Occupancy is counted once per this many enqueues (a power of two), in one tight loop. */
export const BATCH = 512;
/** The rings of a channel not yet allocated (one array, so that the field's type never changes). */
const NO_INSTANTS = new Float64Array(0);

/**
 * The state of a channel of a static schedule whose receiver dequeues every element before
 * its sender enqueues the next, so at most one element is ever in flight and no ring of
 * elements is kept. Its operations are code, compiled into the schedule with the element in
 * flight and the counters in local variables (engines/compiled/schedule-code.ts); what stays here are
 * the rings of instants those operations write, and the occupancy count over them.
 *
 * Occupancy (spec section 4) is simple for such a channel. When element m is enqueued at
 * E_m, every earlier element has been dequeued, so its occupancy is m + 1 minus the number
 * of dequeue instants <= E_m; later elements' dequeue instants are all later than E_m. So
 * the count can wait: enqueue and dequeue instants go to rings, and every BATCH enqueues one
 * loop counts them (a pointer through the dequeue instants, which never decrease), off the
 * per-element path. With a capacity C, E_m comes after D_(m-C) (its acknowledgement), so
 * the count only reads the last C + BATCH dequeue instants, and the acknowledgements the
 * last C: one ring holds both. Beyond MAX_ACK_SLOTS, and when unbounded, the dequeue
 * instants not yet needed move to TimeRuns at each count, which store the arithmetic runs a
 * unit with a fixed initiation interval leaves in a few words however many elements the
 * FIFO holds in simulated time.
 */
export class HandoffChannel implements ChannelShape, CountedChannel {
  readonly name: string;
  readonly capacity: number;
  readonly sendLatency: Time;
  readonly responseLatency: Time;
  readonly width: number;

  /** Elements enqueued; the compiled schedule stores it back when it is done. */
  sent = 0;
  /** Enqueue and dequeue instants, in order, written by verify-mode rows (drift.ts) and emptied between uses. */
  journal: Journal = newJournal();
  /** Largest occupancy in simulated time over the elements counted so far. */
  private peak = 0;

  /**
   * Enqueue and dequeue instants of element n at `n & mask`, made by `allocate` when code
   * that runs rows is compiled: a head whose code has a twin's signature (group-timing.ts) is
   * never run, and 10,000 heads had made 16 KB of rings each for nothing.
   */
  enqueuedAt = NO_INSTANTS;
  dequeuedAt = NO_INSTANTS;
  readonly mask: number;
  /** Whether acknowledgements come from the ring; otherwise from `acks` (null when unbounded). */
  readonly ackInRing: boolean;
  private readonly acks: TimeRuns | null;
  /** Acknowledgements taken from `acks`, and the latest, so that a wait for room stays idempotent. */
  private acked = 0;
  private lastAck = 0;
  /** Without the ring: dequeue instants of the uncounted elements before `moved`, moved out of the ring while counting goes on. */
  private readonly uncounted: TimeRuns | null;
  private moved = 0;
  /** Elements whose occupancy is counted, and elements dequeued no later than the last one's enqueue instant. */
  private settled = 0;
  private counted = 0;

  constructor(shape: ChannelShape) {
    this.name = shape.name;
    this.capacity = shape.capacity;
    this.sendLatency = shape.sendLatency;
    this.responseLatency = shape.responseLatency;
    this.width = shape.width;
    this.ackInRing = shape.capacity <= MAX_ACK_SLOTS;
    this.fullInRing = this.ackInRing && Number.isFinite(shape.capacity);
    let slots = 1;
    while (slots <= BATCH + (this.ackInRing ? shape.capacity : 0)) slots *= 2;
    this.mask = slots - 1;
    this.acks = !this.ackInRing && Number.isFinite(shape.capacity) ? new TimeRuns() : null;
    this.uncounted = this.ackInRing ? null : new TimeRuns();
  }

  /** Makes the rings of instants, once. */
  allocate(): void {
    if (this.enqueuedAt !== NO_INSTANTS) return;
    this.enqueuedAt = new Float64Array(this.mask + 1);
    this.dequeuedAt = new Float64Array(this.mask + 1);
  }

  /** Cycles the receiver waited for an element, and the sender for room; the compiled row stores them back. */
  inputWait = 0;
  roomWait = 0;
  /**
   * Simulated cycles full over the elements counted so far (as OccupancyMeter.fullCycles): by
   * the compiled code itself when the acknowledgements are in the ring (`fullInRing`: it reads
   * the dequeue that frees a slot there, and stores the count back here), else counted here.
   */
  readonly fullInRing: boolean;
  fullCyclesCounted = 0;
  private fullCycles = 0;

  /** Cycles full so far, counting every element before `sent` (all of them dequeued). */
  fullCyclesUpTo(sent: number): number {
    this.settle(sent, sent);
    return this.fullCycles;
  }

  /** Peak occupancy and cycles full over the whole run (spec section 4); call once every element is dequeued and `sent` is stored. */
  occupancy(): Occupancy {
    this.settle(this.sent, this.sent);
    return { peak: this.peak, fullCycles: this.fullInRing ? this.fullCyclesCounted : this.fullCycles };
  }

  /**
   * Counts the occupancy of the elements up to `end` (excluded) into the peak and the cycles
   * full, with the elements up to `dequeued` (excluded, and at least `end`) dequeued; without
   * the ring, then moves the dequeue instants the ring is about to lose to the runs. The
   * compiled enqueue calls it every BATCH elements, for the elements before the one it enqueues.
   */
  settle(end: number, dequeued: number): void {
    const enqueuedAt = this.enqueuedAt;
    const dequeuedAt = this.dequeuedAt;
    const mask = this.mask;
    const uncounted = this.uncounted;
    const capacity = this.capacity;
    // Occupancy never exceeds the capacity: once the peak reaches it, counting is over, unless
    // cycles full are counted here (not by the compiled code) from occupancy at the capacity.
    const counting = this.peak < capacity || !this.fullInRing;
    let counted = this.counted;
    if (counting) {
      let peak = this.peak;
      let full = this.fullCycles;
      // Dequeue instants older than `moved` are in the runs, the others in the ring.
      let next = uncounted !== null && uncounted.size > 0 ? uncounted.first : Infinity;
      for (let m = this.settled; m < end; m++) {
        let e = enqueuedAt[m & mask]!;
        if (next !== Infinity && m + 1 < end) {
          // Enqueue instants a fixed step apart, no sparser than the oldest run of dequeue
          // instants, and all before that run ends: each element finds at most one more of
          // them due than the one before, so occupancy does not decrease along the stretch,
          // and only its last element can set a new peak. The stretch stops short of where
          // occupancy could reach the capacity (m + 1 - counted bounds it), so none in it is full.
          const step = enqueuedAt[(m + 1) & mask]! - e;
          if (step <= uncounted!.firstStep) {
            const last = uncounted!.lastOfFirstRun;
            while (m + 1 < end) {
              const f = enqueuedAt[(m + 1) & mask]!;
              if (f - e !== step || f >= last || m + 2 - counted >= capacity) break;
              e = f;
              m++;
            }
          }
        }
        if (next <= e) {
          counted += uncounted!.shiftUpTo(e);
          next = uncounted!.size > 0 ? uncounted!.first : Infinity;
        }
        if (next === Infinity) while (counted < m && dequeuedAt[counted & mask]! <= e) counted++;
        const occupancy = m + 1 - counted;
        if (occupancy > peak) peak = occupancy;
        // Full from this enqueue to the next dequeue (m < dequeued: it is known).
        if (occupancy === capacity) full += (next !== Infinity ? next : dequeuedAt[counted & mask]!) - e;
      }
      this.peak = peak;
      this.counted = counted;
      this.fullCycles = full;
    }
    this.settled = Math.max(this.settled, end);
    if (uncounted !== null) {
      this.acks?.pushEach(dequeuedAt, this.moved, dequeued, mask);
      if (counting) uncounted.pushEach(dequeuedAt, Math.max(this.moved, counted), dequeued, mask);
      this.moved = dequeued;
    }
  }

  /** The dequeue instants lastDequeues reads. */
  private readonly recent = new RingRuns();

  /**
   * The dequeue instants of the last elements before `sent` (every one of them dequeued) that
   * can still hold the sender back or occupy the channel: the last C when bounded, the ring's
   * when unbounded, oldest first, as runs (RingRuns: a row's worth read at a row boundary).
   * Null when the acknowledgements are in runs and one past the last C has been taken (held
   * in `lastAck`, not in the runs). With them in runs it settles the elements before `sent`
   * (as `fullCyclesUpTo` does) and returns the runs themselves: the caller only reads them.
   */
  lastDequeues(sent: number): TimeRuns | null {
    if (this.acks !== null) {
      // Acknowledgements in runs (C above MAX_ACK_SLOTS): they hold the dequeue instants of the
      // elements whose acknowledgements are not taken, the last C, once the ring's are moved there.
      if (this.acked !== Math.max(0, sent - this.capacity)) return null;
      this.settle(sent, sent);
      return this.acks;
    }
    const reach = Number.isFinite(this.capacity) ? this.capacity : this.mask + 1;
    return this.recent.cover(this.dequeuedAt, this.mask, Math.max(0, sent - reach), sent);
  }

  /**
   * Appends to `out` what of this channel can still matter after its sender's clock
   * `senderClock`, with `sent` elements enqueued and dequeued, times relative to `ref`: the
   * dequeue instants of the last elements whose acknowledgement can still hold the sender
   * back (D + Lr > senderClock; bounded) or that still occupy the channel (D > senderClock:
   * every later enqueue comes at or after senderClock), as runs (writeLater). Dequeue instants
   * never decrease, so the older ones matter to nothing. Returns false when they are not all
   * kept (an unbounded channel holding more than its ring; see lastDequeues).
   */
  window(sent: number, senderClock: Time, ref: Time, out: number[]): boolean {
    const bounded = Number.isFinite(this.capacity);
    const recent = this.lastDequeues(sent);
    if (recent === null) return false;
    const mattering = writeLater(recent, bounded ? senderClock - this.responseLatency : senderClock, ref, out);
    // Unbounded, every instant it keeps still occupies it, and older ones it no longer keeps may too.
    if (!bounded && mattering === recent.size && sent > recent.size) return false;
    return true;
  }

  /**
   * After `settle(sent, sent)`: how many elements were dequeued by the last one's enqueue
   * instant, and the dequeue instants of the others, in order (what the occupancy of any later
   * element still depends on); null once counting stopped (the peak reached the capacity, which
   * no later element can exceed).
   */
  pending(): { counted: number; instants: RunLog } | null {
    if (this.peak >= this.capacity) return null;
    const instants = new RunLog();
    // Run by run: time by time, the naive design's at N = 2^22 took 0.6-1 s in one go.
    if (this.uncounted !== null) this.uncounted.forEachRun((start, step, count) => instants.pushRun(start, step, count));
    else for (let m = this.counted; m < this.sent; m++) instants.push(this.dequeuedAt[m & this.mask]!);
    return { counted: this.counted, instants };
  }

  /** The acknowledgement of `element`, without the ring; idempotent for the oldest one outstanding. */
  ackFromRuns(element: number): Time {
    if (this.acked === element) {
      this.lastAck = this.acks!.shift();
      this.acked = element + 1;
    }
    return this.lastAck;
  }
}
