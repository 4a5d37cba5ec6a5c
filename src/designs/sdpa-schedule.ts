import { Channel, channelShape } from '../kernel/channel.js';
import { HandoffChannel } from '../kernel/handoff-channel.js';
import { ScheduleStuck, appendAt, arrivalAt, dequeueAt, headSlot, roomAt } from '../kernel/static-schedule.js';
import { channelStats } from '../runtime/instantiate.js';
import { placement } from '../runtime/partition.js';
import { RunAborted } from '../runtime/pool-executor.js';
import { sdpaMatrix } from './sdpa-data.js';
import { DESIGN_DEFS, headScoped } from './sdpa-design.js';
import type { ChannelShape } from '../kernel/channel.js';
import type { ChannelSpec, Program, UnitSpec } from '../kernel/program.js';
import type { ChannelStats, ContextStats } from '../runtime/run-result.js';
import type { Simulation, SimulateOptions } from '../runtime/simulate.js';
import type { Time } from '../kernel/time.js';
import type { Matrix, MatrixName } from './sdpa-data.js';
import type { SdpaSourceParams } from './sdpa-io-units.js';
import type { SdpaUnitParams } from './sdpa-params.js';
import type { DesignName } from './sdpa-design.js';

/**
 * The SDPA designs as static schedules: one head's units run in a fixed order, one score
 * element at a time through every unit, with each unit's clock in a variable and the
 * channels' own timing rules. The order hands every element over before its channel takes
 * the next (kernel/handoff-channel.ts), except for the naive design's `long`, which holds a
 * row in a ring (kernel/static-schedule.ts). Nothing waits and nothing switches (the actors
 * engine switches contexts three times per score element of the modified design), with the
 * same cycles, channel statistics and outputs, bit for bit (test/static-schedule.test.ts
 * compares them over random configurations).
 *
 * The order fits every configuration of the modified design, and every configuration of the
 * naive design whose `long` FIFO holds a row (below that the design deadlocks): an order
 * that reaches an operation the program could not do yet throws ScheduleStuck.
 */
export interface ScheduledHead {
  /** The largest final clock of the head's units. */
  readonly cycles: Time;
  /** Every unit's final clock, as the actors engine reports it. */
  readonly contexts: readonly ContextStats[];
  /** Every channel's statistics, as the actors engine reports them. */
  readonly channels: readonly ChannelStats[];
  readonly output: Matrix;
}

/**
 * Runs every head of an SDPA program on its static schedule, in this thread, with the
 * statistics the actors engine reports; null when a schedule gets stuck (the configuration
 * deadlocks), for the actors engine to report how.
 */
export async function simulateScheduled(
  program: Program,
  design: DesignName,
  heads: number,
  options: Pick<SimulateOptions, 'onProgress' | 'signal'> = {},
): Promise<Simulation | null> {
  const index = new ProgramIndex(program);
  const channels: ChannelStats[] = [];
  const contexts: ContextStats[] = [];
  const reports: Record<string, unknown> = {};
  const onProgress = options.onProgress;
  let cycles = 0;
  for (let h = 0; h < heads; h++) {
    const finished = contexts.length;
    if (options.signal?.aborted) throw new RunAborted('run aborted');
    let head;
    try {
      head = runHead(index, design, h, (clock) => onProgress?.({ cycles: clock, finished, contexts: program.units.length }));
    } catch (error) {
      if (error instanceof ScheduleStuck) return null;
      throw error;
    }
    cycles = Math.max(cycles, head.cycles);
    channels.push(...head.channels);
    contexts.push(...head.contexts);
    reports[headScoped(h, 'sink')] = head.output;
    // Lets a signal or a timer in; a head is long enough for this to cost nothing.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return {
    status: 'ok',
    cycles,
    contexts,
    channels,
    reports,
    deadlock: null,
    placement: placement(program, program.units.map(() => 0), 1),
  };
}

/** Runs head `head` of `program`. */
export function runScheduledHead(program: Program, design: DesignName, head: number): ScheduledHead {
  return runHead(new ProgramIndex(program), design, head);
}

