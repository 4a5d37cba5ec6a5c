import { MarginOf, Margins } from './margins.js';
import { Channel } from '../../kernel/channel.js';
import { messageOf, ProgramError } from '../../kernel/errors.js';
import { elementTime } from '../../kernel/timing-rules.js';
import { BATCH, HandoffChannel } from './handoff-channel.js';
import { appendAt, arrivalAt, dequeueAt, logging, LOGGING_RING_OPS, roomAt } from './ring-ops.js';
import type { Journal } from './run-log.js';
import type { ChannelShape } from '../../kernel/channel.js';

/**
 * What a compiled row computes. Timing and values never depend on each other (no unit's
 * timing reads a value, and the values of a row are the same whenever it runs), so one order
 * of operations compiles two ways: timing alone (what fast-forward and --timing-only run, and
 * in verify mode with its margins logged), or values alone (what runs on the workers, by rows,
 * while the timing is simulated or extrapolated). The values are the same operations in the
 * same order whichever block of rows computes them: bit for bit the same outputs.
 */
export interface CodeMode {
  readonly timing: boolean;
  readonly values: boolean;
  /**
   * Timing that also logs the margin of every max it takes (the winner minus the other side,
   * in `margins`) and journals each handoff channel's enqueue and dequeue instants: what the
   * drift fast-forward checks before it extrapolates (drift.ts).
   */
  readonly verify?: boolean;
}

export const TIMING: CodeMode = { timing: true, values: false };
export const VALUES: CodeMode = { timing: false, values: true };
export const VERIFY: CodeMode = { timing: true, values: false, verify: true };

/**
 * A design's order of operations for one row, as JavaScript, compiled once per run and mode.
 *
 * Why compile: one score element of an SDPA design is a dozen channel operations, and as
 * methods they come to about 1,800 bytes of bytecode, twice what V8 inlines into one
 * optimised function; which of them it inlines then depends on when each was optimised, and
 * the same run took 1.45-2.43 s from one process to the next (bench/PROFILE.md, session 4).
 * As code in one function, with a channel's numbers (capacity, latencies, ring mask) as
 * constants of it, there is nothing left to inline but the element-time rule. Why a row and not the
 * whole run: a function called once runs its loops in on-stack-replaced code, which V8
 * compiles before the code after the loop has run and optimises less well; a function called
 * once per row is optimised as a whole after a few rows.
 *
 * The channel rules are written once, in HandoffCode and RingCode; a design writes its
 * units' arithmetic (`values`) and clocks (`timing`), and says which operation each unit does
 * on which channel, in order. In a mode without timing the channel operations are no code.
 */
export class RowCode {
  /** The channels the timing keeps, in the order the design named them. */
  private readonly channels: (HandoffCode | RingCode)[] = [];
  /** State slots the channels' variables take so far (the clocks come after them). */
  private slots = 0;
  /** The numbers of this configuration the code names (K0, K1, ...), in the order it named them. */
  private readonly constants: number[] = [];
  /** Units and their clock variables, in the order the design declared them. */
  private readonly units: [unit: string, clock: string][] = [];
  /** Each number `constant` gave, by the name it gave it. */
  private readonly named = new Map<string, number>();
  /** The elements of a row that runs in parts (`row`), counted over its loops; 0 for one that runs whole. */
  private partElements = 0;

  /**
   * `sharing`: another mode's code of the same order, whose channels this one operates on
   * (the design emits its order again, naming the same channels in the same order).
   */
  constructor(
    readonly mode: CodeMode,
    private readonly shapeOf: (name: string) => ChannelShape,
    private readonly sharing: RowCode | null = null,
    /** Write the numbers into the code (see `constant`). */
    private readonly literals = false,
  ) {}

  /** Statements of the timing only. */
  timing(code: string): string {
    return this.mode.timing ? code : '';
  }

  /** Statements of the values only. */
  values(code: string): string {
    return this.mode.values ? code : '';
  }

