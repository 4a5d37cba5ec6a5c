import { ClockOverflow, messageOf, pastExactIntegers, show } from './errors.js';
import { MAX_TIME } from './time.js';
import { ClockMove } from './tracer.js';
import { Wait } from './wait.js';
import type { Channel } from './channel.js';
import type { Input } from './input.js';
import type { Output } from './output.js';
import type { Scheduler } from './scheduler.js';
import type { Time } from './time.js';
import type { ClockMoveKind } from './tracer.js';
import type { UnitBody, UnitContext } from './unit-kind.js';
import type { WaitKind } from './wait.js';

/**
 * Wait conditions a context may record between two yields before it is taken for a unit that
 * polls without yielding (when it has fewer ports than this).
 */
const POLLS_WITHOUT_YIELD = 64;

/** A hardware unit with its own clock, run cooperatively by an executor. */
export class Context implements UnitContext {
  time: Time = 0;
  /**
   * The clock a wait for room (`Output.ready()`) has reached, applied at the context's next
   * channel or clock operation rather than at once: DAM's enqueue waits inside, so a stamp
   * computed from `time` between `ready()` and `enqueue()` is the stamp at production, as
   * spec section 1 requires (the stamp is fixed before the wait).
   */
  roomTime: Time = 0;
  /**
   * A clock value the context is known never to act below again, published by stall
   * resolution; kept apart from `time` so reported clocks stay those the unit reached.
   */
  lowerBound: Time = 0;
  finished = false;
  body: UnitBody | null = null;
  reported: unknown = undefined;

  /** Yields in a row that waited on nothing, at the clock `bareYieldClock` (a unit that livelocks). */
  bareYields = 0;
  bareYieldClock: Time = -1;

  /** Wait conditions, any of which wakes the context (parallel arrays, reused). */
  waitCount = 0;
  readonly waitKinds: WaitKind[] = [];
  readonly waitChannels: Channel[] = [];
  readonly waitTargets: Time[] = [];

  /** Contexts waiting for this clock to reach a value, and the least such value. */
  watchers: Context[] = [];
  watchFrom: Time = Infinity;

  readonly inputs = new Map<string, Input>();
  readonly outputs = new Map<string, Output>();

  constructor(
    readonly index: number,
    readonly name: string,
    readonly kind: string,
    private readonly scheduler: Scheduler,
  ) {}

  incr(cycles: Time): void {
    if (!Number.isInteger(cycles) || cycles < 0) badClock('incr', cycles, 'cycles must be a non-negative integer');
    const time = this.settleRoom() + cycles;
    if (time > MAX_TIME) pastMaxTime('incr', cycles, 'the clock would pass 2^53, where clocks are no longer exact');
    this.time = time;
  }

  advance(to: Time): void {
    if (!Number.isSafeInteger(to)) badClock('advance', to, 'a clock is an integer below 2^53');
    this.settleRoom();
    if (to > this.time) this.moveTo(to, ClockMove.Idle);
  }

  /**
   * The clock as the spec has it, with any wait for room taken since the last operation: what a
   * run reports for a unit. A broadcast stopped waiting for room on its second output has
   * already waited on its first (DAM's wait moves the clock); `time` would leave that out.
   */
  get clock(): Time {
    return this.roomTime > this.time ? this.roomTime : this.time;
  }

  /** Moves the clock to any wait for room taken since the last operation; returns the clock. */
  settleRoom(): Time {
    const room = this.roomTime;
    if (room > this.time) this.moveTo(room, ClockMove.Room);
    return this.time;
  }

  /**
   * A dequeue or peekNext of an element stamped `at` on `ch`: the clock moves to it if later,
   * the cycles waited counted on the channel; returns the clock. One small function under
   * every dequeue: it and its callers are inlined into a unit's body (two layers here cost the
   * generator-to-sink pipe a fifth more per token).
   */
  arrive(ch: Channel, at: Time): Time {
    const now = this.settleRoom();
    if (at > now) {
      ch.inputWait += at - now;
      this.moveTo(at, ClockMove.Input);
    }
    return this.time;
  }

  /** Every move of the clock but `incr`'s, and why: what a traced context (TracedContext) reports. */
  protected moveTo(to: Time, _why: ClockMoveKind): void {
    this.time = to;
  }

