import { registerScheduleKind } from '../../engines/compiled/row-order.js';
import { checkOutput, referenceSdpa, sdpaMatrix } from './data.js';
import { sdpaUnitParams } from './params.js';
import { exp } from './exp.js';
import { rescaleFactor } from './running-max.js';
import type { RowCode } from '../../engines/compiled/row-code.js';
import type { RowBody, RowOrder } from '../../engines/compiled/row-order.js';
import type { Program, UnitSpec } from '../../kernel/program.js';
import type { Matrix, MatrixName } from './data.js';
import type { SdpaSourceParams } from './io-units.js';

/**
 * The SDPA designs as compiled orders: one head's units run in a fixed order, one score
 * element at a time through every unit, with the channels' own timing rules (spec sections 1
 * and 2, the same operations the unit kinds do, in an order that never has to wait). Every
 * channel but the naive design's `long` is handed over element by element; `long` holds a row
 * (its payloads in `prow`, its times in a ring). Each unit's arithmetic is marked `values`,
 * its clock arithmetic `timing`, so that the engine can compile the timing alone and the
 * values alone (engines/compiled/row-code.ts). Tests compare every configuration with the
 * actors engine and with an independent model of the spec, bit for bit.
 *
 * The order fits every configuration of the modified design, and every configuration of the
 * naive design whose `long` FIFO holds a row (below that the design deadlocks): an order
 * that reaches an operation the program could not do yet throws ScheduleStuck.
 */
export const SDPA_SCHEDULE = 'sdpa';

registerScheduleKind({
  kind: SDPA_SCHEDULE,
  order: (program, group) => new SdpaHead(unitsOf(program), group),
});

/** A program's units by name, indexed once per program (1,000 heads are 1,000 look-ups). */
const indexes = new WeakMap<Program, ReadonlyMap<string, UnitSpec>>();

function unitsOf(program: Program): ReadonlyMap<string, UnitSpec> {
  let units = indexes.get(program);
  if (units === undefined) {
    units = new Map(program.units.map((u) => [u.name, u]));
    indexes.set(program, units);
  }
  return units;
}

/** One head of an SDPA program as a row order. */
class SdpaHead implements RowOrder {
  readonly rows: number;
  readonly d: number;
  readonly output: { readonly unit: string; readonly width: number };
  private readonly source: SdpaSourceParams;

  constructor(
    private readonly units: ReadonlyMap<string, UnitSpec>,
    private readonly group: string,
  ) {
    this.source = this.params('source-q') as SdpaSourceParams;
    this.rows = this.source.n;
    this.d = this.source.d;
    this.output = { unit: this.scoped('sink'), width: this.d };
  }

  emit(code: RowCode): RowBody {
    const modified = this.units.has(this.scoped('qkt'));
    const row = modified ? modifiedRow(this, code) : naiveRow(this, code);
    const vectors = code.mode.values ? row.vectors.map((length) => new Float64Array(length)) : row.vectors.map(() => null);
    const inputs = (['q', 'k', 'v'] as const).map((m) => (code.mode.values ? this.matrix(m) : null));
    return {
      body: row.body,
      params: ['Q', 'K', 'V', 'rescaleFactor', 'exp', ...row.vectorNames],
      args: [...inputs, rescaleFactor, exp, ...vectors],
    };
  }

  check(from: number, to: number, output: Float64Array): number {
    const [q, k, v] = (['q', 'k', 'v'] as const).map((m) => this.matrix(m));
    return checkOutput(this.output.unit, output, referenceSdpa(q!, k!, v!, this.rows, this.d, from, to), this.d, from);
  }

  /** A unit's or a channel's program name. */
  scoped(unit: string): string {
    return `${this.group}/${unit}`;
  }

  /** A unit's latency and initiation interval, as constants of the row's code. */
  timing(unit: string, code: RowCode): { latency: string; ii: string } {
    const { latency, ii } = sdpaUnitParams(this.params(unit), unit);
    return { latency: code.constant(latency), ii: code.constant(ii) };
  }

  private params(unit: string): unknown {
    return this.units.get(this.scoped(unit))!.params;
  }

  private matrix(name: MatrixName): Matrix {
    const { seed, head } = this.source;
    return cachedMatrix(seed, head, name, this.rows, this.d);
  }
}

/**
 * The last inputs made: each block of rows a worker computes needs its head's whole K and V,
 * and making them again for every block would cost as much as the block at large d.
 */
const matrices = new Map<string, Matrix>();
const MATRICES_KEPT = 6;

function cachedMatrix(seed: number, head: number, name: MatrixName, n: number, d: number): Matrix {
  const key = `${seed}/${head}/${name}/${n}/${d}`;
  let m = matrices.get(key);
  if (m === undefined) {
    m = sdpaMatrix(seed, head, name, n, d);
    if (matrices.size === MATRICES_KEPT) matrices.delete(matrices.keys().next().value!);
    matrices.set(key, m);
  }
  return m;
}

/** A design's row: its code, and the scratch vectors it uses (their names and lengths). */
interface Row {
  readonly body: string;
  readonly vectorNames: readonly string[];
  readonly vectors: readonly number[];
}