  /**
   * A number of this configuration (a capacity, a latency, N) as the code names it: a constant
   * of the row's function, set from an argument. So the code of a design is the same text for
   * every configuration of the same shape, and a sweep's runs, or a worker's jobs, share one
   * compiled function and its optimised code (a new function per configuration cost about
   * 200 ms of compiling each).
   */
  constant(x: number): string {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new TypeError(`not a finite number for a compiled row: ${String(x)}`);
    // A run long enough to pay for its own compile gets its numbers written in (shortest
    // round-trip form, exact): V8 folds them, and the row's many live values leave registers
    // free; the timing of modified N = 4096 runs about a fifth faster so.
    const name = this.literals ? (Object.is(x, -0) ? '-0' : String(x)) : `K${this.constants.length}`;
    if (!this.literals) this.constants.push(x);
    this.named.set(name, x);
    return name;
  }

  /** A loop of `row` over the row's elements: `body` for each `j` from 0 up to `count` (a name `constant` gave). */
  elements(count: string, body: string): ElementLoop {
    const value = this.named.get(count);
    if (value === undefined) throw new Error(`a row's loop runs over a number of its configuration, which ${count} is not`);
    return { count, value, body };
  }

  /**
   * A row's code from its statements and its loops over elements (\`elements\`), in order. A row of
   * more than SPLIT_ROWS_FROM elements in all runs in parts (CompiledRows.inParts) between which
   * the engine lets signals in: in one go a row of the modified design at N = 2^24 took 1.5-3 s,
   * and a row of a drift's proof at N = 2^22, which logs its margins, 1.8 s. A part runs
   * elements [from, to) of the loops, counted one loop after the other, and each statement
   * outside them in the part where its place falls (those before the first loop in the first
   * part, those after the last loop in the last). What a part leaves for the next is in the
   * clocks and the channels, kept from one call to the next as from one row to the next, so a
   * row in parts does the same operations in the same order as whole. Such statements must then
   * declare nothing that another part reads. With values, whose accumulators live across a
   * row, a row runs whole: one of more than 2^20 elements would be one of a run of 2^40.
   * Shorter rows are the loops as written, the code they always were.
   */
  row(...parts: readonly (string | ElementLoop)[]): string {
    const loops = parts.filter((part): part is ElementLoop => typeof part !== 'string');
    const elements = loops.reduce((sum, loop) => sum + loop.value, 0);
    this.partElements = !this.mode.values && elements > SPLIT_ROWS_FROM ? elements : 0;
    if (this.partElements === 0)
      return parts.map((part) => (typeof part === 'string' ? part : `for (let j = 0; j < ${part.count}; j++) {${part.body}}`)).join('\n');
    // Places as the sums of the loops' counts before them: the code is one text for every configuration of its shape.
    const total = loops.map((loop) => loop.count).join(' + ');
    let before: string[] = [];
    return parts
      .map((part) => {
        const at = before.length === 0 ? '0' : `(${before.join(' + ')})`;
        if (typeof part === 'string') {
          const here =
            before.length === 0
              ? 'from === 0'
              : before.length === loops.length
                ? `to === ${total}`
                : `from <= ${at} && (${at} < to || to === ${total})`;
          return `if (${here}) {${part}}`;
        }
        before = [...before, part.count];
        return `for (let j = from > ${at} ? from - ${at} : 0, $end = to - ${at} < ${part.count} ? to - ${at} : ${part.count}; j < $end; j++) {${part.body}}`;
      })
      .join('\n');
  }

  /** Declares unit `unit`'s clock: a variable of the compiled row, kept between rows. */
  clock(unit: string, variable: string): string {
    this.units.push([unit, variable]);
    return variable;
  }

  /**
   * A channel whose receiver takes every element before its sender enqueues the next, in
   * this order: its element in flight lives in variables (handoff-channel.ts).
   */
  handoff(name: string): HandoffCode {
    if (!this.mode.timing) return INACTIVE_HANDOFF;
    const code = new HandoffCode(
      this.channel(name, (shape) => new HandoffChannel(shape)),
      this.channels.length,
      this.slots,
      this.mode,
      (x) => this.constant(x),
    );
    this.channels.push(code);
    this.slots += code.kinds.length;
    return code;
  }

  /** A channel that holds several elements at once in this order: a ring of the kernel's channel. */
  ring(name: string): RingCode {
    if (!this.mode.timing) return INACTIVE_RING;
    const code = new RingCode(
      this.channel(name, (shape) => new Channel(shape)),
      this.channels.length,
      this.slots,
    );
    this.channels.push(code);
    this.slots += code.kinds.length;
    return code;
  }

