import { MarginOf } from './margins.js';
import type { Margins } from './margins.js';
import type { Journal } from './run-log.js';
import { ScheduleStuck } from '../../kernel/errors.js';
import { TimeRuns } from '../../kernel/time-runs.js';
import { RingRuns } from './ring-runs.js';
import { writeLater } from './window-runs.js';
import type { Channel } from '../../kernel/channel.js';
import type { HandoffChannel } from './handoff-channel.js';
import type { Time } from '../../kernel/time.js';

/**
 * Channel operations for an executor that fixes the order of every operation in advance (a
 * static schedule), so that nothing ever waits: the caller keeps each unit's clock and
 * passes it in. The timing rules are the channel's own (`append`, `remove`, `takeAck`), the
 * ones `Input` and `Output` apply; only waiting is gone. An operation the order reaches
 * before the program could do it throws ScheduleStuck: the schedule does not fit this
 * program (it may deadlock), and the caller runs it on the general executor instead.
 */

/** The sender's clock after its wait for room (spec section 1, enqueue step 1). */
export function roomAt(ch: Channel, now: Time): Time {
  if (ch.sent - ch.acked < ch.capacity) return now;
  const at = ch.takeAck();
  if (at < 0) stuck(ch, 'its sender needs room before an acknowledgement');
  return at > now ? at : now;
}

/**
 * Appends an element enqueued at the sender's clock `now`; returns the slot for its payload.
 * The buffer grows to whatever the order leaves in it, which the schedule keeps small.
 */
export function appendAt(ch: Channel, now: Time, stamp: Time): number {
  if (ch.sent - ch.received >= ch.slots) ch.grow();
  return ch.append(now, stamp);
}

/** peekNext: the receiver's clock advanced to the head element's time. */
export function arrivalAt(ch: Channel, now: Time): Time {
  if (ch.received === ch.sent) stuck(ch, 'its receiver reads before an element');
  const t = ch.times[ch.received & ch.mask]!;
  return t > now ? t : now;
}

/** Slot of the head element's payload, to read before `dequeueAt` removes it. */
export function headSlot(ch: Channel): number {
  return ch.received & ch.mask;
}

/** dequeue: removes the head element; returns the receiver's clock after it. */
export function dequeueAt(ch: Channel, now: Time): Time {
  const at = arrivalAt(ch, now);
  ch.remove(at);
  return at;
}

/** Kept out of the operations so that they stay small enough to inline. */
function stuck(ch: Channel, what: string): never {
  throw new ScheduleStuck(`static schedule stuck on '${ch.name}': ${what}`);
}

/**
 * What of a ring channel can still matter after its sender's clock `senderClock`, relative
 * to `ref`, appended to `out` (as HandoffChannel.window): the elements in flight (times and
 * enqueue instants), the outstanding count, and the dequeue instants whose acknowledgement
 * can still hold the sender back. False when unbounded.
 */
export function ringWindow(ch: Channel, senderClock: Time, ref: Time, out: number[]): boolean {
  // Unbounded, it keeps no acknowledgements, and so not the instants occupancy depends on.
  if (!Number.isFinite(ch.capacity)) return false;
  out.push(ch.sent - ch.received, ch.sent - ch.acked);
  for (let n = ch.received; n < ch.sent; n++) out.push(ch.times[n & ch.mask]! - ref, ch.enqueuedAt[n & ch.mask]! - ref);
  // Dequeue instants never decrease: the ones that can still bind are the newest.
  writeLater(pendingAcks(ch), senderClock - ch.responseLatency, ref, out);
  return true;
}

/** Each ring channel's acknowledgements pending in its own ring (pendingAcks). */
const ringAcks = new WeakMap<Channel, RingRuns>();

/**
 * The dequeue instants whose acknowledgements the sender has not taken yet, oldest first, as
 * runs, whether the channel keeps them in its ring (read as RingRuns: the acknowledgements
 * taken since the last read dropped, the dequeues since added) or as runs (a FIFO beyond its
 * ring). None when unbounded.
 */
export function pendingAcks(ch: Channel): TimeRuns {
  if (ch.dequeuedAt === null) return ch.acks ?? new TimeRuns();
  let acks = ringAcks.get(ch);
  if (acks === undefined) ringAcks.set(ch, (acks = new RingRuns()));
  // The ring keeps the dequeue instant of every element not yet acknowledged (Channel.grow).
  return acks.cover(ch.dequeuedAt, ch.mask, ch.acked, ch.received);
}

/** The ring operations, as a compiled row calls them. */
export interface RingOps {
  readonly roomAt: typeof roomAt;
  readonly appendAt: typeof appendAt;
  readonly arrivalAt: typeof arrivalAt;
  readonly dequeueAt: typeof dequeueAt;
}

/** Where a verify-mode row's ring operations log: its margins, its rings' journals, and each channel's index among the row's. */
export interface RingLog {
  readonly margins: Margins;
  readonly journals: ReadonlyMap<Channel, Journal>;
  readonly indexOf: ReadonlyMap<Channel | HandoffChannel, number>;
}

/** The log of the verify-mode row running now (`logging`). */
let log: RingLog | null = null;

/** Runs `row` with the logging operations writing to `to`. */
export function logging(to: RingLog, row: () => void): void {
  log = to;
  try {
    row();
  } finally {
    log = null;
  }
}

/**
 * The same operations, each also logging in the running row's margins (`logging`), under the
 * channel's index, by how much the side it compares with the clock exceeds it (a verify-mode
 * row, drift.ts): the acknowledgement in roomAt, the stamp against the clock plus the send
 * latency in appendAt, the element's time in arrivalAt and dequeueAt. Each enqueue and dequeue
 * instant goes to the channel's journal too, as a handoff channel's own code does. One set of
 * functions for every row: a compiled row is shared by the runs of a shape, and closures of
 * each run's own made V8 deoptimise it at every new run ('wrong call target').
 */
export const LOGGING_RING_OPS: RingOps = {
  roomAt(ch, now) {
    if (ch.sent - ch.acked < ch.capacity) return now;
    const at = ch.takeAck();
    if (at < 0) stuck(ch, 'its sender needs room before an acknowledgement');
    log!.margins.log(log!.indexOf.get(ch)!, MarginOf.Room, at - now);
    return at > now ? at : now;
  },
  appendAt(ch, now, stamp) {
    log!.margins.log(log!.indexOf.get(ch)!, MarginOf.Stamp, stamp - (now + ch.sendLatency));
    log!.journals.get(ch)?.enqueued.push(now);
    return appendAt(ch, now, stamp);
  },
  arrivalAt(ch, now) {
    const at = arrivalAt(ch, now);
    log!.margins.log(log!.indexOf.get(ch)!, MarginOf.Arrival, ch.times[ch.received & ch.mask]! - now);
    return at;
  },
  dequeueAt(ch, now) {
    const at = LOGGING_RING_OPS.arrivalAt(ch, now);
    ch.remove(at);
    log!.journals.get(ch)?.dequeued.push(at);
    return at;
  },
};