/** `onRow` hears the sink's clock after each output row. */
function runHead(index: ProgramIndex, design: DesignName, head: number, onRow?: (clock: Time) => void): ScheduledHead {
  const parts = new HeadParts(index, design, head);
  const schedule = design === 'modified' ? new ModifiedSchedule(parts) : new NaiveSchedule(parts);
  for (let i = 0; i < parts.n; i++) {
    schedule.row(i);
    onRow?.(schedule.sinkClock);
  }
  const channels = parts.channelStats();
  const contexts = [...schedule.clocks()].map(([unit, finalClock]) => {
    const { name, kind } = index.units.get(headScoped(head, unit))!;
    return { name, kind, finalClock };
  });
  return { cycles: Math.max(...contexts.map((c) => c.finalClock)), contexts, channels, output: schedule.output };
}

/** A program's units and channels by name, built once for all its heads. */
class ProgramIndex {
  readonly units: ReadonlyMap<string, UnitSpec>;
  readonly channels: ReadonlyMap<string, ChannelSpec>;

  constructor(program: Program) {
    this.units = new Map(program.units.map((u) => [u.name, u]));
    this.channels = new Map(program.channels.map((c) => [c.name, c]));
  }
}

/** One head's channels, unit timings and inputs, taken from the program the general executor would run. */
class HeadParts {
  readonly n: number;
  readonly d: number;
  /** The schedule's channels by the design's names: handoff channels, and rings for those that hold more. */
  private readonly channels = new Map<string, HandoffChannel | Channel>();

  constructor(
    private readonly index: ProgramIndex,
    private readonly design: DesignName,
    private readonly head: number,
  ) {
    const source = this.params<SdpaSourceParams>('source-q');
    this.n = source.n;
    this.d = source.d;
  }

  handoff(name: string): HandoffChannel {
    const ch = new HandoffChannel(this.shape(name));
    this.channels.set(name, ch);
    return ch;
  }

  ring(name: string): Channel {
    const ch = new Channel(this.shape(name));
    this.channels.set(name, ch);
    return ch;
  }

  /** Statistics of every channel, in the program's order. */
  channelStats(): ChannelStats[] {
    return DESIGN_DEFS[this.design].channels.map((c) => {
      const spec = this.index.channels.get(headScoped(this.head, c.name))!;
      return channelStats(this.channels.get(c.name)!, spec.from.unit, spec.to.unit);
    });
  }

  private shape(name: string): ChannelShape {
    return channelShape(this.index.channels.get(headScoped(this.head, name))!);
  }

  unit(name: string): SdpaUnitParams {
    return this.params<SdpaUnitParams>(name);
  }

  matrix(name: MatrixName): Matrix {
    const { seed } = this.params<SdpaSourceParams>(`source-${name}`);
    return sdpaMatrix(seed, this.head, name, this.n, this.d);
  }

  private params<T>(unit: string): T {
    return this.index.units.get(headScoped(this.head, unit))!.params as T;
  }
}

/** A generator's step (spec section 2): wait for room, emit row `row` of its matrix (the channel's `vector`) at t + 1, incr(1). */
function emitRow(ch: HandoffChannel, t: Time, row: number): Time {
  t = ch.room(t);
  ch.enqueue(t, t + 1);
  ch.offset = row * ch.width;
  return t + 1;
}

/** What both designs share: the inputs, Q K^T, and the sink. */
abstract class Schedule {
  readonly n: number;
  readonly d: number;
  readonly output: Matrix;
  protected readonly q: HandoffChannel;
  protected readonly k: HandoffChannel;
  protected readonly v: HandoffChannel;
  protected readonly final: HandoffChannel;
  private readonly scale: number;
  /** Where the current row of Q starts in Q. */
  private qRow = 0;
  /** Unit clocks. */
  protected tq = 0;
  protected tk = 0;
  protected tv = 0;
  protected tscore = 0;
  protected tsink = 0;

