import { SinkWatch } from '../engines/actors/sink-watch.js';
import type { Channel } from '../kernel/channel.js';
import type { Time } from '../kernel/time.js';

/** A channel's instants: those before the last cycle counted, and those at or after it, in order. */
interface Instants {
  enqueuedBefore: number;
  dequeuedBefore: number;
  readonly enqueued: Time[];
  readonly dequeued: Time[];
}

/**
 * Watches the sinks (for `step`) and counts each channel's enqueue and dequeue instants, to
 * give its occupancy in simulated time before a cycle: an end that has run past the cycle has
 * instants after it, kept until a later cycle counts them.
 */
export class OccupancyCounter extends SinkWatch {
  private readonly instants = new Map<Channel, Instants>();

  override enqueued(ch: Channel, at: Time): void {
    this.of(ch).enqueued.push(at);
  }

  override dequeued(ch: Channel, at: Time): void {
    this.of(ch).dequeued.push(at);
    super.dequeued(ch, at);
  }

  /** Occupancy of `ch` just before `cycle`, which never decreases from one call to the next. */
  occupancyBefore(ch: Channel, cycle: Time): number {
    const log = this.of(ch);
    log.enqueuedBefore += countBefore(log.enqueued, cycle);
    log.dequeuedBefore += countBefore(log.dequeued, cycle);
    return log.enqueuedBefore - log.dequeuedBefore;
  }

  private of(ch: Channel): Instants {
    let log = this.instants.get(ch);
    if (log === undefined) this.instants.set(ch, (log = { enqueuedBefore: 0, dequeuedBefore: 0, enqueued: [], dequeued: [] }));
    return log;
  }
}

/** Removes the leading instants before `cycle` (they come in time order) and counts them. */
function countBefore(instants: Time[], cycle: Time): number {
  let n = 0;
  while (n < instants.length && instants[n]! < cycle) n++;
  instants.splice(0, n);
  return n;
}