  /** A new channel, or the one the shared code made at this place of the order. */
  private channel<C extends HandoffChannel | Channel>(name: string, make: (shape: ChannelShape) => C): C {
    if (this.sharing === null) return make(this.shapeOf(name));
    const ch = this.sharing.channels[this.channels.length]?.channel;
    if (ch === undefined || ch.name !== name) throw new Error(`the order names channel '${name}' where it named '${ch?.name}' before`);
    return ch as C;
  }

  /**
   * Everything the code of `body` in this mode computes from, besides the row index and the
   * arguments: its text, the configuration's numbers, every channel's kind and shape but its
   * name, and the clocks. Code with the same signature, run on the same arguments from a fresh
   * state, does the same operations on the same numbers: its channels and clocks take the same
   * values, position by position (group-timing.ts shares the timing of such groups).
   */
  signature(body: string): string {
    const number = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));
    const channels = this.channels.map(({ channel: c }) =>
      [c instanceof HandoffChannel ? 'handoff' : 'ring', c.capacity, c.sendLatency, c.responseLatency, c.width].map(String).join(' '),
    );
    const mode = [this.mode.timing, this.mode.values, this.mode.verify === true, this.literals].join(' ');
    return [mode, this.constants.map(number).join(' '), ...channels, this.units.map(([, clock]) => clock).join(' '), body].join('\n');
  }

  /** The units (by their clocks) and the channels the code names, in its order: what a signature's positions are. */
  layout(): { readonly units: readonly string[]; readonly channels: readonly string[] } {
    return { units: this.units.map(([unit]) => unit), channels: this.channels.map((c) => c.channel.name) };
  }

  /**
   * Compiles `body` (statements on the row index `i`, the names in `params`, the channels and
   * the unit clocks) into one row's function. Clocks and handoff channels' variables start at
   * 0 and keep their values from one row to the next, in a state array. Rows with the same
   * code share one function, and so its optimised code.
   */
  compile(params: readonly string[], body: string, state?: Float64Array): CompiledRows {
    const clocks = this.mode.timing ? this.units.map(([, clock]) => clock) : [];
    const part = this.partElements === 0 ? [] : ['from', 'to'];
    const base = this.slots;
    const source = [
      "'use strict';",
      this.constants.length === 0
        ? ''
        : `const ${this.constants.map((x, k) => `K${k} = constants[${k}]${isInt32(x) ? ' | 0' : ''}`).join(', ')};`,
      ...this.channels.map((c) => c.declare()),
      ...clocks.map((v, k) => `let ${v} = state[${base + k}];`),
      body,
      ...this.channels.map((c) => c.save()),
      ...clocks.map((v, k) => `state[${base + k}] = ${v};`),
    ].join('\n');
    const fn = compiled(
      rowName(this.mode),
      ['channels', 'elementTime', 'roomAt', 'appendAt', 'arrivalAt', 'dequeueAt', 'margins', 'state', 'constants', 'i', ...part, ...params],
      source,
    );
    const slotOf = (clock: string | undefined): number => (clock === undefined ? -1 : base + clocks.indexOf(clock));
    const units = clocks.map((clock, k) => ({ unit: this.units[k]![0], slot: base + k }));
    const channels = this.channels.map((code) => ({
      channel: code.channel,
      senderSlot: slotOf(code.senderClock),
      receiverSlot: slotOf(code.receiverClock),
      countSlot: code instanceof HandoffCode ? code.slot + 1 : -1,
      waitSlot: code instanceof HandoffCode ? code.slot + 2 : code.slot,
    }));
    const kinds = [...this.channels.flatMap((c) => c.kinds), ...clocks.map((): SlotKind => 'time')];
    const rowState = state ?? new Float64Array(kinds.length);
    return new CompiledRows(fn, channels, kinds, units, rowState, Float64Array.from(this.constants), this.partElements);
  }
}

/** A loop over a row's elements (RowCode.elements): its count, as the code names it and as a number, and its body. */
export interface ElementLoop {
  readonly count: string;
  readonly value: number;
  readonly body: string;
}

