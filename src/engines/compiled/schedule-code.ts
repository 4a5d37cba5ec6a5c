import { BATCH } from './handoff-channel.js';
import { elementTime } from '../../kernel/timing-rules.js';
import type { HandoffChannel } from './handoff-channel.js';

/**
 * A static schedule compiled into JavaScript: one function runs one step of it (a row of an
 * SDPA head), with every unit's clock and every handoff channel's element in flight and
 * counters in local variables, kept in a state array between steps.
 *
 * Why compile: one score element of an SDPA design is a dozen channel operations, and as
 * methods they come to about 1,800 bytes of bytecode, twice what V8 inlines into one
 * optimised function; which of them it inlines then depends on when each was optimised, and
 * the same run took 1.45-2.43 s from one process to the next (bench/PROFILE.md, session 4).
 * As code in one function, with a channel's constants (capacity, latencies, ring mask) as
 * literals, there is nothing left to inline but the element-time rule. Why a step and not
 * the whole run: a function called once runs its loops in on-stack-replaced code, which
 * V8 compiles before the code after the loop has run and optimises less well; a function
 * called once per row is optimised as a whole after a few rows.
 *
 * The channel rules are written once, in HandoffCode; a schedule writes its units' arithmetic
 * and says which operation each unit does on which channel, in order.
 */
export class ScheduleCode {
  private readonly channels: HandoffChannel[] = [];
  private readonly codes: HandoffCode[] = [];

  /** The code of `ch`'s operations in this schedule. */
  handoff(ch: HandoffChannel): HandoffCode {
    const code = new HandoffCode(ch, this.channels.length);
    this.channels.push(ch);
    this.codes.push(code);
    return code;
  }

  /**
   * Compiles `body` (statements that may use `params`, the variables in `carried` and the
   * channels' operations) into a step. The carried variables start at 0 and keep their
   * values from one step to the next. Schedules with the same code share one function, and
   * so its optimised code.
   */
  compile(carried: readonly string[], params: readonly string[], body: string): CompiledSchedule {
    const base = 2 * this.codes.length;
    const source = [
      "'use strict';",
      ...this.codes.map((c) => c.declare()),
      ...carried.map((v, k) => `let ${v} = state[${base + k}];`),
      body,
      ...this.codes.map((c) => c.save()),
      ...carried.map((v, k) => `state[${base + k}] = ${v};`),
    ].join('\n');
    const fn = compiled(['channels', 'elementTime', 'state', ...params], source);
    return new CompiledSchedule(fn, this.channels, new Map(carried.map((v, k) => [v, base + k])));
  }
}

/** A compiled schedule with its state: run it step by step, then `finish`. */
export class CompiledSchedule {
  private readonly state: Float64Array;

  constructor(
    private readonly fn: Compiled,
    private readonly channels: readonly HandoffChannel[],
    private readonly slots: ReadonlyMap<string, number>,
  ) {
    this.state = new Float64Array(2 * channels.length + slots.size);
  }

  /** Runs one step with `args` for the schedule's parameters. */
  step(args: readonly unknown[]): void {
    this.fn(this.channels, elementTime, this.state, ...args);
  }

  /** A carried variable's value between steps. */
  value(name: string): number {
    return this.state[this.slots.get(name)!]!;
  }

  /** Stores the channels' counts back, for their statistics. */
  finish(): void {
    this.channels.forEach((ch, c) => (ch.sent = this.state[2 * c + 1]!));
  }
}

/**
 * The operations of spec section 1 on one handoff channel, as statements on a clock variable
 * (the unit's). `room` is enqueue step 1 (idempotent), `enqueue` steps 2 and 3, `arrival` is
 * peekNext, `dequeue` is dequeue. The payload is the schedule's business: an element is
 * dequeued before the next one is enqueued, so it can stay in the variable that computed it.
 */
export class HandoffCode {
  /** The element in flight's time, and the number of elements enqueued. */
  private readonly time: string;
  private readonly sent: string;
  private readonly enqueuedAt: string;
  private readonly dequeuedAt: string;

  /** How the step's code names the channel object. */
  private readonly ref: string;

  constructor(
    private readonly ch: HandoffChannel,
    private readonly index: number,
  ) {
    const prefix = `$${index}`;
    this.ref = `channels[${index}]`;
    this.time = `${prefix}time`;
    this.sent = `${prefix}sent`;
    this.enqueuedAt = `${prefix}enqueuedAt`;
    this.dequeuedAt = `${prefix}dequeuedAt`;
  }

  /** Loads the channel's state at the start of a step: time and count at 2 * index in the state array. */
  declare(): string {
    const at = 2 * this.index;
    return `let ${this.time} = state[${at}], ${this.sent} = state[${at + 1}]; const ${this.enqueuedAt} = ${this.ref}.enqueuedAt, ${this.dequeuedAt} = ${this.ref}.dequeuedAt;`;
  }

  save(): string {
    const at = 2 * this.index;
    return `state[${at}] = ${this.time}; state[${at + 1}] = ${this.sent};`;
  }

  room(clock: string): string {
    const { capacity, ackInRing, mask, responseLatency } = this.ch;
    if (capacity === Infinity) return '';
    const c = literal(capacity);
    const ack = ackInRing ? `${this.dequeuedAt}[(${this.sent} - ${c}) & ${mask}]` : `${this.ref}.ackFromRuns(${this.sent} - ${c})`;
    return `if (${this.sent} >= ${c}) { const $at = ${ack} + ${literal(responseLatency)}; if ($at > ${clock}) ${clock} = $at; }`;
  }

  /**
   * enqueue(value, stamp) by a unit whose clock is `clock`: the stamp is fixed from the clock
   * before the wait for room (spec section 1), then room, then the element's time.
   */
  send(clock: string, stamp: string): string {
    return `{ const $stamp = ${stamp}; ${this.room(clock)} ${this.enqueue(clock, '$stamp')} }`;
  }

  /** Enqueues at `clock`, after `room`, with `stamp` (fixed before the wait for room). */
  enqueue(clock: string, stamp: string): string {
    const { sent } = this;
    const { mask } = this.ch;
    return [
      `${this.time} = elementTime(${stamp}, ${clock}, ${literal(this.ch.sendLatency)});`,
      `${this.enqueuedAt}[${sent} & ${mask}] = ${clock};`,
      `if ((${sent} & ${BATCH - 1}) === ${BATCH - 1}) ${this.ref}.settle(${sent} + 1, ${sent});`,
      `${sent}++;`,
    ].join(' ');
  }

  arrival(clock: string): string {
    return `if (${this.time} > ${clock}) ${clock} = ${this.time};`;
  }

  dequeue(clock: string): string {
    return `${this.arrival(clock)} ${this.dequeuedAt}[(${this.sent} - 1) & ${this.ch.mask}] = ${clock};`;
  }
}

/** A number as a JavaScript literal, exactly (shortest round-trip form); anything else is refused. */
export function literal(x: number): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new TypeError(`not a finite number for a compiled schedule: ${String(x)}`);
  return Object.is(x, -0) ? '-0' : String(x);
}

type Compiled = (...args: unknown[]) => unknown;

/** The last few compiled schedules by source: one run compiles once for all its heads. */
const cache = new Map<string, Compiled>();
const CACHED = 8;

function compiled(params: readonly string[], source: string): Compiled {
  const key = `${params.join(',')}\n${source}`;
  let fn = cache.get(key);
  if (fn === undefined) {
    // The source is the schedule's own text and numbers: nothing from outside reaches it as code.
    fn = new Function(...params, source) as Compiled;
    if (cache.size === CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, fn);
  }
  return fn;
}
