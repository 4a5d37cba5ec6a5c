import { Channel, channelShape } from '../../kernel/channel.js';
import { HandoffChannel } from '../../engines/compiled/handoff-channel.js';
import { ScheduleCode, literal } from '../../engines/compiled/schedule-code.js';
import { appendAt, arrivalAt, dequeueAt, headSlot, roomAt } from '../../engines/compiled/ring-ops.js';
import { channelStats } from '../../engines/actors/instantiate.js';
import { placement } from '../../engines/actors/partition.js';
import { RunAborted, ScheduleStuck } from '../../kernel/errors.js';
import { sdpaMatrix } from './data.js';
import { sdpaUnitParams } from './params.js';
import { DESIGN_DEFS, headScoped } from './design.js';
import type { ChannelShape } from '../../kernel/channel.js';
import type { ChannelSpec, Program, UnitSpec } from '../../kernel/program.js';
import type { ChannelStats, ContextStats } from '../../engines/run-result.js';
import type { Simulation, SimulateOptions } from '../../engines/simulate.js';
import type { Time } from '../../kernel/time.js';
import type { Matrix, MatrixName } from './data.js';
import type { SdpaSourceParams } from './io-units.js';
import type { HandoffCode } from '../../engines/compiled/schedule-code.js';
import type { DesignName } from './design.js';

/**
 * The SDPA designs as static schedules: one head's units run in a fixed order, one score
 * element at a time through every unit, with the channels' own timing rules. The order is
 * code, compiled once per run (engines/compiled/schedule-code.ts) and called once per output row, with
 * each unit's clock and each channel's element in flight in local variables. It hands every
 * element over before its channel takes the next (engines/compiled/handoff-channel.ts), except for the
 * naive design's `long`, which holds a row in a ring (engines/compiled/ring-ops.ts). Nothing
 * waits and nothing switches (the actors engine switches contexts three times per score
 * element of the modified design), with the same cycles, channel statistics and outputs, bit
 * for bit (test/static-schedule.test.ts compares them over random configurations).
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
    placement: placement(
      program,
      program.units.map(() => 0),
      1,
    ),
  };
}

/** Runs head `head` of `program`. */
export function runScheduledHead(program: Program, design: DesignName, head: number): ScheduledHead {
  return runHead(new ProgramIndex(program), design, head);
}

/** `onRow` hears the sink's clock after each output row. */
function runHead(index: ProgramIndex, design: DesignName, head: number, onRow?: (clock: Time) => void): ScheduledHead {
  const parts = new HeadParts(index, design, head);
  const order = design === 'modified' ? modifiedOrder(parts) : naiveOrder(parts);
  const clocks = order.clocks.map(([, clock]) => clock);
  const schedule = parts.code.compile([...clocks, ...ROW_OFFSETS], [...ROW_PARAMS, ...order.vectors], order.row);
  const output = new Float64Array(parts.n * parts.d);
  const args: unknown[] = [
    0,
    parts.matrix('q'),
    parts.matrix('k'),
    parts.matrix('v'),
    output,
    parts.long,
    roomAt,
    appendAt,
    arrivalAt,
    headSlot,
    dequeueAt,
    ...order.vectors.map(() => new Float64Array(parts.d)),
  ];
  for (let i = 0; i < parts.n; i++) {
    args[0] = i;
    schedule.step(args);
    onRow?.(schedule.value('tsink'));
  }
  schedule.finish();
  const channels = parts.channelStats();
  const contexts = order.clocks.map(([unit, clock]) => {
    const { name, kind } = index.units.get(headScoped(head, unit))!;
    return { name, kind, finalClock: schedule.value(clock) };
  });
  return { cycles: Math.max(...contexts.map((c) => c.finalClock)), contexts, channels, output };
}

/** What a row's code may use besides the channels and its vectors: the inputs, the output, and the ring operations for `long`. */
const ROW_PARAMS = ['i', 'Q', 'K', 'V', 'output', 'long', 'roomAt', 'appendAt', 'arrivalAt', 'headSlot', 'dequeueAt'];
/** Where the rows in flight on Q, K and V start in their matrices (a source's payload is read in place), and the row QKT holds. */
const ROW_OFFSETS = ['qOffset', 'kOffset', 'vOffset', 'qRow'];

/** A design's order as code for output row `i`, the clock variable of each of its units, and its vectors (of d words, kept between rows). */
interface Order {
  readonly clocks: readonly (readonly [unit: string, clock: string])[];
  readonly vectors: readonly string[];
  readonly row: string;
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
  readonly code = new ScheduleCode();
  /** The naive design's `long`: the one channel that holds more than the element in flight. */
  long: Channel | null = null;
  /** The schedule's channels by the design's names. */
  private readonly channels = new Map<string, HandoffChannel | Channel>();