/** Elements of a row (its loops', RowCode.row) beyond which it runs in parts, and the elements of a part: some 5-30 ms, the longest those of a drift's proof, which log their margins. */
export const SPLIT_ROWS_FROM = 1 << 20;
export const ELEMENTS_PER_PART = 1 << 16;

/**
 * A channel of a compiled row: where its sender's and receiver's clocks are in the state, its
 * count (handoff channels; -1 for rings), and its two waits (the receiver's for an element,
 * then the sender's for room).
 */
export interface CompiledChannel {
  readonly channel: HandoffChannel | Channel;
  readonly senderSlot: number;
  readonly receiverSlot: number;
  readonly countSlot: number;
  readonly waitSlot: number;
}

/** Where a handoff channel's cycles full are counted in the state, when its code counts them (HandoffChannel.fullInRing). */
export function fullSlot(c: CompiledChannel): number {
  return c.channel instanceof HandoffChannel && c.channel.fullInRing ? c.countSlot + 3 : -1;
}

/** What a state entry is: a time (every time of a repeating state moves by the same shift) or a count. */
export type SlotKind = 'time' | 'count';

/**
 * Score elements from which code that will run them gets its numbers written in: its own
 * compile, tens of milliseconds, is then a small part of the run, and the code is faster. Code
 * that runs fewer keeps its numbers as arguments, so that every configuration of a shape shares
 * it: a sweep's worker compiles a shape once, not once per configuration (with the numbers
 * written into its N = 2048 jobs, which fast-forward ends after a few rows, the 64-job sweep
 * spent 3.9 s compiling rows, more than its jobs ran).
 */
export const NUMBERS_WRITTEN_FROM = 1 << 22;

export function writesNumbers(elements: number, from = NUMBERS_WRITTEN_FROM): boolean {
  return elements >= from;
}

/**
 * Whether a constant is a small integer (N, d, a capacity, a latency), which the code then
 * reads as one (`| 0`): read from the Float64Array of constants it is a double, and an index
 * such as `j * d + x` computed from it is converted back for every element read (the values of
 * d = 64 ran 1.3x the plain loop so).
 */
function isInt32(x: number): boolean {
  return (x | 0) === x && !Object.is(x, -0);
}

/** Where a verify-mode row logs its margins and its ring channels' instants. */
export interface MarginsLog {
  readonly margins: Margins;
  readonly journals: ReadonlyMap<Channel, Journal>;
}

/** A compiled row with its state: run it row by row, then `finish`. */
export class CompiledRows {
  private readonly objects: readonly (HandoffChannel | Channel)[];
  /** Each channel's index among the row's: what a verify-mode row's ring operations log under. */
  private readonly indexOf: ReadonlyMap<Channel | HandoffChannel, number>;
  constructor(
    private readonly fn: Compiled,
    /** Every channel the timing keeps, where its sender's clock is in the state, and its count (handoff channels). */
    readonly channels: readonly CompiledChannel[],
    /** What each entry of the state is. */
    private readonly kinds: readonly SlotKind[],
    /** Where each unit's clock is in the state. */
    readonly units: readonly { readonly unit: string; readonly slot: number }[],
    /** Each channel's variables (HandoffCode, RingCode), then each unit's clock. */
    readonly state: Float64Array,
    /** The configuration's numbers the code names (RowCode.constant). */
    private readonly constants: Float64Array,
    /** The elements of a row that runs in parts (RowCode.row), or 0: it runs whole. */
    readonly partElements: number,
  ) {
    this.objects = channels.map((c) => c.channel);
    for (const ch of this.objects) if (ch instanceof HandoffChannel) ch.allocate();
    this.indexOf = new Map(this.objects.map((ch, k) => [ch, k]));
  }

  /** Runs row `i` with `args` for the design's parameters, of a row that runs whole (`partElements` 0; else inParts). */
  row(i: number, args: readonly unknown[]): void {
    // Timing and values code never logs a margin.
    this.fn(this.objects, elementTime, roomAt, appendAt, arrivalAt, dequeueAt, null, this.state, this.constants, i, ...args);
  }

