import { Channel } from './channel.js';
import type { ChannelShape } from './channel.js';
import type { Time } from './time.js';
import type { Tracer } from './tracer.js';

/**
 * A channel that tells its tracer of every enqueue and dequeue instant: built for a traced or
 * inspected run only, so that a plain run's channel operations carry no check (see
 * TracedContext).
 */
export class TracedChannel extends Channel {
  constructor(
    shape: ChannelShape,
    /** Null once watching has stopped. */
    public tracer: Tracer | null,
  ) {
    super(shape);
  }

  override append(now: Time, stamp: Time): number {
    const slot = super.append(now, stamp);
    if (this.tracer !== null) this.tracer.enqueued(this, now);
    return slot;
  }

  /** Not while traced: the tracer is told of every enqueue instant (the sender sends one by one). */
  override sendUndequeued(now: Time, count: number): number {
    return this.tracer === null ? super.sendUndequeued(now, count) : 0;
  }

  override remove(now: Time): number {
    const slot = super.remove(now);
    if (this.tracer !== null) this.tracer.dequeued(this, now);
    return slot;
  }
}
