import { HandoffChannel } from './handoff-channel.js';
import { channelCounters } from './fast-forward.js';
import { pendingAcks } from './ring-ops.js';
import { Margins } from './margins.js';
import { newJournal, RunLog } from './run-log.js';
import { WindowRuns, writeRuns } from './window-runs.js';
import type { Channel } from '../../kernel/channel.js';
import type { Journal } from './run-log.js';
import type { CompiledChannel, CompiledRows } from './row-code.js';

/**
 * Exact fast-forward where the timing drifts instead of repeating: the naive design, whose
 * input generators run ahead of the pipeline by N cycles more every row, and unbounded FIFOs,
 * whose senders run ahead of their receivers. Its state never repeats, but from some row on
 * every entry moves by a fixed amount per period: the row's timing is a composition of sums
 * and maxes of the state (a max-plus system), and while every max keeps choosing the same
 * side, the state after each period is the state before plus a fixed vector, for ever.
 *
 * That is never assumed from the state alone. Once three boundaries p rows apart show the
 * same drift, two more periods run in verify mode, which logs the margin of every max taken
 * (the chosen side minus the other). Each max sees the same margins period after period, plus
 * a fixed change; if no margin moves towards zero from either side (or crosses it), no max
 * ever changes side, and the drift is exact for every later period (by induction). Then the
 * clocks and counts are extrapolated, and so is each channel's peak occupancy: a channel
 * whose two ends drift alike repeats its occupancies, and one whose sender runs ahead is
 * counted exactly at the few elements where its peak can lie (driftPeak).
 */

/** The longest period of a drift looked for, in rows. */
const MAX_PERIOD = 16;

/**
 * The linear state at a boundary: the entries that drift, and the layout they sit in, which
 * must be the same at every boundary compared (each window of instants as arithmetic runs:
 * their steps and lengths, whose first values are the entries).
 */
export interface LinearState {
  readonly x: Float64Array;
  readonly layout: string;
}

/** A drift seen at three boundaries: its period in rows and the vector added per period. */
export interface Drift {
  readonly period: number;
  readonly vector: Float64Array;
}

/**
 * Watches the linear state at row boundaries: every entry of the state (clocks, elements in
 * flight, counts), and what of each channel can still hold its sender back (the dequeue
 * instants of its last C elements, unless C is more than the run will ever send).
 */
export class DriftDetector {
  private readonly kept: { rows: number; state: LinearState }[] = [];
  constructor(
    private readonly rows: CompiledRows,
    private readonly totalRows: number,
  ) {}

  /** Records the boundary after `done` rows; returns the drift when the last 2p rows moved twice by the same vector. */
  record(done: number): Drift | null {
    const state = this.linearState(done);
    if (state === null) {
      this.kept.length = 0;
      return null;
    }
    this.kept.push({ rows: done, state });
    if (this.kept.length > 2 * MAX_PERIOD + 1) this.kept.shift();
    const last = this.kept.length - 1;
    for (let p = 1; 2 * p <= last; p++) {
      const [a, b, c] = [this.kept[last - 2 * p]!, this.kept[last - p]!, this.kept[last]!];
      if (a.rows !== done - 2 * p || b.rows !== done - p) continue;
      const vector = sameStep(a.state, b.state, c.state);
      if (vector === null) continue;
      return { period: p, vector };
    }
    return null;
  }

  /** The linear state after `done` rows, or null when it has no fixed layout here. */
  linearState(done: number): LinearState | null {
    const { state, channels } = this.rows;
    const out: number[] = Array.from(state);
    const layout: number[] = [];
    for (const c of channels) if (!this.channelState(c, done, out, layout)) return null;
    // The counts kept outside the state (cycles full) must drift alike too.
    const counters = channelCounters(this.rows);
    if (counters === null) return null;
    for (const value of counters) out.push(value);
    return { x: Float64Array.from(out), layout: layout.join(',') };
  }

