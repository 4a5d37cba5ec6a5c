import { Channel, channelShape } from '../../kernel/channel.js';
import type { ChannelMemory } from '../../kernel/channel.js';
import type { Context } from '../../kernel/context.js';
import type { ChannelSpec } from '../../kernel/program.js';

const SENT = 0;
const RECEIVED = 1;
const CLOSED = 2;

/** Shared memory of a channel cut between two workers: its ring and its two counters. */
export interface LinkMemory {
  readonly channel: number;
  readonly slots: number;
  readonly width: number;
  readonly ring: SharedArrayBuffer;
  readonly counters: SharedArrayBuffer;
  readonly senderWorker: number;
  readonly receiverWorker: number;
}

export function createLinkMemory(spec: ChannelSpec, channel: number, senderWorker: number, receiverWorker: number): LinkMemory {
  const slots = Channel.slotsFor(channelShape(spec));
  return {
    channel,
    slots,
    width: spec.width,
    ring: new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT * slots * (3 + spec.width)),
    counters: new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT * 3),
    senderWorker,
    receiverWorker,
  };
}

export function linkChannelMemory(link: LinkMemory): ChannelMemory {
  const s = link.slots;
  return {
    times: new Float64Array(link.ring, 0, s),
    enqueuedAt: new Float64Array(link.ring, 8 * s, s),
    dequeuedAt: new Float64Array(link.ring, 16 * s, s),
    data: new Float64Array(link.ring, 24 * s, s * link.width),
  };
}

/**
 * One worker's end of a cut channel. The channel object is the ordinary in-thread one over
 * shared arrays; this end publishes the local counter (sent, or received) and pulls the
 * peer's. Ring contents are written before the counter that covers them is published, and
 * the counter before the owner's clock, so "nothing up to t" stays sound across threads.
 */
export class LinkEnd {
  private readonly counters: BigInt64Array;
  private published = 0;
  private publishedClosed = false;

  constructor(
    readonly channel: Channel,
    readonly isSender: boolean,
    readonly memory: LinkMemory,
  ) {
    this.counters = new BigInt64Array(memory.counters);
  }

  get peerWorker(): number {
    return this.isSender ? this.memory.receiverWorker : this.memory.senderWorker;
  }

  /** Publishes this end's progress; true when something changed. */
  push(): boolean {
    const ch = this.channel;
    const value = this.isSender ? ch.sent : ch.received;
    let changed = false;
    if (value !== this.published) {
      Atomics.store(this.counters, this.isSender ? SENT : RECEIVED, BigInt(value));
      this.published = value;
      changed = true;
    }
    if (this.isSender && ch.closed && !this.publishedClosed) {
      Atomics.store(this.counters, CLOSED, 1n);
      this.publishedClosed = true;
      changed = true;
    }
    return changed;
  }

  /** Reads the peer's progress into the channel; wakes the local end if that helps it. */
  pull(): void {
    const ch = this.channel;
    if (this.isSender) {
      const received = Number(Atomics.load(this.counters, RECEIVED));
      if (received !== ch.received) {
        ch.received = received;
        if (ch.senderWait !== 0) ch.sender.wake();
      }
      if (ch.senderWait !== 0 && ch.receiver.finished) ch.sender.wake();
    } else {
      const closed = Atomics.load(this.counters, CLOSED) === 1n;
      const sent = Number(Atomics.load(this.counters, SENT));
      if (sent !== ch.sent || closed !== ch.closed) {
        ch.sent = sent;
        ch.closed = closed;
        if (ch.receiverWaiting) ch.receiver.wake();
      }
    }
  }

  /** The context at this end. */
  get owner(): Context {
    return this.isSender ? this.channel.sender : this.channel.receiver;
  }
}

/** Published clocks (max of clock and lower bound) and finished flags, by unit index. */
export interface ClockMemory {
  readonly clocks: SharedArrayBuffer;
  readonly finished: SharedArrayBuffer;
}

export function createClockMemory(units: number): ClockMemory {
  return {
    clocks: new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT * Math.max(1, units)),
    finished: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * Math.max(1, units)),
  };
}

export class ClockBoard {
  private readonly clocks: BigInt64Array;
  private readonly finished: Int32Array;

  /** What this thread last published, by unit index (only its own units are ever set). */
  private readonly published: Float64Array;
  private readonly publishedFinished: Uint8Array;

  constructor(memory: ClockMemory) {
    this.clocks = new BigInt64Array(memory.clocks);
    this.finished = new Int32Array(memory.finished);
    this.published = new Float64Array(this.clocks.length);
    this.publishedFinished = new Uint8Array(this.clocks.length);
  }

  /** Publishes the context's clock and finished flag; true when either changed. */
  publish(ctx: Context): boolean {
    const clock = ctx.time > ctx.lowerBound ? ctx.time : ctx.lowerBound;
    let changed = false;
    if (clock !== this.published[ctx.index]) {
      Atomics.store(this.clocks, ctx.index, BigInt(clock));
      this.published[ctx.index] = clock;
      changed = true;
    }
    if (ctx.finished && this.publishedFinished[ctx.index] !== 1) {
      Atomics.store(this.finished, ctx.index, 1);
      this.publishedFinished[ctx.index] = 1;
      changed = true;
    }
    return changed;
  }

  /** Refreshes a proxy of a context run elsewhere; true when its clock moved. */
  pull(proxy: Context): boolean {
    const clock = Number(Atomics.load(this.clocks, proxy.index));
    proxy.finished = Atomics.load(this.finished, proxy.index) === 1;
    if (clock === proxy.time) return false;
    proxy.time = clock;
    return true;
  }
}