/**
 * What both designs share: the sources (for each item: emit at t + 1, then incr(1)), Q K^T
 * (QKT or QKTExp) up to its wait for room, and the sink.
 */
class Shared {
  readonly n: string;
  readonly d: string;
  private readonly scale: string;

  constructor(
    readonly head: SdpaHead,
    readonly code: RowCode,
    finalChannel: string,
    readonly q = code.handoff(head.scoped('q')),
    readonly k = code.handoff(head.scoped('k')),
    readonly v = code.handoff(head.scoped('v')),
    readonly final = code.handoff(head.scoped(finalChannel)),
  ) {
    this.n = code.constant(head.rows);
    this.d = code.constant(head.d);
    this.scale = code.constant(1 / Math.sqrt(head.d));
  }

  /** A source's step: emit at t + 1, incr(1). */
  emit(ch: 'q' | 'k' | 'v', clock: string): string {
    return `${this[ch].send(clock, `${clock} + 1`)} ${this.code.timing(`${clock} += 1;`)}`;
  }

  /** QKT / QKTExp at a row's start: peekNext(Q), peekNext(K), q = dequeue(Q). */
  scoreRowStart(clock: string): string {
    return `if (j === 0) { ${this.q.arrival(clock)} ${this.k.arrival(clock)} ${this.q.dequeue(clock)} }`;
  }

  /** QKT / QKTExp per element, up to its wait for room: k = dequeue(K), s = q.k * scale. */
  score(clock: string): string {
    const dot = this.scalar ? 's += Q[i] * K[j];' : `for (let x = 0; x < ${this.d}; x++) s += Q[i * ${this.d} + x] * K[j * ${this.d} + x];`;
    return `${this.k.dequeue(clock)} ${this.code.values(`let s = 0; ${dot} s *= ${this.scale};`)}`;
  }

  /**
   * Whether a d-vector is one number (d = 1, as published): its loops of one step and its
   * accumulator in an array made the values rows about 1.7x slower than the same operations,
   * in the same order, on a local.
   */
  get scalar(): boolean {
    return this.head.d === 1;
  }

  /** The sink: dequeue output row i, whose payload is `row`. */
  sink(row: string, clock: string): string {
    return `${this.code.values(`output.set(${row}, (i - firstRow) * ${this.d});`)} ${this.final.dequeue(clock)}`;
  }
}

/** Spec section 2.2, in the order source K, QKT, RunningMax, source V, RunningSum, RunningOut per element. */
function modifiedRow(head: SdpaHead, code: RowCode): Row {
  const shared = new Shared(head, code, 'final');
  const { n, d } = shared;
  const [tq, tk, tv, tscore, tmax, tsum, tout, tdiv, tsink] = [
    ['source-q', 'tq'],
    ['source-k', 'tk'],
    ['source-v', 'tv'],
    ['qkt', 'tscore'],
    ['runningmax', 'tmax'],
    ['runningsum', 'tsum'],
    ['runningout', 'tout'],
    ['div', 'tdiv'],
    ['sink', 'tsink'],
  ].map(([unit, clock]) => code.clock(head.scoped(unit!), clock!));
  const [qk, delta1, delta2, e1, e2, rowsum, outp] = ['qk', 'delta1', 'delta2', 'e1', 'e2', 'rowsum', 'outp'].map((c) =>
    code.handoff(head.scoped(c)),
  );
  const [qkt, max, sum, out, div] = ['qkt', 'runningmax', 'runningsum', 'runningout', 'div'].map((u) => head.timing(u, code));
  const t = (s: string): string => code.timing(s);
  const v = (s: string): string => code.values(s);
  return {
    // RunningOut's accumulator `o` and Div's `quotient` are payloads their receivers read before the next is written.
    vectorNames: ['o', 'quotient'],
    vectors: [head.d, head.d],
    body: code.row(
      `${shared.emit('q', tq!)}
      ${v(shared.scalar ? 'let m = -Infinity, r = 0, o0 = 0;' : 'let m = -Infinity, r = 0; o.fill(0);')}`,
      code.elements(
        n,
        `
        const last = j === ${n} - 1;
        ${shared.emit('k', tk!)}
        ${shared.scoreRowStart(tscore!)}
        ${shared.score(tscore!)}
        ${qk!.send(tscore!, `${tscore} + ${qkt!.latency}`)} ${t(`${tscore} += ${qkt!.ii};`)}

        ${qk!.dequeue(tmax!)}
        ${v('const next = s > m ? s : m; const delta = rescaleFactor(m, next); const e = exp(s - next); m = next;')}
        ${t(`{
          const stamp = ${tmax} + ${max!.latency};
          ${delta1!.send(tmax!, 'stamp')} ${delta2!.send(tmax!, 'stamp')} ${e1!.send(tmax!, 'stamp')} ${e2!.send(tmax!, 'stamp')}
          ${tmax} += ${max!.ii};
        }`)}

        ${shared.emit('v', tv!)}

        ${delta1!.arrival(tsum!)} ${e1!.arrival(tsum!)} ${delta1!.dequeue(tsum!)} ${e1!.dequeue(tsum!)}
        ${v('r = r * delta + e;')}
        ${t(`if (last) { ${rowsum!.send(tsum!, `${tsum} + ${sum!.latency}`)} } ${tsum} += ${sum!.ii};`)}

        ${delta2!.arrival(tout!)} ${e2!.arrival(tout!)} ${shared.v.arrival(tout!)}
        ${delta2!.dequeue(tout!)} ${e2!.dequeue(tout!)} ${shared.v.dequeue(tout!)}
        ${v(shared.scalar ? 'o0 = o0 * delta + e * V[j];' : `for (let x = 0; x < ${d}; x++) o[x] = o[x] * delta + e * V[j * ${d} + x];`)}
        ${t(`if (last) { ${outp!.send(tout!, `${tout} + ${out!.latency}`)} } ${tout} += ${out!.ii};`)}`,
      ),
      `${outp!.dequeue(tdiv!)} ${rowsum!.dequeue(tdiv!)}
      ${v(shared.scalar ? 'quotient[0] = o0 / r;' : `for (let x = 0; x < ${d}; x++) quotient[x] = o[x] / r;`)}
      ${shared.final.send(tdiv!, `${tdiv} + ${div!.latency}`)} ${t(`${tdiv} += ${div!.ii};`)}
      ${shared.sink('quotient', tsink!)}`,
    ),
  };
}