  private channelState({ channel, countSlot }: CompiledChannel, done: number, out: number[], layout: number[]): boolean {
    const sent = countSlot >= 0 ? this.rows.state[countSlot]! : channel.sent;
    // Rows do the same operations (the row order's contract): as many elements each row.
    const acksBind = Number.isFinite(channel.capacity) && channel.capacity < (sent / Math.max(1, done)) * this.totalRows;
    if (channel instanceof HandoffChannel) {
      if (!acksBind) return true;
      const last = channel.lastDequeues(sent);
      if (last === null) return false;
      writeRuns(last, out, layout);
      return true;
    }
    const ch = channel as Channel;
    const held = ch.sent - ch.received;
    out.push(held, ch.sent - ch.acked);
    pushWindow(held, (k) => ch.times[(ch.received + k) & ch.mask]!, out, layout);
    pushWindow(held, (k) => ch.enqueuedAt[(ch.received + k) & ch.mask]!, out, layout);
    if (acksBind) {
      const acks = pendingAcks(ch);
      out.push(acks.size);
      writeRuns(acks, out, layout);
    }
    return true;
  }
}

/** Whether a channel's sender and receiver clocks move by different amounts per period (`drift`, by state slot): its occupancy then changes for ever. */
function endsDriftApart(c: CompiledChannel, drift: Float64Array): boolean {
  return drift[c.senderSlot] !== drift[c.receiverSlot];
}

/**
 * Appends a window of `length` instants as arithmetic runs: the first value of each run to
 * the entries, its step and length to the layout. Equal layouts and equal drifts of the first
 * values mean every instant drifts as its run's first does, so the comparison stays element
 * by element, in a few words where a window holds a whole naive row. (On 60 random
 * configurations, the same rows are extrapolated as with every instant an entry.)
 */
function pushWindow(length: number, at: (k: number) => number, out: number[], layout: number[]): void {
  const window = new WindowRuns(length, out, layout);
  for (let k = 0; k < length; k++) window.add(at(k), 0, 1);
  window.end();
}

/** b - a when c - b is the same vector (and the layouts match), else null. */
function sameStep(
  { x: a, layout }: LinearState,
  { x: b, layout: bLayout }: LinearState,
  { x: c, layout: cLayout }: LinearState,
): Float64Array | null {
  if (layout !== bLayout || bLayout !== cLayout || a.length !== b.length || b.length !== c.length) return null;
  const step = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const d = b[i]! - a[i]!;
    if (c[i]! - b[i]! !== d) return null;
    step[i] = d;
  }
  return step;
}

/** Two periods run in verify mode, and what they show. */
export interface DriftProof {
  readonly period: number;
  /** The state and the counters after the run's last row. */
  readonly final: EndState;
  /** Each channel's peak occupancy over the whole run. */
  readonly peaks: ReadonlyMap<string, number>;
}

/** A row boundary's state vector, and the counters of channelCounters (ring counts, then cycles full). */
interface EndState {
  readonly state: Float64Array;
  readonly counters: number[];
}

/**
 * What two periods in verify mode showed: the proof that the drift goes on for ever, or none,
 * and then for how many more periods it surely goes on unproved (its margins shrinking
 * towards a change of side: no attempt before then can prove it; 0 when nothing says so).
 */
export type Verification = { readonly proof: DriftProof; readonly unprovedFor: 0 } | { readonly proof: null; readonly unprovedFor: number };

const UNPROVED: Verification = { proof: null, unprovedFor: 0 };

/**
 * Runs rows start .. start + 2p in verify mode (`verify` shares `rows`' state and channels) and
 * returns what they show (the caller goes on row by row without a proof; the rows run here are
 * simulated rows like any other). Yields after each row and every stretch of a peak's sweep, as
 * a row of the run does: in one go it took seconds where a row takes a fraction of one (the
 * naive design's timing at N = 2^24: 47 s, after rows of 1.2 s), and a SIGINT waited for it.
 */