  constructor(
    parts: HeadParts,
    private readonly scoreUnit: string,
    finalChannel: string,
  ) {
    this.n = parts.n;
    this.d = parts.d;
    this.output = new Float64Array(this.n * this.d);
    // A source's payload is a row of its matrix, read in place.
    this.q = parts.handoff('q');
    this.k = parts.handoff('k');
    this.v = parts.handoff('v');
    this.q.vector = parts.matrix('q');
    this.k.vector = parts.matrix('k');
    this.v.vector = parts.matrix('v');
    this.final = parts.handoff(finalChannel);
    this.scale = 1 / Math.sqrt(this.d);
  }

  /** Runs every unit through output row i. */
  abstract row(i: number): void;

  /** The clocks of the units only this design has, by unit name. */
  protected abstract ownClocks(): [string, Time][];

  /** Every unit's clock, by the design's unit names. */
  clocks(): Map<string, Time> {
    return new Map([
      ['source-q', this.tq],
      ['source-k', this.tk],
      ['source-v', this.tv],
      [this.scoreUnit, this.tscore],
      ...this.ownClocks(),
      ['sink', this.tsink],
    ]);
  }

  get sinkClock(): Time {
    return this.tsink;
  }

  /** QKT / QKTExp at a row's start: peekNext(Q), peekNext(K), q = dequeue(Q). */
  protected scoreRowStart(): void {
    const t = this.k.arrival(this.q.arrival(this.tscore));
    this.qRow = this.q.offset;
    this.tscore = this.q.dequeue(t);
  }

  /** QKT / QKTExp per element, up to its wait for room: k = dequeue(K); c = t; returns q.k * scale. */
  protected score(): number {
    const k = this.k;
    const kv = k.vector;
    const ko = k.offset;
    this.tscore = k.dequeue(this.tscore);
    const Q = this.q.vector;
    const qo = this.qRow;
    let s = 0;
    for (let x = 0; x < this.d; x++) s += Q[qo + x]! * kv[ko + x]!;
    return s * this.scale;
  }

  protected sink(row: number): void {
    const final = this.final;
    const d = this.d;
    this.output.set(final.vector.subarray(final.offset, final.offset + d), row * d);
    this.tsink = final.dequeue(this.tsink);
  }
}

/** Spec section 2.2, in the order source K, QKT, RunningMax, source V, RunningSum, RunningOut per element. */
class ModifiedSchedule extends Schedule {
  private readonly qk: HandoffChannel;
  private readonly delta1: HandoffChannel;
  private readonly delta2: HandoffChannel;
  private readonly e1: HandoffChannel;
  private readonly e2: HandoffChannel;
  private readonly rowsum: HandoffChannel;
  private readonly outp: HandoffChannel;
  private readonly qkt: SdpaUnitParams;
  private readonly runningMax: SdpaUnitParams;
  private readonly runningSum: SdpaUnitParams;
  private readonly runningOut: SdpaUnitParams;
  private readonly divUnit: SdpaUnitParams;
  /** RunningOut's accumulator, and Div's quotient: each a payload its receiver reads before the next is written. */
  private readonly o: Float64Array;
  private readonly quotient: Float64Array;
  private m = -Infinity;
  private r = 0;
  private tmax = 0;
  private tsum = 0;
  private tout = 0;
  private tdiv = 0;

  constructor(parts: HeadParts) {
    super(parts, 'qkt', 'final');
    this.qk = parts.handoff('qk');
    this.delta1 = parts.handoff('delta1');
    this.delta2 = parts.handoff('delta2');
    this.e1 = parts.handoff('e1');
    this.e2 = parts.handoff('e2');
    this.rowsum = parts.handoff('rowsum');
    this.outp = parts.handoff('outp');
    this.qkt = parts.unit('qkt');
    this.runningMax = parts.unit('runningmax');
    this.runningSum = parts.unit('runningsum');
    this.runningOut = parts.unit('runningout');
    this.divUnit = parts.unit('div');
    this.o = new Float64Array(this.d);
    this.quotient = new Float64Array(this.d);
    this.outp.vector = this.o;
    this.final.vector = this.quotient;
  }

