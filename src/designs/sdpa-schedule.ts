import { Channel, channelShape } from '../kernel/channel.js';
import { ScheduleStuck, appendAt, arrivalAt, dequeueAt, headSlot, roomAt } from '../kernel/static-schedule.js';
import { channelStats } from '../runtime/instantiate.js';
import { placement } from '../runtime/partition.js';
import { RunAborted } from '../runtime/pool-executor.js';
import { sdpaMatrix } from './sdpa-data.js';
import { DESIGN_DEFS, headScoped } from './sdpa-design.js';
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
 * channels' own timing rules (kernel/static-schedule.ts). Nothing waits and nothing switches
 * (the actors engine switches contexts three times per score element of the modified
 * design), with the same cycles, channel statistics and outputs, bit for bit
 * (test/static-schedule.test.ts compares them over random configurations).
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
  const channels = [...parts.channels.values()].map((ch) => {
    const spec = index.channels.get(ch.name)!;
    return channelStats(ch, spec.from.unit, spec.to.unit);
  });
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
  /** By the design's channel names. */
  readonly channels = new Map<string, Channel>();
  readonly n: number;
  readonly d: number;

  constructor(
    private readonly index: ProgramIndex,
    design: DesignName,
    private readonly head: number,
  ) {
    const source = this.params<SdpaSourceParams>('source-q');
    this.n = source.n;
    this.d = source.d;
    for (const c of DESIGN_DEFS[design].channels) {
      this.channels.set(c.name, new Channel(channelShape(index.channels.get(headScoped(head, c.name))!)));
    }
  }

  channel(name: string): Channel {
    return this.channels.get(name)!;
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

/** A generator's step (spec section 2): wait for room, emit row `row` of `m` at t + 1, incr(1). */
function emitRow(ch: Channel, t: Time, m: Matrix, row: number): Time {
  t = roomAt(ch, t);
  const w = ch.width;
  const base = appendAt(ch, t, t + 1) * w;
  const data = ch.data;
  for (let x = 0; x < w; x++) data[base + x] = m[row * w + x]!;
  return t + 1;
}

/** Enqueue at clock t (after its wait for room). */
function emitValue(ch: Channel, t: Time, value: number, stamp: Time): void {
  // Not `ch.data[appendAt(...)] = value`: that reads `ch.data` first, the array a growing ring replaces.
  const slot = appendAt(ch, t, stamp);
  ch.data[slot] = value;
}

function emitVector(ch: Channel, t: Time, values: Float64Array, stamp: Time): void {
  const w = ch.width;
  const base = appendAt(ch, t, stamp) * w;
  const data = ch.data;
  for (let x = 0; x < w; x++) data[base + x] = values[x]!;
}

function headValue(ch: Channel): number {
  return ch.data[headSlot(ch)]!;
}

function readHead(ch: Channel, into: Float64Array): void {
  const w = ch.width;
  const base = headSlot(ch) * w;
  const data = ch.data;
  for (let x = 0; x < w; x++) into[x] = data[base + x]!;
}

/** What both designs share: the inputs, Q K^T, and the sink. */
abstract class Schedule {
  readonly n: number;
  readonly d: number;
  readonly output: Matrix;
  protected readonly Q: Matrix;
  protected readonly K: Matrix;
  protected readonly V: Matrix;
  protected readonly q: Channel;
  protected readonly k: Channel;
  protected readonly v: Channel;
  protected readonly final: Channel;
  protected readonly qv: Float64Array;
  protected readonly kv: Float64Array;
  protected readonly vv: Float64Array;
  private readonly scale: number;
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
    this.Q = parts.matrix('q');
    this.K = parts.matrix('k');
    this.V = parts.matrix('v');
    this.q = parts.channel('q');
    this.k = parts.channel('k');
    this.v = parts.channel('v');
    this.final = parts.channel(finalChannel);
    this.qv = new Float64Array(this.d);
    this.kv = new Float64Array(this.d);
    this.vv = new Float64Array(this.d);
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
    const t = arrivalAt(this.k, arrivalAt(this.q, this.tscore));
    readHead(this.q, this.qv);
    this.tscore = dequeueAt(this.q, t);
  }

  /** QKT / QKTExp per element, up to its wait for room: k = dequeue(K); c = t; returns q.k * scale. */
  protected score(): number {
    readHead(this.k, this.kv);
    this.tscore = dequeueAt(this.k, this.tscore);
    const qv = this.qv;
    const kv = this.kv;
    let s = 0;
    for (let x = 0; x < this.d; x++) s += qv[x]! * kv[x]!;
    return s * this.scale;
  }

  protected sink(row: number): void {
    readHead(this.final, this.output.subarray(row * this.d, row * this.d + this.d));
    this.tsink = dequeueAt(this.final, this.tsink);
  }
}

