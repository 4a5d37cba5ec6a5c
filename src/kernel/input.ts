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
 *
 * Misuse is checked with one comparison per operation and reported by a separate function,
 * so that the operations stay small enough for the compiler to inline into unit bodies.
 */
export class Input extends Endpoint {
  /** Set by `peek()` when it answers Nothing. */
  quietTime: Time = 0;
  /**
   * The element (by its count) that a `ready()` or `peek()` last saw at the head. A read needs
   * the head to be that one: an element found there without asking is there or not by how the
   * threads ran (a unit that read five times without a ready() ran on one worker and failed on
   * two). One comparison covers it and an empty channel both: a read moves the head on.
   */
  private seenAt = -1;
  /** `peek()` answers of Nothing in a row at the clock `nothingClock` (a unit spinning on peek). */
  private nothings = 0;
  private nothingClock: Time = -1;

  /** True when an element is at the head or the stream has ended. */
  ready(): boolean {
    const ch = this.channel;
    if (ch.received < ch.sent) {
      this.seenAt = ch.received;
      return true;
    }
    if (ch.closed) return true;
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
    if (this.seenAt !== ch.received) misuse(ch, SCALAR, this.seenAt);
    return ch.times[ch.received & ch.mask]!;
  }

  /** DAM's peekNext: advance to the head element's time and return it without removing it. */
  peekNext(): number {
    const ch = this.channel;
    if (this.seenAt !== ch.received || ch.width !== 1) misuse(ch, SCALAR, this.seenAt);
    const slot = ch.received & ch.mask;
    this.ctx.arrive(ch, ch.times[slot]!);
    return ch.data[slot]!;
  }

  peekNextVector(into: Float64Array): Float64Array {
    const ch = this.channel;
    if (this.seenAt !== ch.received || into.length < ch.width) misuse(ch, into.length, this.seenAt);
    const slot = ch.received & ch.mask;
    this.ctx.arrive(ch, ch.times[slot]!);
    return copyOut(ch, slot, into);
  }

  dequeue(): number {
    const ch = this.channel;
    if (this.seenAt !== ch.received || ch.width !== 1) misuse(ch, SCALAR, this.seenAt);
    return ch.data[this.take(ch)]!;
  }

  dequeueVector(into: Float64Array): Float64Array {
    const ch = this.channel;
    if (this.seenAt !== ch.received || into.length < ch.width) misuse(ch, into.length, this.seenAt);
    return copyOut(ch, this.take(ch), into);
  }

  /**
   * Timed peek, non-blocking: Something (head element), Nothing (empty, and the sender's
   * clock is known to have reached `quietTime`), or Closed.
   */
  peek(): PeekResult {
    const ch = this.channel;
    if (ch.received < ch.sent) {
      this.seenAt = ch.received;
      return Peek.Something;
    }
    if (ch.closed) return Peek.Closed;
    const sender = ch.sender;
    this.quietTime = sender.time > sender.lowerBound ? sender.time : sender.lowerBound;
    // In one slice nothing arrives: asked again and again at one clock, without a wait, the
    // answer never changes, and on one thread nothing else can run (the run hung).
    if (this.ctx.time !== this.nothingClock) {
      this.nothingClock = this.ctx.time;
      this.nothings = 0;
    } else if (++this.nothings >= NOTHINGS_AT_ONE_CLOCK) spinsOnPeek(ch);
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

  /** Removes the head element (which exists), acknowledges it and returns its slot. */
  private take(ch: Channel): number {
    const now = this.ctx.arrive(ch, ch.times[ch.received & ch.mask]!);
    const slot = ch.remove(now);
    const wait = ch.senderWait;
    if (wait !== 0 && (wait === Wait.Room || ch.sent - ch.received <= ch.lowWater)) ch.sender.wake();
    return slot;
  }
}

/** `misuse` room of a scalar operation. */
const SCALAR = -1;
/** Nothing answers in a row at one clock that make a unit taken for spinning on `peek()`. */
const NOTHINGS_AT_ONE_CLOCK = 1_000_000;

/** Throws the reason an operation on `ch` cannot proceed, for a caller holding a buffer of `room` words. */
function misuse(ch: Channel, room: number, seenAt: number): never {
  if (ch.received !== ch.sent && seenAt !== ch.received)
    throw new Error(
      `read channel '${ch.name}' without asking whether an element is there: write 'while (!input.ready()) yield;' before each read`,
    );
  if (ch.received === ch.sent) {
    throw new Error(
      ch.closed
        ? `read past the end of stream on channel '${ch.name}'`
        : `read from empty channel '${ch.name}' (wait with 'while (!input.ready()) yield;' first)`,
    );
  }
  if (room === SCALAR) throw new Error(`channel '${ch.name}' carries vectors of ${ch.width}: use dequeueVector`);
  throw new Error(`channel '${ch.name}' carries vectors of ${ch.width}: buffer of ${room} is too short`);
}

function spinsOnPeek(ch: Channel): never {
  throw new Error(
    `peek() on channel '${ch.name}' answered Nothing ${NOTHINGS_AT_ONE_CLOCK} times in a row at one clock: after Nothing, wait with quietUntil() or ready() and yield`,
  );
}

function copyOut(ch: Channel, slot: number, into: Float64Array): Float64Array {
  const w = ch.width;
  const data = ch.data;
  const base = slot * w;
  for (let i = 0; i < w; i++) into[i] = data[base + i]!;
  return into;
}