  /**
   * Runs row `i`, part by part when it runs in parts (RowCode.row), yielding between two parts;
   * in verify mode when `into` is given: logging the margin of every max it takes into
   * `into.margins` and its ring channels' instants into `into.journals` (drift.ts gives each
   * period its own).
   */
  *inParts(i: number, args: readonly unknown[], into?: MarginsLog): Generator<void, void> {
    const elements = this.partElements;
    // A row that runs whole is one part, of no bounds.
    for (let from = 0; from < Math.max(1, elements); from += ELEMENTS_PER_PART) {
      if (from > 0) yield;
      this.part(i, elements === 0 ? [] : [from, Math.min(elements, from + ELEMENTS_PER_PART)], args, into);
    }
  }

  /** Elements `bounds` ([from, to), or none: the whole row) of row `i`, in verify mode when `into` is given. */
  private part(i: number, bounds: readonly number[], args: readonly unknown[], into: MarginsLog | undefined): void {
    if (into === undefined) {
      this.fn(this.objects, elementTime, roomAt, appendAt, arrivalAt, dequeueAt, null, this.state, this.constants, i, ...bounds, ...args);
      return;
    }
    const ops = LOGGING_RING_OPS;
    logging({ ...into, indexOf: this.indexOf }, () =>
      this.fn(
        this.objects,
        elementTime,
        ops.roomAt,
        ops.appendAt,
        ops.arrivalAt,
        ops.dequeueAt,
        into.margins,
        this.state,
        this.constants,
        i,
        ...bounds,
        ...args,
      ),
    );
  }

  /** A channel's counts are locals of the row's code: stores them back, for the channels' statistics. */
  finish(): void {
    for (const c of this.channels) {
      const { channel, countSlot, waitSlot } = c;
      if (countSlot >= 0) channel.sent = this.state[countSlot]!;
      channel.inputWait = this.state[waitSlot]!;
      channel.roomWait = this.state[waitSlot + 1]!;
      if (channel instanceof HandoffChannel && channel.fullInRing) channel.fullCyclesCounted = this.state[fullSlot(c)]!;
    }
  }

  /** Entries of the state that are times (element times and clocks), not counts. */
  isTime(slot: number): boolean {
    return this.kinds[slot] === 'time';
  }
}

/**
 * The operations of spec section 1 on one handoff channel, as statements on a clock variable
 * (the unit's). `room` is enqueue step 1 (idempotent), `enqueue` steps 2 and 3, `send` both
 * with the stamp fixed before the wait, `arrival` is peekNext, `dequeue` is dequeue. The
 * payload is the design's business: an element is dequeued before the next one is enqueued,
 * so it can stay in the variable that computed it.
 */
export class HandoffCode {
  /** The element in flight's time, the number of elements enqueued, and the cycles each end waited on the channel. */
  private readonly time: string;
  private readonly sent: string;
  private readonly inputWait: string;
  private readonly roomWait: string;
  private readonly fullCycles: string;
  /** Its variables in the state, from `slot` on: the element's time, then counts. */
  readonly kinds: readonly SlotKind[] = ['time', 'count', 'count', 'count', 'count'];
  private readonly enqueuedAt: string;
  private readonly dequeuedAt: string;
  /** How the row's code names the channel object, and its numbers. */
  private readonly ref: string;
  private readonly capacity: string;
  private readonly mask: string;
  private readonly sendLatency: string;
  private readonly responseLatency: string;
  /** The sender's and the receiver's clock variables, as the first operations on either end named them. */
  senderClock: string | undefined;
  receiverClock: string | undefined;

  constructor(
    readonly channel: HandoffChannel,
    /** Index among all the row's channels, and the first of its slots in the state. */
    readonly index: number,
    readonly slot: number,
    private readonly mode: CodeMode,
    constant: (x: number) => string,
  ) {
    const prefix = `$${index}`;
    this.ref = `channels[${index}]`;
    const { capacity, mask, sendLatency, responseLatency } = channel;
    this.capacity = Number.isFinite(capacity) ? constant(capacity) : '';
    this.mask = constant(mask);
    this.sendLatency = constant(sendLatency);
    this.responseLatency = constant(responseLatency);
    this.time = `${prefix}time`;
    this.sent = `${prefix}sent`;
    this.inputWait = `${prefix}inputWait`;
    this.roomWait = `${prefix}roomWait`;
    this.fullCycles = `${prefix}fullCycles`;
    this.enqueuedAt = `${prefix}enqueuedAt`;
    this.dequeuedAt = `${prefix}dequeuedAt`;
  }