/** Spec section 2.2, in the order source K, QKT, RunningMax, source V, RunningSum, RunningOut per element. */
class ModifiedSchedule extends Schedule {
  private readonly qk: Channel;
  private readonly delta1: Channel;
  private readonly delta2: Channel;
  private readonly e1: Channel;
  private readonly e2: Channel;
  private readonly rowsum: Channel;
  private readonly outp: Channel;
  private readonly qkt: SdpaUnitParams;
  private readonly runningMax: SdpaUnitParams;
  private readonly runningSum: SdpaUnitParams;
  private readonly runningOut: SdpaUnitParams;
  private readonly divUnit: SdpaUnitParams;
  private readonly o: Float64Array;
  private m = -Infinity;
  private r = 0;
  private tmax = 0;
  private tsum = 0;
  private tout = 0;
  private tdiv = 0;

  constructor(parts: HeadParts) {
    super(parts, 'qkt', 'final');
    this.qk = parts.channel('qk');
    this.delta1 = parts.channel('delta1');
    this.delta2 = parts.channel('delta2');
    this.e1 = parts.channel('e1');
    this.e2 = parts.channel('e2');
    this.rowsum = parts.channel('rowsum');
    this.outp = parts.channel('outp');
    this.qkt = parts.unit('qkt');
    this.runningMax = parts.unit('runningmax');
    this.runningSum = parts.unit('runningsum');
    this.runningOut = parts.unit('runningout');
    this.divUnit = parts.unit('div');
    this.o = new Float64Array(this.d);
  }

  row(i: number): void {
    const { n, Q, K, V } = this;
    this.tq = emitRow(this.q, this.tq, Q, i);
    this.m = -Infinity;
    this.r = 0;
    this.o.fill(0);
    for (let j = 0; j < n; j++) {
      this.tk = emitRow(this.k, this.tk, K, j);
      if (j === 0) this.scoreRowStart();
      this.scoreStep();
      this.maxStep();
      this.tv = emitRow(this.v, this.tv, V, j);
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
    const t = roomAt(this.qk, c);
    emitValue(this.qk, t, s, c + this.qkt.latency);
    this.tscore = t + this.qkt.ii;
  }

  private maxStep(): void {
    const s = headValue(this.qk);
    const c = dequeueAt(this.qk, this.tmax);
    const m = this.m;
    const next = s > m ? s : m;
    const delta = Math.exp(m - next);
    const e = Math.exp(s - next);
    this.m = next;
    const stamp = c + this.runningMax.latency;
    let t = roomAt(this.delta1, c);
    emitValue(this.delta1, t, delta, stamp);
    t = roomAt(this.delta2, t);
    emitValue(this.delta2, t, delta, stamp);
    t = roomAt(this.e1, t);
    emitValue(this.e1, t, e, stamp);
    t = roomAt(this.e2, t);
    emitValue(this.e2, t, e, stamp);
    this.tmax = t + this.runningMax.ii;
  }

  private sumStep(last: boolean): void {
    let t = arrivalAt(this.e1, arrivalAt(this.delta1, this.tsum));
    const delta = headValue(this.delta1);
    t = dequeueAt(this.delta1, t);
    const e = headValue(this.e1);
    t = dequeueAt(this.e1, t);
    this.r = this.r * delta + e;
    if (last) {
      t = roomAt(this.rowsum, t);
      emitValue(this.rowsum, t, this.r, t + this.runningSum.latency);
    }
    this.tsum = t + this.runningSum.ii;
  }

  private outStep(last: boolean): void {
    let t = arrivalAt(this.v, arrivalAt(this.e2, arrivalAt(this.delta2, this.tout)));
    const delta = headValue(this.delta2);
    t = dequeueAt(this.delta2, t);
    const e = headValue(this.e2);
    t = dequeueAt(this.e2, t);
    const vv = this.vv;
    readHead(this.v, vv);
    t = dequeueAt(this.v, t);
    const o = this.o;
    for (let x = 0; x < this.d; x++) o[x] = o[x]! * delta + e * vv[x]!;
    if (last) {
      t = roomAt(this.outp, t);
      emitVector(this.outp, t, o, t + this.runningOut.latency);
    }
    this.tout = t + this.runningOut.ii;
  }

  private divStep(): void {
    const o = this.o;
    readHead(this.outp, o);
    let t = dequeueAt(this.outp, this.tdiv);
    const r = headValue(this.rowsum);
    t = dequeueAt(this.rowsum, t);
    for (let x = 0; x < this.d; x++) o[x] = o[x]! / r;
    t = roomAt(this.final, t);
    emitVector(this.final, t, o, t + this.divUnit.latency);
    this.tdiv = t + this.divUnit.ii;
  }
}

/**
 * Spec section 2.1, a row behind: source K, QKTExp and RowSum through row i, then Div,
 * source V and MatVec through the same row, so `long` holds one row.
 */
class NaiveSchedule extends Schedule {
  private readonly short: Channel;
  private readonly long: Channel;
  private readonly rowsum: Channel;
  private readonly div: Channel;
  private readonly qktExp: SdpaUnitParams;
  private readonly rowSum: SdpaUnitParams;
  private readonly divUnit: SdpaUnitParams;
  private readonly matVec: SdpaUnitParams;
  private readonly acc: Float64Array;
  private sum = 0;
  private r = 0;
  private trow = 0;
  private tdiv = 0;
  private tmat = 0;

