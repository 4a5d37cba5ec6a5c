import { MAX_TIME } from '../../kernel/time.js';
import { Wait } from '../../kernel/wait.js';
import { deadUnits } from './dead-set.js';
import type { Channel } from '../../kernel/channel.js';
import type { Context } from '../../kernel/context.js';
import type { BlockedContext, DeadlockReport } from '../run-result.js';

/**
 * What to do when every live context is blocked. Returns true when some context was woken.
 *
 * Each step keeps the run's results independent of the schedule:
 * 1. a producer held back by a buffer that has room again runs (a consumer drained it, or
 *    the channel is stranded at a deadlock and lets go of what it holds: strandHeldBack);
 * 2. a held-back producer that some blocked context waits on gets a bigger buffer (never
 *    one nobody waits on: that would only copy a simulated FIFO into memory);
 * 3. contexts that wait only for data or room from one another never act again (deadUnits):
 *    a context waiting on one of their clocks (a merge, a timed peek) is told so at once;
 * 4. a clock wait is answered: with every context blocked, nothing can act before the least
 *    clock target T of any waiter, so every context blocked in simulated time is known
 *    never to act below T again (the lookahead argument of conservative simulation).
 * Otherwise the run is deadlocked, and the producers still held back run on (strandHeldBack).
 *
 * A run paused at a horizon leaves runnable contexts out of `live` (parked): `floor` is their
 * least clock, above which no bound is sound, and `alsoNeeded` the contexts that must run on
 * to the horizon (their held-back producers get bigger buffers too).
 */
export function resolveStall(live: readonly Context[], floor = Infinity, alsoNeeded: ReadonlySet<Context> = NOBODY): boolean {
  if (resolveBuffers(live, alsoNeeded)) return true;
  const target = leastClockTarget(live);
  // Only a clock wait can learn anything from the dead: without one, there is nothing to find.
  if (target !== Infinity && markDead(live, deadAmong(live))) return true;
  const least = Math.min(target, floor);
  return least !== Infinity && applyClockBound(live, least);
}

/** Step 3's set among the contexts of one thread, all of whose peers it runs. */
function deadAmong(live: readonly Context[]): Set<number> {
  const byIndex = new Map(live.map((ctx) => [ctx.index, ctx]));
  return deadUnits(byIndex.keys(), (unit) => deadPeers(byIndex.get(unit)!));
}

const NOBODY: ReadonlySet<Context> = new Set();

/**
 * Steps 1 and 2. `alsoNeeded` are contexts that waiters elsewhere (other threads) may
 * depend on. Returns true when some context was woken.
 */
export function resolveBuffers(live: readonly Context[], alsoNeeded: ReadonlySet<Context>): boolean {
  let woke = false;
  let heldBack = false;
  for (const ctx of live) {
    if (!bufferWait(ctx, () => true)) continue;
    heldBack = true;
    if (bufferWait(ctx, hasBufferRoom)) {
      ctx.wake();
      woke = true;
    }
  }
  // Most stalls (a worker waiting for its peers) hold nobody back: nothing more to look at.
  if (woke || !heldBack) return woke;

  const needed = new Set<Context>(alsoNeeded);
  for (const ctx of live) forEachWait(ctx, (kind, ch) => needed.add(peerOf(kind, ch)));
  for (const ctx of live) {
    if (!needed.has(ctx)) continue;
    for (let i = 0; i < ctx.waitCount; i++) {
      if (ctx.waitKinds[i] === Wait.Buffer) ctx.waitChannels[i]!.grow();
    }
    if (bufferWait(ctx, () => true)) {
      ctx.wake();
      woke = true;
    }
  }
  return woke;
}

/** Room in a channel's ring; a stranded channel lets go of what it holds to make it. */
function hasBufferRoom(ch: Channel): boolean {
  if (ch.stranded && ch.held === ch.slots) ch.letGoHeld();
  return ch.held < ch.slots;
}

/**
 * Once the whole run is deadlocked and no step above wakes anybody: a producer still held
 * back by its buffer is one nobody waits on (step 2 would have grown it). In DAM it runs on
 * until its FIFO is full in simulated time, or it ends; here too, with its channel stranded
 * (Channel.strand): the receiver is blocked for good, and not held back itself (the producer's
 * wait on it for its buffer counts as waiting on it in step 2, which would have grown its
 * buffer). Returns true when a channel was stranded; step 1 then wakes its sender.
 */
export function strandHeldBack(live: readonly Context[]): boolean {
  let stranded = false;
  for (const ctx of live) {
    forEachWait(ctx, (kind, ch) => {
      if (kind !== Wait.Buffer || ch.stranded) return;
      ch.strand();
      stranded = true;
    });
  }
  return stranded;
}

/**
 * The units `ctx` waits on for data or room, as deadUnits reads them: null when it is not
 * blocked, or waits on a clock or on the simulator's buffer (both can end without a peer).
 */
