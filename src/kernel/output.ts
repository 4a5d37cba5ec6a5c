import { ClockOverflow, pastExactIntegers, UnitError, show } from './errors.js';
import { Endpoint } from './endpoint.js';
import { Wait } from './wait.js';
import type { Channel } from './channel.js';
import type { Time } from './time.js';

/**
 * The sending end of a channel, as a unit sees it. `ready()` is the spec's wait for room:
 * idempotent (a second call consumes no second acknowledgement), and it returns false when
 * the unit must yield. The acknowledgement's time moves the clock at the enqueue, as in DAM,
 * whose enqueue waits inside: so the obvious code
 *
 *     while (!out.ready()) yield;
 *     out.enqueue(x, ctx.time + latency);
 *
 * stamps the element with the clock at which the value was produced, and the element's time
 * is max(stamp, clock after the wait + send latency) (spec section 1). A unit that waits for
 * room on several outputs before enqueueing any (a broadcast) enqueues all of them at the
 * latest of those acknowledgements.
 */
export class Output extends Endpoint {
  /**
   * A successful `ready()` that no enqueue has used yet. An enqueue needs one: room found at
   * the enqueue itself would depend on how far the receiver has run, which differs with the
   * schedule and the worker count.
   */
  private granted = false;

  ready(): boolean {
    const ch = this.channel;
    if (!hasRoom(ch) && !this.makeRoom(ch)) return false;
    this.granted = true;
    return true;
  }

  /** Appends a scalar stamped max(stamp, clock + send latency). Requires a `ready()` since the last enqueue. */
  enqueue(value: number, stamp: Time): void {
    const ch = this.channel;
    if (ch.width !== 1) misuse(ch, 'scalar');
    // A string or an object became NaN in the channel's Float64Array without a word.
    if (typeof value !== 'number') badElement(ch, 'value', value);
    ch.data[this.put(ch, stamp)] = value;
  }

  enqueueVector(values: ArrayLike<number>, stamp: Time): void {
    const ch = this.channel;
    const w = ch.width;
    if (values.length !== w) misuse(ch, values.length);
    const base = this.put(ch, stamp) * w;
    const data = ch.data;
    for (let i = 0; i < w; i++) data[base + i] = values[i]!;
  }

  private put(ch: Channel, stamp: Time): number {
    if (!this.granted) misuse(ch, 'unready');
    // A stamp of NaN or 'abc' was ignored (the element took the clock), one past 2^53 rounded.
    if (!Number.isSafeInteger(stamp)) badElement(ch, 'stamp', stamp);
    this.granted = false;
    const slot = ch.append(this.ctx.settleRoom(), stamp);
    if (ch.receiverWaiting) ch.receiver.wake();
    return slot;
  }

  /**
   * Whether the receiver will never take another element: the run has deadlocked with it
   * blocked for good, and this unit runs on, as in DAM, until the FIFO is full or it ends. It
   * becomes true only while the unit waits in `while (!out.ready()) yield;` (held back by the
   * simulator's buffer): read after the yield, it costs the loop nothing per element.
   */
  get stranded(): boolean {
    return this.channel.stranded;
  }

  /**
   * On a stranded channel, sends at once up to `count` elements of a stream of one element per
   * cycle, exactly as `count` rounds of
   *
   *     while (!out.ready()) yield;
   *     out.enqueue(x, ctx.time + 1);
   *     ctx.incr(1);
   *
   * would, but for their values, which nothing reads: the clock, the channel's counts and its
   * peak occupancy come out the same. Returns how many it sent, 0 where it cannot tell them
   * in closed form (Channel.sendUndequeued); the unit sends the rest one by one. A source of
   * N^2 elements (the naive design's K and V) reaches a deadlock's end at once.
   */
  sendUndequeued(count: number): number {
    const ctx = this.ctx;
    if (this.granted || ctx.roomTime > ctx.time) return 0;
    const sent = this.channel.sendUndequeued(ctx.time, count);
    if (sent > 0) ctx.incr(sent);
    return sent;
  }

  /** The slow half of `ready()`: consumes the acknowledgement of the element `capacity` places back. */
  private makeRoom(ch: Channel): boolean {
    if (ch.sent - ch.acked >= ch.capacity) {
      const at = ch.takeAck();
      if (at < 0) return this.blocked(ch, Wait.Room);
      // The clock the unit will have reached when it enqueues: the cycles past it are this channel's wait.
      const ctx = this.ctx;
      const reached = ctx.roomTime > ctx.time ? ctx.roomTime : ctx.time;
      if (at > reached) {
        ch.roomWait += at - reached;
        ctx.roomTime = at;
      }
    }
    if (ch.sent - ch.received >= ch.slots) return this.blocked(ch, Wait.Buffer);
    return true;
  }

  private blocked(ch: Channel, kind: typeof Wait.Room | typeof Wait.Buffer): false {
    // The receiver is at fault, not this sender: it finished without taking what it was sent.
    if (ch.receiver.finished) {
      throw new UnitError(
        ch.receiver.name,
        `it finished without taking the elements of channel '${ch.name}', which is full, its sender '${ch.sender.name}' waiting`,
      );
    }
    this.ctx.block(kind, ch, 0);
    return false;
  }
}

/** Room in the simulated FIFO without consuming an acknowledgement, and in the buffer. */
function hasRoom(ch: Channel): boolean {
  const sent = ch.sent;
  return sent - ch.acked < ch.capacity && sent - ch.received < ch.slots;
}

/** Throws why an element given to enqueue on `ch` cannot go in: its value, or its stamp. */
function badElement(ch: Channel, what: 'value' | 'stamp', got: unknown): never {
  const wanted = what === 'value' ? 'a number' : 'an integer clock below 2^53';
  const message = `enqueue on channel '${ch.name}': the ${what} must be ${wanted}, got ${show(got)}`;
  // An integer stamp past 2^53 is a clock that passed it (a unit's clock plus its latency).
  if (what === 'stamp' && pastExactIntegers(got)) throw new ClockOverflow(message);
  throw new TypeError(message);
}

/** Throws the reason an enqueue on `ch` cannot proceed (`got`: the values given, or what went wrong). */
function misuse(ch: Channel, got: number | 'scalar' | 'unready'): never {
  if (got === 'unready') {
    throw new Error(`enqueued on channel '${ch.name}' without waiting for room: write 'while (!out.ready()) yield;' before each enqueue`);
  }
  if (got === 'scalar') throw new Error(`channel '${ch.name}' carries vectors of ${ch.width}: use enqueueVector`);
  throw new Error(`channel '${ch.name}' carries vectors of ${ch.width}, got ${got} values`);
}
