import { ClockOverflow } from './errors.js';
import { OccupancyMeter } from './occupancy-meter.js';
import { TimeRuns } from './time-runs.js';
import { MAX_TIME } from './time.js';
import { elementTime } from './timing-rules.js';
import type { Context } from './context.js';
import type { ChannelSpec } from './program.js';
import type { Time } from './time.js';
import type { WaitKind } from './wait.js';

/** Physical slots of a buffer: enough to batch hand-offs, never more than the FIFO holds. */
const DEFAULT_SLOT_FLOATS = 1 << 16;
const MAX_DEFAULT_SLOTS = 4096;

/** What a run reports of a channel once it is over: `occupancy` finishes the count. */
export interface CountedChannel {
  readonly name: string;
  readonly capacity: number;
  readonly sent: number;
  /**
   * Simulated cycles the receiver's clock waited for an element of this channel (it was
   * empty up to the element's time), and the sender's clock for an acknowledgement (room).
   */
  inputWait: number;
  roomWait: number;
  /** Peak occupancy, and cycles full, over the whole run (spec section 4); call once the run has stopped. */
  occupancy(): Occupancy;
}

export interface Occupancy {
  readonly peak: number;
  readonly fullCycles: number;
}

/** A channel's ring, when it lives in memory shared between threads. */
export interface ChannelMemory {
  readonly times: Float64Array;
  readonly data: Float64Array;
  readonly enqueuedAt: Float64Array;
  readonly dequeuedAt: Float64Array;
}

export interface ChannelShape {
  readonly name: string;
  /** Simulated capacity; Infinity when unbounded. */
  readonly capacity: number;
  readonly sendLatency: Time;
  readonly responseLatency: Time;
  /** float64 words per token. */
  readonly width: number;
}

/**
 * One simulated FIFO between two contexts of the same thread.
 *
 * The simulated capacity is enforced by acknowledgements (dequeue times), not by the size
 * of the physical buffer: the physical ring only holds what lets the run progress, and the
 * executor grows it when holding the sender back would stall the whole run.
 */
export class Channel implements ChannelShape, CountedChannel {
  readonly name: string;
  readonly capacity: number;
  readonly sendLatency: Time;
  readonly responseLatency: Time;
  readonly width: number;
  sender!: Context;
  receiver!: Context;

  /** Element times, payloads and enqueue instants, a ring of `slots` entries. */
  times: Float64Array;
  data: Float64Array;
  enqueuedAt: Float64Array;
  /**
   * Dequeue instants by slot, when the capacity fits the ring: the acknowledgement of
   * element n is read when element n + capacity is sent, before slot n is reused.
   */
  dequeuedAt: Float64Array | null;
  slots: number;
  mask: number;
  /** A sender held back by a full buffer resumes once this few elements are left. */
  lowWater: number;

  sent = 0;
  /** Elements read from the ring: those taken by the receiver, and any let go (below). */
  received = 0;
  /**
   * Elements let go: once the run has deadlocked with the receiver among the blocked, it will
   * never take another element, so what the sender still sends stays in the simulated FIFO to
   * the end of the run. The meter counts it; the ring need not keep it (`strand`).
   */
  letGo = 0;
  stranded = false;
  inputWait = 0;
  roomWait = 0;
  /** Acknowledgements consumed by the sender. */
  acked = 0;
  closed = false;
  /** Dequeue instants not yet consumed as acknowledgements, for capacities beyond the ring. */
  readonly acks: TimeRuns | null;
  readonly meter = new OccupancyMeter();

  /** The receiver holds a Data or Clock condition on this channel. */
  receiverWaiting = false;
  /** Wait.Room or Wait.Buffer when the sender is blocked on this channel, else 0. */
  senderWait: WaitKind | 0 = 0;