function deadPeers(ctx: Context): number[] | null {
  if (!ctx.blocked) return null;
  const peers: number[] = [];
  for (let i = 0; i < ctx.waitCount; i++) {
    const peer = deadPeer(ctx, i);
    if (peer < 0) return null;
    peers.push(peer);
  }
  return peers;
}

/** The unit wait `i` of `ctx` waits on for data or room, or -1 for a wait on a clock or the buffer. */
export function deadPeer(ctx: Context, i: number): number {
  const kind = ctx.waitKinds[i];
  return kind === Wait.Data || kind === Wait.Room ? peerOf(kind, ctx.waitChannels[i]!).index : -1;
}

/**
 * Step 3: the contexts of `dead` never act again, so none acts below any clock: their lower
 * bound goes to the last exact clock, and whoever waits on their clocks is told at once, where
 * clock bounds would tell it a few cycles a round (on a pool, a round of every thread each).
 * Returns true when some context was woken.
 */
export function markDead(live: readonly Context[], dead: ReadonlySet<number>): boolean {
  let marked = false;
  for (const ctx of live) {
    if (!dead.has(ctx.index) || ctx.lowerBound === MAX_TIME) continue;
    ctx.lowerBound = MAX_TIME;
    ctx.releaseWatchers();
    marked = true;
  }
  return marked && live.some((ctx) => !ctx.blocked);
}

/** The least clock any context waits for another to reach (step 4's T). */
export function leastClockTarget(live: readonly Context[]): number {
  let least = Infinity;
  for (const ctx of live) {
    for (let i = 0; i < ctx.waitCount; i++) {
      if (ctx.waitKinds[i] === Wait.Clock) least = Math.min(least, ctx.waitTargets[i]!);
    }
  }
  return least;
}

/**
 * Step 4, once every context of the whole run is blocked: none acts below `bound` again.
 * Returns true when some context was woken.
 */
export function applyClockBound(live: readonly Context[], bound: number): boolean {
  raiseLowerBounds(live, bound);
  for (const ctx of live) {
    if (ctx.watchers.length > 0) ctx.releaseWatchers();
  }
  return live.some((ctx) => !ctx.blocked);
}

export function raiseLowerBounds(live: readonly Context[], bound: number): void {
  for (const ctx of live) {
    if (ctx.blocked && !bufferWait(ctx, () => true) && ctx.lowerBound < bound) ctx.lowerBound = bound;
  }
}

/** Every live context of a deadlocked run: none is held back by the simulator (strandHeldBack). */
export function deadlockReport(live: readonly Context[]): DeadlockReport {
  const blocked: BlockedContext[] = [];
  for (const ctx of live) {
    const waits: BlockedContext['waits'][number][] = [];
    forEachWait(ctx, (kind, ch, until) => {
      // The simulator's own buffer is no wait in simulated time (a session shows it 'held back'):
      // read as a clock wait, it said 'clock of the receiver to reach 0'.
      if (kind === Wait.Buffer) return;
      const peer = peerOf(kind, ch).name;
      if (kind === Wait.Data) waits.push({ on: 'data', channel: ch.name, peer });
      else if (kind === Wait.Room) waits.push({ on: 'room', channel: ch.name, peer });
      else waits.push({ on: 'clock', channel: ch.name, peer, until });
    });
    blocked.push({ unit: ctx.name, clock: ctx.clock, waits });
  }
  return { blocked };
}

function forEachWait(ctx: Context, fn: (kind: number, ch: Channel, until: number) => void): void {
  for (let i = 0; i < ctx.waitCount; i++) fn(ctx.waitKinds[i]!, ctx.waitChannels[i]!, ctx.waitTargets[i]!);
}

function peerOf(kind: number, ch: Channel): Context {
  return kind === Wait.Data || kind === Wait.Clock ? ch.sender : ch.receiver;
}

/** True when the context waits on a full simulator buffer of a channel passing `test`. */
function bufferWait(ctx: Context, test: (ch: Channel) => boolean): boolean {
  for (let i = 0; i < ctx.waitCount; i++) {
    if (ctx.waitKinds[i] === Wait.Buffer && test(ctx.waitChannels[i]!)) return true;
  }
  return false;
}

/**
 * A cycle before which every event of a stopped run has happened: the least clock of the
 * contexts that can act at their own clock. A context waiting for data or room cannot: its
 * next act comes after an element or an acknowledgement from a peer that has yet to act, at
 * least a latency later.
 */
export function settledBefore(live: readonly Context[]): number {
  let least = Infinity;
  for (const ctx of live) {
    let waitsOnPeer = ctx.waitCount > 0;
    forEachWait(ctx, (kind) => (waitsOnPeer &&= kind === Wait.Data || kind === Wait.Room));
    if (!waitsOnPeer && ctx.time < least) least = ctx.time;
  }
  return least;
}
