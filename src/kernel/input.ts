import { Endpoint } from './endpoint.js';
import { Wait } from './wait.js';
import type { Channel } from './channel.js';
import type { Time } from './time.js';

/** Result of a timed peek. */
export const Peek = {
  /** An element is at the head: see `headTime`. */
  Something: 1,
  /** The channel is empty and nothing stamped at or before `quietTime` can arrive. */
  Nothing: 2,
  /** End of stream. */
  Closed: 3,
} as const;
export type PeekResult = (typeof Peek)[keyof typeof Peek];

/**
 * The receiving end of a channel, as a unit sees it. Operations that can proceed never
 * allocate and never yield; `ready()` and `quietUntil()` return false when the unit must
 * yield, having recorded what it waits for: `while (!input.ready()) yield;`.
 */
export class Input extends Endpoint {
  /** Set by `peek()` when it answers Nothing. */
  quietTime: Time = 0;

  /** True when an element is at the head or the stream has ended. */
  ready(): boolean {
    const ch = this.channel;
    if (ch.received < ch.sent || ch.closed) return true;
    this.ctx.block(Wait.Data, ch, 0);
    return false;
  }

  /** End of stream: the sender finished and every element was taken. */
  get ended(): boolean {
    const ch = this.channel;
    return ch.closed && ch.received === ch.sent;
  }

  /** Time stamp of the head element (which must exist). */
  get headTime(): Time {
    const ch = this.channel;
    this.expectElement();
    return ch.times[ch.received & ch.mask]!;
  }

  /** DAM's peekNext: advance to the head element's time and return it without removing it. */
  peekNext(): number {
    const ch = this.channel;
    this.expectScalar();
    const slot = this.advanceToHead();
    return ch.data[slot]!;
  }

  peekNextVector(into: Float64Array): Float64Array {
    const ch = this.channel;
    const slot = this.advanceToHead();
    return copyOut(ch, slot, into);
  }

  dequeue(): number {
    const ch = this.channel;
    this.expectScalar();
    const slot = this.take();
    return ch.data[slot]!;
  }

  dequeueVector(into: Float64Array): Float64Array {
    const slot = this.take();
    return copyOut(this.channel, slot, into);
  }

  /**
   * Timed peek, non-blocking: Something (head element), Nothing (empty, and the sender's
   * clock is known to have reached `quietTime`), or Closed.
   */
  peek(): PeekResult {
    const ch = this.channel;
    if (ch.received < ch.sent) return Peek.Something;
    if (ch.closed) return Peek.Closed;
    const sender = ch.sender;
    this.quietTime = sender.time > sender.lowerBound ? sender.time : sender.lowerBound;
    return Peek.Nothing;
  }

  /**
   * True once it is known whether an element stamped at or before `t` will come first: an
   * element is at the head, the stream has ended, or the sender's clock has reached `t`.
   * An arbiter that waits on this must not act before `t` when the answer is Nothing.
   */
  quietUntil(t: Time): boolean {
    const ch = this.channel;
    if (ch.received < ch.sent || ch.closed) return true;
    const sender = ch.sender;
    if (sender.time >= t || sender.lowerBound >= t) return true;
    this.ctx.block(Wait.Clock, ch, t);
    return false;
  }

  private advanceToHead(): number {
    const ch = this.channel;
    this.expectElement();
    const slot = ch.received & ch.mask;
    this.ctx.advance(ch.times[slot]!);
    return slot;
  }

  /** Removes the head element, acknowledges it and returns its slot. */
  private take(): number {
    const ch = this.channel;
    const ctx = this.ctx;
    this.expectElement();
    const slot = ch.received & ch.mask;
    const t = ch.times[slot]!;
    if (t > ctx.time) ctx.time = t;
    const now = ctx.time;
    ch.received++;
    if (ch.dequeuedAt !== null) ch.dequeuedAt[slot] = now;
    else if (ch.acks !== null) ch.acks.push(now);
    ch.meter.dequeued(ch, now, ch.closed ? Infinity : ch.sender.time);
    const wait = ch.senderWait;
    if (wait !== 0 && (wait === Wait.Room || ch.sent - ch.received <= ch.lowWater)) ch.sender.wake();
    return slot;
  }

  private expectElement(): void {
    const ch = this.channel;
    if (ch.received === ch.sent) {
      throw new Error(
        ch.closed
          ? `read past the end of stream on channel '${ch.name}'`
          : `read from empty channel '${ch.name}' (wait with 'while (!input.ready()) yield;' first)`,
      );
    }
  }

  private expectScalar(): void {
    if (this.channel.width !== 1) {
      throw new Error(`channel '${this.channel.name}' carries vectors of ${this.channel.width}: use dequeueVector`);
    }
  }
}

function copyOut(ch: Channel, slot: number, into: Float64Array): Float64Array {
  const w = ch.width;
  if (into.length < w) throw new Error(`channel '${ch.name}' carries vectors of ${w}: buffer of ${into.length} is too short`);
  const data = ch.data;
  const base = slot * w;
  for (let i = 0; i < w; i++) into[i] = data[base + i]!;
  return into;
}