  row(i: number): void {
    const n = this.n;
    this.tq = emitRow(this.q, this.tq, i);
    this.m = -Infinity;
    this.r = 0;
    this.o.fill(0);
    for (let j = 0; j < n; j++) {
      this.tk = emitRow(this.k, this.tk, j);
      if (j === 0) this.scoreRowStart();
      this.scoreStep();
      this.maxStep();
      this.tv = emitRow(this.v, this.tv, j);
      this.sumStep(j === n - 1);
      this.outStep(j === n - 1);
    }
    this.divStep();
    this.sink(i);
  }

  protected ownClocks(): [string, Time][] {
    return [
      ['runningmax', this.tmax],
      ['runningsum', this.tsum],
      ['runningout', this.tout],
      ['div', this.tdiv],
    ];
  }

  /** QKT: emit the score on `qk` at c + L; incr(II). */
  private scoreStep(): void {
    const s = this.score();
    const c = this.tscore;
    const qk = this.qk;
    const t = qk.room(c);
    qk.enqueue(t, c + this.qkt.latency);
    qk.value = s;
    this.tscore = t + this.qkt.ii;
  }

  private maxStep(): void {
    const s = this.qk.value;
    const c = this.qk.dequeue(this.tmax);
    const m = this.m;
    const next = s > m ? s : m;
    const delta = Math.exp(m - next);
    const e = Math.exp(s - next);
    this.m = next;
    const stamp = c + this.runningMax.latency;
    let t = this.delta1.room(c);
    this.delta1.enqueue(t, stamp);
    this.delta1.value = delta;
    t = this.delta2.room(t);
    this.delta2.enqueue(t, stamp);
    this.delta2.value = delta;
    t = this.e1.room(t);
    this.e1.enqueue(t, stamp);
    this.e1.value = e;
    t = this.e2.room(t);
    this.e2.enqueue(t, stamp);
    this.e2.value = e;
    this.tmax = t + this.runningMax.ii;
  }

  private sumStep(last: boolean): void {
    let t = this.e1.arrival(this.delta1.arrival(this.tsum));
    const delta = this.delta1.value;
    t = this.delta1.dequeue(t);
    const e = this.e1.value;
    t = this.e1.dequeue(t);
    this.r = this.r * delta + e;
    if (last) {
      t = this.rowsum.room(t);
      this.rowsum.enqueue(t, t + this.runningSum.latency);
      this.rowsum.value = this.r;
    }
    this.tsum = t + this.runningSum.ii;
  }

  private outStep(last: boolean): void {
    const v = this.v;
    let t = v.arrival(this.e2.arrival(this.delta2.arrival(this.tout)));
    const delta = this.delta2.value;
    t = this.delta2.dequeue(t);
    const e = this.e2.value;
    t = this.e2.dequeue(t);
    const vv = v.vector;
    const vo = v.offset;
    t = v.dequeue(t);
    const o = this.o;
    for (let x = 0; x < this.d; x++) o[x] = o[x]! * delta + e * vv[vo + x]!;
    if (last) {
      t = this.outp.room(t);
      this.outp.enqueue(t, t + this.runningOut.latency);
    }
    this.tout = t + this.runningOut.ii;
  }

  private divStep(): void {
    const outp = this.outp;
    const o = outp.vector;
    const oo = outp.offset;
    let t = outp.dequeue(this.tdiv);
    const r = this.rowsum.value;
    t = this.rowsum.dequeue(t);
    const quotient = this.quotient;
    for (let x = 0; x < this.d; x++) quotient[x] = o[oo + x]! / r;
    t = this.final.room(t);
    this.final.enqueue(t, t + this.divUnit.latency);
    this.tdiv = t + this.divUnit.ii;
  }
}

/**
 * Spec section 2.1, a row behind: source K, QKTExp and RowSum through row i, then Div,
 * source V and MatVec through the same row, so `long` holds one row: the one channel that
 * keeps a ring (kernel/static-schedule.ts); every other one hands each element over.
 */