/**
 * Spec section 2.1, a row behind: source K, QKTExp and RowSum through row i, then Div,
 * source V and MatVec through the same row, so `long` holds one row: the one channel that
 * keeps a ring; every other one hands each element over.
 */
function naiveRow(head: SdpaHead, code: RowCode): Row {
  const shared = new Shared(head, code, 'out');
  const { n, d } = shared;
  const [tq, tk, tv, tscore, trow, tdiv, tmat, tsink] = [
    ['source-q', 'tq'],
    ['source-k', 'tk'],
    ['source-v', 'tv'],
    ['qktexp', 'tscore'],
    ['rowsum', 'trow'],
    ['div', 'tdiv'],
    ['matvec', 'tmat'],
    ['sink', 'tsink'],
  ].map(([unit, clock]) => code.clock(head.scoped(unit!), clock!));
  const short = code.handoff(head.scoped('short'));
  const long = code.ring(head.scoped('long'));
  const [rowsum, div] = ['rowsum', 'div'].map((c) => code.handoff(head.scoped(c)));
  const [qktExp, rowSum, divUnit, matVec] = ['qktexp', 'rowsum', 'div', 'matvec'].map((u) => head.timing(u, code));
  const t = (s: string): string => code.timing(s);
  const v = (s: string): string => code.values(s);
  return {
    // `long`'s payloads (a row of exponentiated scores), and MatVec's accumulator `acc`, a payload the sink reads before the next is written.
    vectorNames: ['prow', 'acc'],
    vectors: [head.rows, head.d],
    body: code.row(
      `${shared.emit('q', tq!)}
      ${v('let sum = 0, r = 0;')}`,
      code.elements(
        n,
        `
        ${shared.emit('k', tk!)}
        ${shared.scoreRowStart(tscore!)}
        ${shared.score(tscore!)}
        ${v('const p = exp(s); prow[j] = p;')}
        ${t(`{
          const c = ${tscore};
          ${short.room(tscore!)} ${long.room(tscore!)}
          const stamp = c + ${qktExp!.latency};
          ${short.enqueue(tscore!, 'stamp')} ${long.enqueue(tscore!, 'stamp')}
          ${tscore} += ${qktExp!.ii};
        }`)}

        ${v('sum += p;')}
        ${short.dequeue(trow!)}
        ${t(`if (j === ${n} - 1) { ${rowsum!.send(trow!, `${trow} + ${rowSum!.latency}`)} } ${trow} += ${rowSum!.ii};`)}`,
      ),
      v(shared.scalar ? 'let acc0 = 0;' : 'acc.fill(0);'),
      code.elements(
        n,
        `
        ${t(`if (j === 0) { ${long.arrival(tdiv!)} ${rowsum!.arrival(tdiv!)} }`)}
        ${long.dequeue(tdiv!)}
        ${t(`if (j === 0) { ${rowsum!.dequeue(tdiv!)} }`)}
        ${v('if (j === 0) r = sum; const p = prow[j] / r;')}
        ${div!.send(tdiv!, `${tdiv} + ${divUnit!.latency}`)} ${t(`${tdiv} += ${divUnit!.ii};`)}

        ${shared.emit('v', tv!)}

        ${div!.dequeue(tmat!)} ${shared.v.dequeue(tmat!)}
        ${v(shared.scalar ? 'acc0 += p * V[j];' : `for (let x = 0; x < ${d}; x++) acc[x] += p * V[j * ${d} + x];`)}
        ${t(`if (j === ${n} - 1) { ${shared.final.send(tmat!, `${tmat} + ${matVec!.latency}`)} } ${tmat} += ${matVec!.ii};`)}`,
      ),
      `${v(shared.scalar ? 'acc[0] = acc0;' : '')}
      ${shared.sink('acc', tsink!)}`,
    ),
  };
}