  constructor(
    private readonly index: ProgramIndex,
    private readonly design: DesignName,
    private readonly head: number,
  ) {
    const source = this.params('source-q') as SdpaSourceParams;
    this.n = source.n;
    this.d = source.d;
  }

  handoff(name: string): HandoffCode {
    return this.code.handoff(this.add(name, new HandoffChannel(this.shape(name))));
  }

  ring(name: string): Channel {
    return this.add(name, new Channel(this.shape(name)));
  }

  private add<C extends HandoffChannel | Channel>(name: string, ch: C): C {
    if (this.channels.has(name)) throw new Error(`channel '${name}' is in the order twice`);
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

  /** A unit's latency and initiation interval, as literals of the order's code. */
  timing(name: string): { latency: string; ii: string } {
    const { latency, ii } = sdpaUnitParams(this.params(name), name);
    return { latency: literal(latency), ii: literal(ii) };
  }

  matrix(name: MatrixName): Matrix {
    const { seed } = this.params(`source-${name}`) as SdpaSourceParams;
    return sdpaMatrix(seed, this.head, name, this.n, this.d);
  }

  private params(unit: string): unknown {
    return this.index.units.get(headScoped(this.head, unit))!.params;
  }
}

/** What both designs share as code: the sources, Q K^T (QKT or QKTExp) and the sink. */
class SharedCode {
  readonly n: string;
  readonly d: string;
  readonly q: HandoffCode;
  readonly k: HandoffCode;
  readonly v: HandoffCode;
  readonly final: HandoffCode;
  private readonly scale: string;

  constructor(parts: HeadParts, finalChannel: string) {
    this.n = literal(parts.n);
    this.d = literal(parts.d);
    this.q = parts.handoff('q');
    this.k = parts.handoff('k');
    this.v = parts.handoff('v');
    this.final = parts.handoff(finalChannel);
    this.scale = literal(1 / Math.sqrt(parts.d));
  }

  /** A source's step (spec section 2): wait for room, emit row `row` at t + 1, incr(1). */
  emitRow(ch: HandoffCode, clock: string, row: string, offset: string): string {
    return `${ch.send(clock, `${clock} + 1`)} ${offset} = ${row} * ${this.d}; ${clock} += 1;`;
  }

  /** QKT / QKTExp at a row's start: peekNext(Q), peekNext(K), q = dequeue(Q). */
  scoreRowStart(): string {
    const { q, k } = this;
    return `${q.arrival('tscore')} ${k.arrival('tscore')} qRow = qOffset; ${q.dequeue('tscore')}`;
  }

  /** QKT / QKTExp per element, up to its wait for room: k = dequeue(K), c = t, s = q.k * scale. */
  score(): string {
    return `${this.k.dequeue('tscore')}
      let s = 0;
      for (let x = 0; x < ${this.d}; x++) s += Q[qRow + x] * K[kOffset + x];
      s *= ${this.scale};`;
  }