  /** Loads the channel's variables at the start of a row. */
  declare(): string {
    const at = this.slot;
    return `let ${this.time} = state[${at}], ${this.sent} = state[${at + 1}], ${this.inputWait} = state[${at + 2}], ${this.roomWait} = state[${at + 3}], ${this.fullCycles} = state[${at + 4}]; const ${this.enqueuedAt} = ${this.ref}.enqueuedAt, ${this.dequeuedAt} = ${this.ref}.dequeuedAt;`;
  }

  save(): string {
    const at = this.slot;
    return `state[${at}] = ${this.time}; state[${at + 1}] = ${this.sent}; state[${at + 2}] = ${this.inputWait}; state[${at + 3}] = ${this.roomWait}; state[${at + 4}] = ${this.fullCycles};`;
  }

  room(clock: string): string {
    this.senderClock ??= clock;
    const { capacity: c, mask } = this;
    if (c === '') return '';
    const ack = this.channel.ackInRing
      ? `${this.dequeuedAt}[(${this.sent} - ${c}) & ${mask}]`
      : `${this.ref}.ackFromRuns(${this.sent} - ${c})`;
    return `if (${this.sent} >= ${c}) { const $at = ${ack} + ${this.responseLatency}; ${this.margin(MarginOf.Room, '$at', clock)} if ($at > ${clock}) { ${this.roomWait} += $at - ${clock}; ${clock} = $at; } }`;
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
    this.senderClock ??= clock;
    const { sent, mask, sendLatency: ls } = this;
    return [
      this.mode.verify
        ? `{ const $s = ${stamp}; ${this.margin(MarginOf.Stamp, '$s', `${clock} + ${ls}`)} ${this.time} = elementTime($s, ${clock}, ${ls}); ${this.ref}.journal.enqueued.push(${clock}); }`
        : `${this.time} = elementTime(${stamp}, ${clock}, ${ls});`,
      `${this.enqueuedAt}[${sent} & ${mask}] = ${clock};`,
      this.channel.fullInRing && this.channel.capacity > 1 ? this.fullFrom(clock) : '',
      `if ((${sent} & ${BATCH - 1}) === ${BATCH - 1}) ${this.ref}.settle(${sent}, ${sent});`,
      `${sent}++;`,
    ].join(' ');
  }

  /**
   * Element `sent`, enqueued at `clock`, fills the channel until D_(sent + 1 - C), the dequeue
   * that frees a slot, when that comes later (the next enqueue waits for its acknowledgement,
   * so these spans never overlap). With C > 1 that element is dequeued already; with C = 1 it
   * is this one, and the span is counted at its dequeue (fullTo).
   */
  private fullFrom(clock: string): string {
    const { sent, capacity: c, mask } = this;
    return `if (${sent} >= ${c} - 1) { const $span = ${this.dequeuedAt}[(${sent} + 1 - ${c}) & ${mask}] - ${clock}; if ($span > 0) ${this.fullCycles} += $span; }`;
  }

  private fullTo(clock: string): string {
    return ` ${this.fullCycles} += ${clock} - ${this.enqueuedAt}[(${this.sent} - 1) & ${this.mask}];`;
  }

  arrival(clock: string): string {
    this.receiverClock ??= clock;
    return `${this.margin(MarginOf.Arrival, this.time, clock)} if (${this.time} > ${clock}) { ${this.inputWait} += ${this.time} - ${clock}; ${clock} = ${this.time}; }`;
  }

  dequeue(clock: string): string {
    const journal = this.mode.verify ? ` ${this.ref}.journal.dequeued.push(${clock});` : '';
    const full = this.channel.fullInRing && this.channel.capacity === 1 ? this.fullTo(clock) : '';
    return `${this.arrival(clock)} ${this.dequeuedAt}[(${this.sent} - 1) & ${this.mask}] = ${clock};${full}${journal}`;
  }

  /** Verify mode: logs by how much `a` exceeds `b` where the code takes max(a, b). */
  private margin(of: MarginOf, a: string, b: string): string {
    return this.mode.verify ? `margins.log(${this.index}, ${of}, ${a} - (${b}));` : '';
  }
}