  constructor(shape: ChannelShape, memory?: ChannelMemory) {
    this.name = shape.name;
    this.capacity = shape.capacity;
    this.sendLatency = shape.sendLatency;
    this.responseLatency = shape.responseLatency;
    this.width = shape.width;
    this.slots = Channel.slotsFor(shape);
    this.mask = this.slots - 1;
    this.lowWater = this.slots >> 1;
    const ackInRing = shape.capacity <= this.slots;
    if (memory === undefined) {
      this.times = new Float64Array(this.slots);
      this.data = new Float64Array(this.slots * this.width);
      this.enqueuedAt = new Float64Array(this.slots);
      this.dequeuedAt = ackInRing ? new Float64Array(this.slots) : null;
    } else {
      this.times = memory.times;
      this.data = memory.data;
      this.enqueuedAt = memory.enqueuedAt;
      this.dequeuedAt = memory.dequeuedAt;
    }
    this.acks = Number.isFinite(shape.capacity) && !ackInRing ? new TimeRuns() : null;
  }

  /** Physical slots a channel starts with. */
  static slotsFor(shape: ChannelShape): number {
    return nextPowerOfTwo(Math.min(shape.capacity, MAX_DEFAULT_SLOTS, Math.max(1, DEFAULT_SLOT_FLOATS / shape.width)));
  }

  /**
   * Whether the channel's whole simulated FIFO fits its starting ring, so its buffer never
   * needs to grow and every acknowledgement lives in the ring: what lets two threads share
   * it through fixed shared memory.
   */
  static fitsRing(shape: ChannelShape): boolean {
    return shape.capacity <= Channel.slotsFor(shape);
  }

  /** Doubles the physical buffer, keeping every slot still needed at its element's index. */
  grow(): void {
    const slots = this.slots * 2;
    const times = new Float64Array(slots);
    const data = new Float64Array(slots * this.width);
    const enqueuedAt = new Float64Array(slots);
    const dequeuedAt = this.dequeuedAt === null ? null : new Float64Array(slots);
    const w = this.width;
    // Unacknowledged slots keep their dequeue instants; unswept ones their enqueue instants.
    const oldest = dequeuedAt === null ? this.received : Math.min(this.acked, this.received);
    const first = Math.max(oldest, this.sent - this.slots);
    // In stretches that wrap round neither ring (the new one wraps where the old one does, or
    // not at all): element by element, a payload's subarray each, the growth of the naive
    // design's row FIFO at N = 2^22 took a third of a second.
    for (let n = first; n < this.sent;) {
      const from = n & this.mask;
      const to = n & (slots - 1);
      const count = Math.min(this.sent - n, this.slots - from);
      times.set(this.times.subarray(from, from + count), to);
      enqueuedAt.set(this.enqueuedAt.subarray(from, from + count), to);
      if (dequeuedAt !== null) dequeuedAt.set(this.dequeuedAt!.subarray(from, from + count), to);
      data.set(this.data.subarray(from * w, (from + count) * w), to * w);
      n += count;
    }
    this.times = times;
    this.data = data;
    this.enqueuedAt = enqueuedAt;
    this.dequeuedAt = dequeuedAt;
    this.slots = slots;
    this.mask = slots - 1;
    this.lowWater = slots >> 1;
  }

  /**
   * Appends an element enqueued at the sender's clock `now` (after any wait for room),
   * stamped max(stamp, now + send latency); returns its slot. Requires room in the buffer.
   */
  append(now: Time, stamp: Time): number {
    const sent = this.sent;
    const slot = sent & this.mask;
    const time = elementTime(stamp, now, this.sendLatency);
    if (time > MAX_TIME) this.pastMaxTime('enqueue', stamp, now);
    this.times[slot] = time;
    this.enqueuedAt[slot] = now;
    this.sent = sent + 1;
    return slot;
  }

  /**
   * Sends `count` elements of a stream of one per cycle at once, on a stranded channel (its
   * receiver will never take another element): element j enqueued at `now + j` and stamped a
   * cycle later, as `while (!out.ready()) yield; out.enqueue(x, clock + 1); ctx.incr(1)` sends
   * them. Nothing will read them, so they are let go as they are sent, and the meter counts
   * them in closed form (OccupancyMeter.settleUndequeued). Sends fewer where the simulated FIFO
   * runs out of room before an acknowledgement is due (the sender then consumes it as ever), or
   * where an element's time would reach 2^53 (the next enqueue refuses it, naming the sender);
   * and none where the form may not hold: a dequeue instant of the receiver lies after `now`,
   * or the receiver waits on this channel (a stranded channel has neither, as far as the
   * simulator knows: these guard the form, not a case seen). Returns how many it sent.
   */
  sendUndequeued(now: Time, count: number): number {
    if (!this.stranded || this.dequeuedAt !== null || this.receiverWaiting) return 0;
    const sent = Math.min(count, this.capacity - (this.sent - this.acked), MAX_TIME - now - Math.max(1, this.sendLatency) + 1);
    if (!(sent > 0)) return 0;
    // Letting go early changes nothing: no dequeue will come to count against what the ring holds.
    this.letGoHeld();
    if (!this.meter.dequeuedBy(now)) return 0;
    this.sent += sent;
    this.received += sent;
    this.letGo += sent;
    this.meter.settleUndequeued(this, sent);
    return sent;
  }