  constructor(parts: HeadParts) {
    super(parts, 'qktexp', 'out');
    this.short = parts.channel('short');
    this.long = parts.channel('long');
    this.rowsum = parts.channel('rowsum');
    this.div = parts.channel('div');
    this.qktExp = parts.unit('qktexp');
    this.rowSum = parts.unit('rowsum');
    this.divUnit = parts.unit('div');
    this.matVec = parts.unit('matvec');
    this.acc = new Float64Array(this.d);
  }

  row(i: number): void {
    const { n, Q, K, V } = this;
    this.tq = emitRow(this.q, this.tq, Q, i);
    this.sum = 0;
    for (let j = 0; j < n; j++) {
      this.tk = emitRow(this.k, this.tk, K, j);
      if (j === 0) this.scoreRowStart();
      this.scoreStep();
      this.rowSumStep(j === n - 1);
    }
    this.acc.fill(0);
    for (let j = 0; j < n; j++) {
      this.divStep(j === 0);
      this.tv = emitRow(this.v, this.tv, V, j);
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
    const t = roomAt(this.long, roomAt(this.short, c));
    const stamp = c + this.qktExp.latency;
    emitValue(this.short, t, s, stamp);
    emitValue(this.long, t, s, stamp);
    this.tscore = t + this.qktExp.ii;
  }

  private rowSumStep(last: boolean): void {
    this.sum += headValue(this.short);
    let t = dequeueAt(this.short, this.trow);
    if (last) {
      t = roomAt(this.rowsum, t);
      emitValue(this.rowsum, t, this.sum, t + this.rowSum.latency);
    }
    this.trow = t + this.rowSum.ii;
  }

  /** Div: at a row's start peekNext(long), peekNext(rowsum), and r = dequeue(rowsum) after the first x. */
  private divStep(first: boolean): void {
    let t = this.tdiv;
    if (first) t = arrivalAt(this.rowsum, arrivalAt(this.long, t));
    const x = headValue(this.long);
    t = dequeueAt(this.long, t);
    if (first) {
      this.r = headValue(this.rowsum);
      t = dequeueAt(this.rowsum, t);
    }
    t = roomAt(this.div, t);
    emitValue(this.div, t, x / this.r, t + this.divUnit.latency);
    this.tdiv = t + this.divUnit.ii;
  }

  private matVecStep(last: boolean): void {
    const p = headValue(this.div);
    let t = dequeueAt(this.div, this.tmat);
    const vv = this.vv;
    readHead(this.v, vv);
    t = dequeueAt(this.v, t);
    const acc = this.acc;
    for (let x = 0; x < this.d; x++) acc[x] += p * vv[x]!;
    if (last) {
      t = roomAt(this.final, t);
      emitVector(this.final, t, acc, t + this.matVec.latency);
    }
    this.tmat = t + this.matVec.ii;
  }
}