export function* verifyDrift(
  rows: CompiledRows,
  verify: CompiledRows,
  args: readonly unknown[],
  detector: DriftDetector,
  start: number,
  drift: Drift,
  totalRows: number,
): Generator<void, Verification> {
  const p = drift.period;
  const handoffs = rows.channels.filter((c): c is CompiledChannel & { channel: HandoffChannel } => c.channel instanceof HandoffChannel);
  const rings = rows.channels.filter((c) => !(c.channel instanceof HandoffChannel)).map((c) => c.channel as Channel);
  const margins: Margins[] = [];
  // Each period's journal of every channel: the handoffs' code keeps its own, the rings' ops the period's log.
  const journals: Map<HandoffChannel | Channel, Journal>[] = [];
  const states: Float64Array[] = [];
  const counters: number[][] = [];
  const x: LinearState[] = [detector.linearState(start)!];
  for (let period = 0; period < 2; period++) {
    const log = { margins: new Margins(), journals: new Map(rings.map((ch) => [ch, newJournal()])) };
    for (const { channel } of handoffs) channel.journal = newJournal();
    for (let r = 0; r < p; r++) {
      const i = start + period * p + r;
      // A long row runs in parts, each a step of the proof (RowCode.row).
      yield* verify.inParts(i, args, log);
      states.push(rows.state.slice());
      const now = channelCounters(rows);
      if (now === null) return UNPROVED;
      counters.push(now);
      yield;
    }
    margins.push(log.margins);
    const journal = new Map<HandoffChannel | Channel, Journal>(log.journals);
    for (const { channel } of handoffs) journal.set(channel, channel.journal);
    journals.push(journal);
    const next = detector.linearState(start + (period + 1) * p);
    if (next === null) return UNPROVED;
    x.push(next);
  }
  for (const { channel } of handoffs) channel.journal = newJournal();
  const step = sameStep(x[0]!, x[1]!, x[2]!);
  if (step === null || !sameValues(step, drift.vector)) return UNPROVED;
  yield;
  const onSide = yield* margins[0]!.periodsOnSide(margins[1]!);
  if (onSide !== Infinity) return { proof: null, unprovedFor: onSide };
  yield;
  // Peaks are settled at this boundary: every element must be dequeued by now (rings drain within the row).
  if (rings.some((ch) => ch.received !== ch.sent)) return UNPROVED;
  const steps: ({ dE: number; dD: number } | null)[] = [];
  for (const { channel } of handoffs) steps.push(yield* periodSteps(journals, channel));
  if (steps.some((s) => s === null)) return UNPROVED;

  // Every max keeps its side for ever: the state drifts by the same vector every period.
  const stateDrift = states[2 * p - 1]!.map((v, slot) => v - states[p - 1]![slot]!);
  // Each channel's elements over the whole run, as the run's end state will count them: a share of
  // a period for rows left that are no whole number of periods had given fractional peaks.
  const final = extrapolateDrift(start, p, states, counters, stateDrift, totalRows);
  const ringSlots = rows.channels.filter((c) => c.countSlot < 0);
  const tokensOf = (c: CompiledChannel): number => (c.countSlot >= 0 ? final.state[c.countSlot]! : final.counters[ringSlots.indexOf(c)]!);
  rows.finish();
  const peaks = new Map<string, number>();
  // Rings first: a ring that can fail the proof does so before any handoff's peak is counted.
  for (const c of rows.channels) {
    const ch = c.channel;
    if (ch instanceof HandoffChannel) continue;
    const peak = ch.occupancy().peak;
    // A ring's occupancies repeat when its two ends drift alike.
    if (peak >= ch.capacity || !endsDriftApart(c, stateDrift)) {
      peaks.set(ch.name, peak);
      continue;
    }
    // Its occupancy grows until the FIFO is full, and the regime changes; unless it is larger than
    // every element the run will send (unbounded), so that it never fills, nor holds its sender
    // back: then its peak is counted as a handoff channel's is (with every element dequeued at
    // this boundary, its meter has settled them all).
    const [first, last] = [journals[0]!.get(ch)!, journals[1]!.get(ch)!];
    const tokens = tokensOf(c);
    const s = yield* periodSteps(journals, ch);
    if (ch.capacity <= tokens || s === null) return UNPROVED;
    const pending = new RunLog();
    const counted = ch.meter.uncounted((start, step, count) => pending.pushRun(start, step, count));
    if (counted + pending.size !== ch.received) return UNPROVED;
    peaks.set(ch.name, Math.max(peak, yield* driftPeak({ counted, pending, sent: ch.sent, tokens, first, last, ...s })));
  }
  for (const c of rows.channels) {
    const ch = c.channel;
    if (!(ch instanceof HandoffChannel)) continue;
    const peak = ch.occupancy().peak;
    const { dE, dD } = steps[handoffs.findIndex((h) => h.channel === ch)]!;
    const pending = ch.pending();
    if (pending === null || dE === dD) {
      peaks.set(ch.name, peak);
      continue;
    }
    const [first, last] = [journals[0]!.get(ch)!, journals[1]!.get(ch)!];
    const tokens = tokensOf(c);
    const drifted = Math.max(
      peak,
      yield* driftPeak({ counted: pending.counted, pending: pending.instants, sent: ch.sent, tokens, first, last, dE, dD }),
    );
    // Full in rows to come, it would count cycles full that no period has shown: no linear count, no proof.
    if (drifted >= ch.capacity) return UNPROVED;
    peaks.set(ch.name, drifted);
  }
  return { proof: { period: p, final, peaks }, unprovedFor: 0 };
}