  /** Removes the head element, dequeued at the receiver's clock `now`; returns its slot. */
  remove(now: Time): number {
    const n = this.received;
    const slot = n & this.mask;
    this.received = n + 1;
    // The meter may still read the dequeue instant this slot holds: it goes first.
    this.meter.dequeued(this, n, now);
    const dequeuedAt = this.dequeuedAt;
    if (dequeuedAt !== null) dequeuedAt[slot] = now;
    else if (this.acks !== null) this.acks.push(now);
    return slot;
  }

  /**
   * Consumes the acknowledgement of the oldest unacknowledged element and returns its time
   * (dequeue instant + response latency), or -1 while that element is not yet dequeued.
   */
  takeAck(): Time {
    let at: Time;
    if (this.dequeuedAt !== null) {
      if (this.acked >= this.received) return -1;
      at = this.dequeuedAt[this.acked & this.mask]! + this.responseLatency;
    } else {
      const acks = this.acks!;
      if (acks.size === 0) return -1;
      at = acks.shift() + this.responseLatency;
    }
    if (at > MAX_TIME) this.pastMaxTime('ready');
    this.acked++;
    return at;
  }

  /**
   * A time of 2^53 or more is refused where it is made, not kept: a sum there is rounded (2^53 - 5 +
   * 10 reads 2^53 + 4), and every clock after it would be off. On the actors engine the unit
   * whose operation made it fails, named (a UnitError); a compiled order has no unit around its
   * ring channels, and its run is refused (engines/compiled/jobs.ts).
   */
  private pastMaxTime(operation: 'enqueue' | 'ready', stamp?: Time, now?: Time): never {
    // The message is made here, out of the hot methods: built in append, its template had kept
    // append from being inlined, and a timed merge ran 12% slower.
    const what =
      operation === 'enqueue'
        ? `the element's time, max(stamp ${stamp}, clock ${now} + send latency ${this.sendLatency}),`
        : `the room, a dequeue + response latency ${this.responseLatency},`;
    throw new ClockOverflow(`${operation} on channel '${this.name}': ${what} reaches 2^53, where clocks are no longer exact`);
  }

  /**
   * Declares that the receiver will never take another element (a deadlocked run in which it
   * is blocked for good), so that a sender the simulator held back can run on as DAM's does,
   * until the simulated FIFO is full or it ends, in the memory of one ring.
   */
  strand(): void {
    this.stranded = true;
    this.letGoHeld();
  }

  /**
   * A stranded channel's ring is full: its elements are settled by the meter and let go. Its
   * dequeue instants were never in the ring (only a FIFO deeper than its ring holds a sender
   * back), so settling needs nothing the ring gives up.
   */
  letGoHeld(): void {
    this.meter.finish(this, this.received);
    this.letGo += this.sent - this.received;
    this.received = this.sent;
  }

  /** Elements the receiver took. */
  get taken(): number {
    return this.received - this.letGo;
  }

  occupancy(): Occupancy {
    this.meter.finish(this, this.received);
    return { peak: this.meter.peak, fullCycles: this.meter.fullCycles };
  }

  /** Elements in the ring now. */
  get held(): number {
    return this.sent - this.received;
  }
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The kernel's view of a channel as a program describes it. */
export function channelShape(spec: ChannelSpec): ChannelShape {
  return {
    name: spec.name,
    capacity: spec.capacity ?? Infinity,
    sendLatency: spec.latency,
    responseLatency: spec.responseLatency,
    width: spec.width,
  };
}