/**
 * The same operations on a channel that holds several elements at once in the order (the
 * naive design's `long` holds a row): through the kernel channel's own rules (ring-ops.ts).
 * Its payloads are the design's business too.
 */
export class RingCode {
  private readonly ref: string;
  private readonly inputWait: string;
  private readonly roomWait: string;
  /** Its variables in the state, from `slot` on: the cycles each end waited on the channel. */
  readonly kinds: readonly SlotKind[] = ['count', 'count'];
  senderClock: string | undefined;
  receiverClock: string | undefined;

  constructor(
    readonly channel: Channel,
    readonly index: number,
    readonly slot: number,
  ) {
    this.ref = `channels[${index}]`;
    this.inputWait = `$${index}inputWait`;
    this.roomWait = `$${index}roomWait`;
  }

  declare(): string {
    return `let ${this.inputWait} = state[${this.slot}], ${this.roomWait} = state[${this.slot + 1}];`;
  }

  save(): string {
    return `state[${this.slot}] = ${this.inputWait}; state[${this.slot + 1}] = ${this.roomWait};`;
  }

  room(clock: string): string {
    this.senderClock ??= clock;
    return this.moved(clock, 'roomAt', this.roomWait);
  }

  enqueue(clock: string, stamp: string): string {
    this.senderClock ??= clock;
    return `appendAt(${this.ref}, ${clock}, ${stamp});`;
  }

  arrival(clock: string): string {
    this.receiverClock ??= clock;
    return this.moved(clock, 'arrivalAt', this.inputWait);
  }

  dequeue(clock: string): string {
    this.receiverClock ??= clock;
    return this.moved(clock, 'dequeueAt', this.inputWait);
  }

  /** `clock` moved by a ring operation, the cycles it waited counted in `wait`. */
  private moved(clock: string, operation: string, wait: string): string {
    return `{ const $to = ${operation}(${this.ref}, ${clock}); ${wait} += $to - ${clock}; ${clock} = $to; }`;
  }
}

/** The code of a channel in a mode without timing: no code at all. */
const INACTIVE_HANDOFF = Object.assign(Object.create(HandoffCode.prototype) as HandoffCode, {
  declare: () => '',
  save: () => '',
  room: () => '',
  send: () => '',
  enqueue: () => '',
  arrival: () => '',
  dequeue: () => '',
});
const INACTIVE_RING = Object.assign(Object.create(RingCode.prototype) as RingCode, {
  declare: () => '',
  save: () => '',
  room: () => '',
  enqueue: () => '',
  arrival: () => '',
  dequeue: () => '',
});

type Compiled = (...args: unknown[]) => unknown;

/** A compiled row's name: its mode. */
function rowName(mode: CodeMode): string {
  if (mode.verify === true) return 'verifyRow';
  return mode.timing ? 'timingRow' : 'valuesRow';
}

/**
 * The compiled rows used last, by source: one run compiles once per mode for all its heads, and
 * a sweep's or a sizing's jobs on one worker share a design's rows across configurations. The
 * 64-job sweep benchmark (bench/sweep-64.yaml) makes 36 distinct rows; with 8 kept, one worker
 * compiled 50 times. Least recently used goes first.
 */
const cache = new Map<string, Compiled>();
const CACHED = 64;

function compiled(name: string, params: readonly string[], source: string): Compiled {
  const key = `${name}(${params.join(',')})\n${source}`;
  let fn = cache.get(key);
  if (fn !== undefined) {
    cache.delete(key);
  } else {
    // The source is the design's own text and numbers: nothing from outside reaches it as code.
    // Named, and with a source URL, so that profiles, --trace-opt and stack traces say which
    // mode's row they are in (an anonymous function read ':0' in a profile).
    try {
      fn = new Function(`return function ${name}(${params.join(', ')}) {\n${source}\n};\n//# sourceURL=damflow-${name}.js`)() as Compiled;
    } catch (error) {
      // A schedule kind's emit wrote it (a user's own order, say): a bare SyntaxError named neither.
      throw new ProgramError(
        `the compiled order's ${name} is not valid JavaScript (${messageOf(error)}): its schedule kind's emit wrote it`,
        {
          cause: error,
        },
      );
    }
    if (cache.size === CACHED) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, fn);
  return fn;
}