/**
 * The state after `totalRows` rows, from the two verified periods after boundary `start` (the
 * raw state and counters after each of their rows, start + 1 .. start + 2p): the state after
 * row b' = totalRows - p k of the second period, plus k drifts (ring channels' counts likewise).
 */
function extrapolateDrift(
  start: number,
  p: number,
  states: readonly Float64Array[],
  counters: readonly (readonly number[])[],
  stateDrift: Float64Array,
  totalRows: number,
): EndState {
  const end = start + 2 * p;
  const k = Math.ceil((totalRows - end) / p);
  const r = totalRows - k * p - start - 1;
  const state = states[r]!.map((v, slot) => v + k * stateDrift[slot]!);
  const perPeriod = counters[2 * p - 1]!.map((value, i) => value - counters[p - 1]![i]!);
  return { state, counters: counters[r]!.map((value, i) => value + k * perPeriod[i]!) };
}

/** How far a channel's enqueue and dequeue instants move from the first verified period to the second, when each moves alike. */
function* periodSteps(
  journals: readonly ReadonlyMap<HandoffChannel | Channel, Journal>[],
  ch: HandoffChannel | Channel,
): Generator<void, { dE: number; dD: number } | null> {
  const [first, second] = [journals[0]!.get(ch)!, journals[1]!.get(ch)!];
  const dE = yield* uniformStep(first.enqueued, second.enqueued);
  const dD = yield* uniformStep(first.dequeued, second.dequeued);
  return dE === null || dD === null ? null : { dE, dD };
}