  /** Sink: dequeue output row i, whose payload is `row`. */
  sink(row: string): string {
    return `output.set(${row}, i * ${this.d}); ${this.final.dequeue('tsink')}`;
  }
}

/** Spec section 2.2, in the order source K, QKT, RunningMax, source V, RunningSum, RunningOut per element. */
function modifiedOrder(parts: HeadParts): Order {
  const shared = new SharedCode(parts, 'final');
  const { n, d, q, k, v, final } = shared;
  const [qk, delta1, delta2, e1, e2, rowsum, outp] = ['qk', 'delta1', 'delta2', 'e1', 'e2', 'rowsum', 'outp'].map((c) => parts.handoff(c));
  const [qkt, max, sum, out, div] = ['qkt', 'runningmax', 'runningsum', 'runningout', 'div'].map((u) => parts.timing(u));
  return {
    clocks: [
      ['source-q', 'tq'],
      ['source-k', 'tk'],
      ['source-v', 'tv'],
      ['qkt', 'tscore'],
      ['runningmax', 'tmax'],
      ['runningsum', 'tsum'],
      ['runningout', 'tout'],
      ['div', 'tdiv'],
      ['sink', 'tsink'],
    ],
    // RunningOut's accumulator `o` and Div's `quotient` are payloads their receivers read before the next is written.
    vectors: ['o', 'quotient'],
    row: `
      ${shared.emitRow(q, 'tq', 'i', 'qOffset')}
      let m = -Infinity, r = 0;
      o.fill(0);
      for (let j = 0; j < ${n}; j++) {
        const last = j === ${n} - 1;
        ${shared.emitRow(k, 'tk', 'j', 'kOffset')}
        if (j === 0) { ${shared.scoreRowStart()} }
        ${shared.score()}
        ${qk.send('tscore', `tscore + ${qkt.latency}`)} tscore += ${qkt.ii};

        ${qk.dequeue('tmax')}
        const next = s > m ? s : m;
        const delta = Math.exp(m - next);
        const e = Math.exp(s - next);
        m = next;
        {
          const stamp = tmax + ${max.latency};
          ${delta1.send('tmax', 'stamp')} ${delta2.send('tmax', 'stamp')} ${e1.send('tmax', 'stamp')} ${e2.send('tmax', 'stamp')}
          tmax += ${max.ii};
        }

        ${shared.emitRow(v, 'tv', 'j', 'vOffset')}

        ${delta1.arrival('tsum')} ${e1.arrival('tsum')} ${delta1.dequeue('tsum')} ${e1.dequeue('tsum')}
        r = r * delta + e;
        if (last) { ${rowsum.send('tsum', `tsum + ${sum.latency}`)} }
        tsum += ${sum.ii};

        ${delta2.arrival('tout')} ${e2.arrival('tout')} ${v.arrival('tout')}
        ${delta2.dequeue('tout')} ${e2.dequeue('tout')} ${v.dequeue('tout')}
        for (let x = 0; x < ${d}; x++) o[x] = o[x] * delta + e * V[vOffset + x];
        if (last) { ${outp.send('tout', `tout + ${out.latency}`)} }
        tout += ${out.ii};
      }
      ${outp.dequeue('tdiv')} ${rowsum.dequeue('tdiv')}
      for (let x = 0; x < ${d}; x++) quotient[x] = o[x] / r;
      ${final.send('tdiv', `tdiv + ${div.latency}`)} tdiv += ${div.ii};
      ${shared.sink('quotient')}`,
  };
}

/**
 * Spec section 2.1, a row behind: source K, QKTExp and RowSum through row i, then Div,
 * source V and MatVec through the same row, so `long` holds one row: the one channel that
 * keeps a ring (engines/compiled/ring-ops.ts); every other one hands each element over.
 */
function naiveOrder(parts: HeadParts): Order {
  const shared = new SharedCode(parts, 'out');
  const { n, d, k, q, v, final: out } = shared;
  const [short, rowsum, div] = ['short', 'rowsum', 'div'].map((c) => parts.handoff(c));
  parts.long = parts.ring('long');
  const [qktExp, rowSum, divUnit, matVec] = ['qktexp', 'rowsum', 'div', 'matvec'].map((u) => parts.timing(u));
  return {
    clocks: [
      ['source-q', 'tq'],
      ['source-k', 'tk'],
      ['source-v', 'tv'],
      ['qktexp', 'tscore'],
      ['rowsum', 'trow'],
      ['div', 'tdiv'],
      ['matvec', 'tmat'],
      ['sink', 'tsink'],
    ],
    // MatVec's accumulator `acc` is a payload the sink reads before the next is written.
    vectors: ['acc'],
    row: `
      ${shared.emitRow(q, 'tq', 'i', 'qOffset')}
      let sum = 0, r = 0;
      for (let j = 0; j < ${n}; j++) {
        ${shared.emitRow(k, 'tk', 'j', 'kOffset')}
        if (j === 0) { ${shared.scoreRowStart()} }
        ${shared.score()}
        const p = Math.exp(s);
        {
          const c = tscore;
          ${short.room('tscore')}
          tscore = roomAt(long, tscore);
          const stamp = c + ${qktExp.latency};
          ${short.enqueue('tscore', 'stamp')}
          // Not \`long.data[appendAt(...)] = p\`: that reads \`long.data\` first, the array a growing ring replaces.
          const slot = appendAt(long, tscore, stamp);
          long.data[slot] = p;
          tscore += ${qktExp.ii};
        }

        sum += p;
        ${short.dequeue('trow')}
        if (j === ${n} - 1) { ${rowsum.send('trow', `trow + ${rowSum.latency}`)} }
        trow += ${rowSum.ii};
      }
      acc.fill(0);
      for (let j = 0; j < ${n}; j++) {
        if (j === 0) { tdiv = arrivalAt(long, tdiv); ${rowsum.arrival('tdiv')} }
        const x = long.data[headSlot(long)];
        tdiv = dequeueAt(long, tdiv);
        if (j === 0) { r = sum; ${rowsum.dequeue('tdiv')} }
        ${div.send('tdiv', `tdiv + ${divUnit.latency}`)}
        const p = x / r;
        tdiv += ${divUnit.ii};

        ${shared.emitRow(v, 'tv', 'j', 'vOffset')}

        ${div.dequeue('tmat')} ${v.dequeue('tmat')}
        for (let x = 0; x < ${d}; x++) acc[x] += p * V[vOffset + x];
        if (j === ${n} - 1) { ${out.send('tmat', `tmat + ${matVec.latency}`)} }
        tmat += ${matVec.ii};
      }
      ${shared.sink('acc')}`,
  };
}