  input(port: string): Input {
    const input = this.inputs.get(port);
    if (input === undefined) throw new Error(`no input port '${port}'`);
    return input;
  }

  output(port: string): Output {
    const output = this.outputs.get(port);
    if (output === undefined) throw new Error(`no output port '${port}'`);
    return output;
  }

  report(value: unknown): void {
    // What a report holds crosses threads on a pool: a function in it failed there as a bare {}
    // and was dropped in one thread. Typed arrays (a sink's outputs) always can.
    if (!ArrayBuffer.isView(value)) {
      try {
        structuredClone(value);
      } catch (error) {
        throw new TypeError(`report(): a report is plain data, which can cross threads (${messageOf(error)})`, { cause: error });
      }
    }
    this.reported = value;
  }

  /** Records a wait condition; the unit then yields. */
  block(kind: WaitKind, ch: Channel, target: Time): void {
    const i = this.waitCount++;
    if (i >= POLLS_WITHOUT_YIELD && i >= this.maxWaits()) this.pollsWithoutYield(ch);
    this.waitKinds[i] = kind;
    this.waitChannels[i] = ch;
    this.waitTargets[i] = target;
    if (kind === Wait.Data || kind === Wait.Clock) ch.receiverWaiting = true;
    else ch.senderWait = kind;
    if (kind === Wait.Clock) ch.sender.watch(this, target);
  }

  /**
   * Distinct conditions a unit can hold at once: data and a clock on each input, room on each
   * output. More since its last yield means it asks again and again without yielding, and the
   * recorded conditions would grow until memory runs out.
   */
  private maxWaits(): number {
    return 2 * this.inputs.size + this.outputs.size;
  }

  private pollsWithoutYield(ch: Channel): never {
    throw new Error(
      `keeps waiting on channel '${ch.name}' without yielding (${this.waitCount} waits since its last yield): ` +
        "a ready() or quietUntil() that returns false must be followed by 'yield', as in 'while (!out.ready()) yield;'",
    );
  }

  get blocked(): boolean {
    return this.waitCount > 0;
  }

  /** A condition was met: drop all conditions and hand the context back to its executor. */
  wake(): void {
    if (this.waitCount === 0) return;
    for (let i = 0; i < this.waitCount; i++) {
      const ch = this.waitChannels[i]!;
      const kind = this.waitKinds[i];
      if (kind === Wait.Data || kind === Wait.Clock) ch.receiverWaiting = false;
      else ch.senderWait = 0;
    }
    this.waitCount = 0;
    this.scheduler.makeReady(this);
  }

  watch(watcher: Context, until: Time): void {
    this.watchers.push(watcher);
    if (until < this.watchFrom) this.watchFrom = until;
  }

  /** Wakes watchers whose clock condition on this context now holds. */
  releaseWatchers(): void {
    const clock = this.time > this.lowerBound ? this.time : this.lowerBound;
    let from = Infinity;
    let kept = 0;
    for (const watcher of this.watchers) {
      const until = watcher.clockTargetOn(this);
      if (until === Infinity) continue;
      if (until <= clock) {
        watcher.wake();
        continue;
      }
      this.watchers[kept++] = watcher;
      if (until < from) from = until;
    }
    this.watchers.length = kept;
    this.watchFrom = from;
  }

  /** The least clock this context waits for `sender` to reach, Infinity if none. */
  clockTargetOn(sender: Context): Time {
    let until = Infinity;
    for (let i = 0; i < this.waitCount; i++) {
      if (this.waitKinds[i] === Wait.Clock && this.waitChannels[i]!.sender === sender) {
        until = Math.min(until, this.waitTargets[i]!);
      }
    }
    return until;
  }
}

/**
 * Out of `incr` and `advance`, which stay small enough to be inlined into unit bodies. A value
 * past 2^53 is a clock that passed it: a ClockOverflow, which an SDPA run refuses as it refuses
 * any (errors.ts).
 */
function badClock(operation: string, value: unknown, why: string): never {
  throw new (pastExactIntegers(value) ? ClockOverflow : RangeError)(`${operation}(${show(value)}): ${why}`);
}

/** badClock for a clock that `cycles` would take past 2^53. */
function pastMaxTime(operation: string, cycles: number, why: string): never {
  throw new ClockOverflow(`${operation}(${show(cycles)}): ${why}`);
}