/** The one difference between the entries of two periods, or null when they differ in length or by unequal amounts. */
function* uniformStep(first: RunLog, second: RunLog): Generator<void, number | null> {
  if (first.size !== second.size || first.size === 0) return null;
  const step = second.at(0) - first.at(0);
  return (yield* first.everyPair(second, (a, b) => b - a === step)) ? step : null;
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What driftPeak needs of a channel at the end of the second verify period. */
interface DriftingChannel {
  /** Elements dequeued by the last one's enqueue instant, and the dequeue instants of the others, in order. */
  readonly counted: number;
  readonly pending: RunLog;
  /** Elements so far, and over the whole run. */
  readonly sent: number;
  readonly tokens: number;
  /** Enqueue and dequeue instants of the two verify periods (P elements each); their per-period steps. */
  readonly first: { readonly enqueued: RunLog; readonly dequeued: RunLog };
  readonly last: { readonly enqueued: RunLog; readonly dequeued: RunLog };
  readonly dE: number;
  readonly dD: number;
}

/** Elements of a peak's sweep between two yields: some milliseconds. */
const ELEMENTS_PER_STRETCH = 1 << 16;

/**
 * The largest occupancy of the elements still to come on a channel whose sender and receiver
 * drift apart (spec section 4: element m occupies from E_m to D_m, so its occupancy at its
 * enqueue is m + 1 - G(E_m), G(t) the dequeue instants <= t). Later element m + P has
 * E_m + dE, and the dequeue instants P apart differ by dD; an interval of length dE then
 * holds at most P of them when dE < dD (at least P when dE > dD), so along each residue class
 * of elements the occupancy never falls (never rises). So the peak lies among: the elements
 * whose interval reaches back past the verified periods' first dequeue instant, the first
 * period to come, and the last period (with the end of the run, where fewer dequeues follow).
 * Each is counted exactly, sweeping along the dequeue instants (enqueue and dequeue instants
 * never decrease): at most two passes over the elements still to come, less than simulating
 * them, and no memory.
 */
export function* driftPeak(ch: DriftingChannel): Generator<void, number> {
  const P = ch.last.enqueued.size;
  const J = ch.sent;
  const M = ch.tokens;
  if (M <= J) return 0;
  const D = (j: number): number => {
    if (j < ch.counted) return -Infinity;
    if (j < J) return ch.pending.at(j - ch.counted);
    const k = Math.floor((j - J) / P);
    return ch.last.dequeued.at(j - J - k * P) + (k + 1) * ch.dD;
  };
  const E = (m: number): number => {
    const k = Math.floor((m - J) / P);
    return ch.last.enqueued.at(m - J - k * P) + (k + 1) * ch.dE;
  };
  // G(t): the first j whose dequeue instant is later than t (all before it are out by t).
  const out = (t: number): number => firstAbove(ch.counted, M, (j) => D(j) > t);

  // Before `early`, an element's interval may reach the dequeue instants before the verified
  // periods; from `late` on, past the last dequeue instant. In between, each residue class
  // has its extreme at one end: within a period after `early` or before `late`.
  const regime = ch.first.dequeued.at(0);
  const early = firstAbove(J, M, (m) => E(m) >= regime + ch.dE + ch.dD);
  const lastD = D(M - 1);
  const late = Math.min(
    M - P,
    firstAbove(J, M, (m) => E(m) > lastD - ch.dE),
  );
  const ranges: [number, number][] = [
    [J, Math.min(M, early + P)],
    [Math.max(J, late - P), M],
  ];
  const sweep = { j: 0, peak: 0 };
  for (const [a, b] of ranges) {
    if (a >= b) continue;
    // Enqueue and dequeue instants never decrease, so G(E_m) is found once by binary search and then swept along.
    sweep.j = out(E(a));
    for (let m = a; m < b; m += ELEMENTS_PER_STRETCH) {
      sweepOccupancy(sweep, m, Math.min(b, m + ELEMENTS_PER_STRETCH), M, E, D);
      if (m + ELEMENTS_PER_STRETCH < b) yield;
    }
  }
  return sweep.peak;
}

/**
 * Elements [from, to) of driftPeak's sweep, in one go: the largest m + 1 - G(E_m), G moved along
 * in `sweep.j`. A plain function, not a loop of the generator: with a test for a yield on every
 * element the naive design's timing at N = 1M took 3-6% longer than before it yielded at all, and
 * so it takes 6-10% less (5.30-5.65 s -> 4.98-5.03 s, `run --design naive --n 1048576
 * --timing-only`, three alternations).
 */
function sweepOccupancy(
  sweep: { j: number; peak: number },
  from: number,
  to: number,
  M: number,
  E: (m: number) => number,
  D: (j: number) => number,
): void {
  let { j, peak } = sweep;
  for (let m = from; m < to; m++) {
    const t = E(m);
    while (j < M && D(j) <= t) j++;
    peak = Math.max(peak, m + 1 - j);
  }
  sweep.j = j;
  sweep.peak = peak;
}

/** The least i in [lo, hi) with `above(i)` (monotone: false then true), or hi. */
function firstAbove(lo: number, hi: number, above: (i: number) => boolean): number {
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (above(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
