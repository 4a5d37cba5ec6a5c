import { Endpoint } from './endpoint.js';
import { Wait } from './wait.js';
import type { Channel } from './channel.js';
import type { Time } from './time.js';

/**
 * The sending end of a channel, as a unit sees it. `ready()` is the spec's wait for room:
 * idempotent (a second call consumes no second acknowledgement), it may move the clock to
 * the acknowledgement's time, and it returns false when the unit must yield.
 */
export class Output extends Endpoint {
  ready(): boolean {
    const ch = this.channel;
    if (ch.sent - ch.acked >= ch.capacity) {
      // The acknowledgement of the element `capacity` places back.
      let at: number;
      if (ch.dequeuedAt !== null) {
        if (ch.acked >= ch.received) return this.blocked(Wait.Room);
        at = ch.dequeuedAt[ch.acked & ch.mask]! + ch.responseLatency;
      } else {
        const acks = ch.acks!;
        if (acks.size === 0) return this.blocked(Wait.Room);
        at = acks.shift() + ch.responseLatency;
      }
      const ctx = this.ctx;
      if (at > ctx.time) ctx.time = at;
      ch.acked++;
    }
    if (ch.sent - ch.received >= ch.slots) return this.blocked(Wait.Buffer);
    return true;
  }

  /** Appends a scalar stamped max(stamp, clock + send latency). Requires room. */
  enqueue(value: number, stamp: Time): void {
    const ch = this.channel;
    if (ch.width !== 1) {
      throw new Error(`channel '${ch.name}' carries vectors of ${ch.width}: use enqueueVector`);
    }
    ch.data[this.put(stamp)] = value;
  }

  enqueueVector(values: ArrayLike<number>, stamp: Time): void {
    const ch = this.channel;
    const w = ch.width;
    if (values.length !== w) {
      throw new Error(`channel '${ch.name}' carries vectors of ${w}, got ${values.length} values`);
    }
    const base = this.put(stamp) * w;
    const data = ch.data;
    for (let i = 0; i < w; i++) data[base + i] = values[i]!;
  }

  private put(stamp: Time): number {
    const ch = this.channel;
    const ctx = this.ctx;
    if (!this.ready()) {
      throw new Error(`enqueue on full channel '${ch.name}' (wait with 'while (!output.ready()) yield;' first)`);
    }
    const earliest = ctx.time + ch.sendLatency;
    const slot = ch.sent & ch.mask;
    ch.times[slot] = stamp > earliest ? stamp : earliest;
    ch.enqueuedAt[slot] = ctx.time;
    ch.sent++;
    if (ch.receiverWaiting) ch.receiver.wake();
    return slot;
  }

  private blocked(kind: typeof Wait.Room | typeof Wait.Buffer): false {
    const ch = this.channel;
    if (ch.receiver.finished) {
      throw new Error(`channel '${ch.name}' is full and its receiver '${ch.receiver.name}' has finished`);
    }
    this.ctx.block(kind, ch, 0);
    return false;
  }
}