class NaiveSchedule extends Schedule {
  private readonly short: HandoffChannel;
  private readonly long: Channel;
  private readonly rowsum: HandoffChannel;
  private readonly div: HandoffChannel;
  private readonly qktExp: SdpaUnitParams;
  private readonly rowSum: SdpaUnitParams;
  private readonly divUnit: SdpaUnitParams;
  private readonly matVec: SdpaUnitParams;
  /** MatVec's accumulator: a payload the sink reads before the next is written. */
  private readonly acc: Float64Array;
  private sum = 0;
  private r = 0;
  private trow = 0;
  private tdiv = 0;
  private tmat = 0;

  constructor(parts: HeadParts) {
    super(parts, 'qktexp', 'out');
    this.short = parts.handoff('short');
    this.long = parts.ring('long');
    this.rowsum = parts.handoff('rowsum');
    this.div = parts.handoff('div');
    this.qktExp = parts.unit('qktexp');
    this.rowSum = parts.unit('rowsum');
    this.divUnit = parts.unit('div');
    this.matVec = parts.unit('matvec');
    this.acc = new Float64Array(this.d);
    this.final.vector = this.acc;
  }

  row(i: number): void {
    const n = this.n;
    this.tq = emitRow(this.q, this.tq, i);
    this.sum = 0;
    for (let j = 0; j < n; j++) {
      this.tk = emitRow(this.k, this.tk, j);
      if (j === 0) this.scoreRowStart();
      this.scoreStep();
      this.rowSumStep(j === n - 1);
    }
    this.acc.fill(0);
    for (let j = 0; j < n; j++) {
      this.divStep(j === 0);
      this.tv = emitRow(this.v, this.tv, j);
      this.matVecStep(j === n - 1);
    }
    this.sink(i);
  }

  protected ownClocks(): [string, Time][] {
    return [
      ['rowsum', this.trow],
      ['div', this.tdiv],
      ['matvec', this.tmat],
    ];
  }

  /** QKTExp: wait for room on both outputs, emit exp(s) on `short` and `long` at c + L; incr(II). */
  private scoreStep(): void {
    const s = Math.exp(this.score());
    const c = this.tscore;
    const short = this.short;
    const long = this.long;
    const t = roomAt(long, short.room(c));
    const stamp = c + this.qktExp.latency;
    short.enqueue(t, stamp);
    short.value = s;
    // Not `long.data[appendAt(...)] = s`: that reads `long.data` first, the array a growing ring replaces.
    const slot = appendAt(long, t, stamp);
    long.data[slot] = s;
    this.tscore = t + this.qktExp.ii;
  }

  private rowSumStep(last: boolean): void {
    this.sum += this.short.value;
    let t = this.short.dequeue(this.trow);
    if (last) {
      t = this.rowsum.room(t);
      this.rowsum.enqueue(t, t + this.rowSum.latency);
      this.rowsum.value = this.sum;
    }
    this.trow = t + this.rowSum.ii;
  }

  /** Div: at a row's start peekNext(long), peekNext(rowsum), and r = dequeue(rowsum) after the first x. */
  private divStep(first: boolean): void {
    const long = this.long;
    let t = this.tdiv;
    if (first) t = this.rowsum.arrival(arrivalAt(long, t));
    const x = long.data[headSlot(long)]!;
    t = dequeueAt(long, t);
    if (first) {
      this.r = this.rowsum.value;
      t = this.rowsum.dequeue(t);
    }
    t = this.div.room(t);
    this.div.enqueue(t, t + this.divUnit.latency);
    this.div.value = x / this.r;
    this.tdiv = t + this.divUnit.ii;
  }

  private matVecStep(last: boolean): void {
    const p = this.div.value;
    let t = this.div.dequeue(this.tmat);
    const v = this.v;
    const vv = v.vector;
    const vo = v.offset;
    t = v.dequeue(t);
    const acc = this.acc;
    for (let x = 0; x < this.d; x++) acc[x] += p * vv[vo + x]!;
    if (last) {
      t = this.final.room(t);
      this.final.enqueue(t, t + this.matVec.latency);
    }
    this.tmat = t + this.matVec.ii;
  }
}
