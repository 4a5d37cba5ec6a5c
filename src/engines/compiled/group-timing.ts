import { channelShape } from '../../kernel/channel.js';
import { DriftDetector, verifyDrift } from './drift.js';
import { extrapolate, finalCounters, TimingHistory } from './fast-forward.js';
import { fullSlot, RowCode, TIMING, VERIFY, writesNumbers } from './row-code.js';
import type { ChannelShape } from '../../kernel/channel.js';
import type { CompiledRows } from './row-code.js';
import type { ChannelStats, ContextStats } from '../run-result.js';
import type { GroupParts, RowOrder } from './row-order.js';

/** The timing of one group, and how it was obtained. */
export interface GroupTiming {
  readonly group: string;
  /** Every unit's final clock and every channel's statistics, in the program's order. */
  readonly contexts: readonly ContextStats[];
  readonly channels: readonly ChannelStats[];
  /** Rows whose timing was simulated, and rows extrapolated from a repeat. */
  readonly rowsSimulated: number;
  readonly rowsExtrapolated: number;
  /** The repeat's period in rows and shift in cycles, when one was found. */
  readonly period: number | null;
  readonly shift: number | null;
  /** The group whose timing this one is, renamed (SharedTimings); null when simulated for itself. */
  readonly timingOf: string | null;
}

/** A timing by positions in its code (RowCode.layout): final clocks, and each channel's figures. */
interface CodeTiming {
  readonly clocks: readonly number[];
  readonly channels: readonly Omit<ChannelStats, 'name' | 'sender' | 'receiver' | 'capacity'>[];
  readonly rowsSimulated: number;
  readonly period: number | null;
  readonly shift: number | null;
}

/**
 * The timings a job simulated, by the signature of their code (RowCode.signature) and their
 * arguments: the heads of a program are often the same configuration on other data, and the
 * timing never reads a value, so a group whose code and arguments are another's has that
 * group's timing, renamed. The same computation, done once: exact by construction.
 */
export class SharedTimings {
  private readonly timings = new Map<string, { readonly group: string; readonly args: readonly unknown[]; readonly timing: CodeTiming }>();

  find(signature: string, args: readonly unknown[]): { readonly group: string; readonly timing: CodeTiming } | undefined {
    const found = this.timings.get(signature);
    return found !== undefined && found.args.length === args.length && found.args.every((a, k) => a === args[k]) ? found : undefined;
  }

  keep(signature: string, args: readonly unknown[], group: string, timing: CodeTiming): void {
    if (!this.timings.has(signature)) this.timings.set(signature, { group, args, timing });
  }
}

/** Where the timing was extrapolated from: the final state, the period, and the peaks when a drift's differ from the simulated ones. */
interface Found {
  readonly final: { readonly state: Float64Array; readonly counters: readonly number[] };
  readonly period: number;
  /** A repeat's shift in cycles; null for a drift, whose entries move by different amounts. */
  readonly shift: number | null;
  readonly peaks: ReadonlyMap<string, number> | null;
}

export interface GroupTimingOptions {
  readonly fastForward: boolean;
  /** Score elements from which rows get their numbers written in (row-code.ts NUMBERS_WRITTEN_FROM by default). */
  readonly numbersWrittenFrom?: number;
  /** Timings to share with the groups of the same code (fast-forward only: without it every group is simulated, as a reference). */
  readonly shared?: SharedTimings;
}

/**
 * Simulates the timing of one group row by row, and with fast-forward stops at the first
 * repeat of its state and extrapolates the rest (fast-forward.ts), or takes the timing of a
 * group with the same code from `shared`. Yields the rows done after
 * each row (all of them once a repeat is found), so that a caller can let other work in.
 * Throws ScheduleStuck when the order reaches an operation the program cannot do yet (the
 * configuration deadlocks).
 */
export function* groupTiming(
  parts: GroupParts,
  group: string,
  order: RowOrder,
  options: GroupTimingOptions,
): Generator<number, GroupTiming> {
  const specs = new Map(parts.channels.map((c) => [c.name, c]));
  const shapeOf = (name: string): ChannelShape => {
    const spec = specs.get(name);
    if (spec === undefined) throw new Error(`the compiled order of group '${group}' names channel '${name}', which is not the group's`);
    return channelShape(spec);
  };
  const { fastForward } = options;
  // Every row runs without fast-forward; with it, often a few dozen: the numbers are written in
  // once the rows left are known to be many (below).
  let literals = !fastForward && writesNumbers(order.rows * order.rows);
  const code = new RowCode(TIMING, shapeOf, null, literals);
  const { body, params, args } = order.emit(code);
  const layout = code.layout();
  const shared = fastForward ? options.shared : undefined;
  // Rows, the parameters' names (the arguments bind to them in order) and the code's signature.
  const signature = shared === undefined ? '' : `${order.rows}\n${params.join(' ')}\n${code.signature(body)}`;
  const twin = shared?.find(signature, args);
  if (twin !== undefined) {
    yield order.rows;
    return named(parts, group, layout, twin.timing, order.rows, twin.group);
  }
  const names = ['output', 'firstRow', ...params];
  const rows = code.compile(names, body);
  // What runs the rows: `rows`, or the same order with its numbers written in, on the same channels and state.
  let runner = rows;
  const rowArgs = [null, 0, ...args];
  const history = fastForward ? new TimingHistory(rows) : null;
  const drifts = fastForward ? new DriftDetector(rows, order.rows) : null;
  // The same order in verify mode, on the same channels and state: compiled once a drift shows.
  let verify: CompiledRows | null = null;
  // Rows from which drifts are looked for (again).
  let driftsFrom = 0;
  let done = 0;
  let found: Found | null = null;
  const from = options.numbersWrittenFrom;
  while (done < order.rows) {
    if (runner.partElements === 0) runner.row(done, rowArgs);
    else {
      // A long row runs in parts, yielded through as rows are (RowCode.row).
      const parts = runner.inParts(done, rowArgs);
      while (parts.next().done !== true) yield done;
    }
    done++;
    // Fast-forward has not ended the run within 2^22 elements, and as many are left: the rest
    // pays for code with its numbers written in (exactly the same operations, on the same state).
    if (!literals && writesNumbers(done * order.rows, from) && writesNumbers((order.rows - done) * order.rows, from)) {
      literals = true;
      const literalCode = new RowCode(code.mode, shapeOf, code, true);
      runner = literalCode.compile(names, order.emit(literalCode).body, rows.state);
    }
    const repeat = history?.record(done) ?? null;
    if (repeat !== null) {
      found = { final: extrapolate(history!, repeat, order.rows, rows), period: repeat.period, shift: repeat.shift, peaks: null };
      break;
    }
    const drift = done >= driftsFrom ? (drifts?.record(done) ?? null) : null;
    if (drift !== null && done + 2 * drift.period < order.rows) {
      if (verify === null) {
        const verifyCode = new RowCode(VERIFY, shapeOf, code, literals);
        verify = verifyCode.compile(names, order.emit(verifyCode).body, rows.state);
      }
      // Two periods of rows and a sweep over the elements to come: yielded through, as rows are.
      const verifying = verifyDrift(rows, verify, rowArgs, drifts!, done, drift, order.rows);
      let verified = verifying.next();
      while (verified.done !== true) {
        yield done;
        verified = verifying.next();
      }
      const { proof, unprovedFor } = verified.value;
      done += 2 * drift.period;
      if (proof !== null) {
        found = { final: proof.final, period: proof.period, shift: null, peaks: proof.peaks };
        break;
      }
      // A FIFO filling, say: its margins shrink until a max changes side, and every attempt before that fails.
      driftsFrom = done + unprovedFor * drift.period;
    }
    yield done;
  }
  rows.finish();
  // Peaks and cycles full from the rows simulated: with a repeat they cover a whole period; a
  // drift's peaks are extrapolated, and cycles full and counts move by a period's gain.
  const counted = new Map(rows.channels.map(({ channel }) => [channel.name, channel.occupancy()]));
  let state = rows.state;
  let outside = {
    ringSent: rows.channels.filter((c) => c.countSlot < 0).map((c) => c.channel.sent),
    fullCycles: [...counted.values()].map((o) => o.fullCycles),
  };
  if (found !== null) {
    state = found.final.state;
    outside = finalCounters(rows, found.final.counters);
  }
  let ring = 0;
  const channels = rows.channels.map((compiled, c) => {
    const { countSlot, waitSlot } = compiled;
    const inState = fullSlot(compiled);
    return {
      tokens: countSlot >= 0 ? state[countSlot]! : outside.ringSent[ring++]!,
      peakOccupancy: found?.peaks?.get(compiled.channel.name) ?? counted.get(compiled.channel.name)!.peak,
      fullCycles: inState >= 0 ? state[inState]! : outside.fullCycles[c]!,
      emptyWaitCycles: state[waitSlot]!,
      roomWaitCycles: state[waitSlot + 1]!,
    };
  });
  const timing: CodeTiming = {
    clocks: rows.units.map(({ slot }) => state[slot]!),
    channels,
    rowsSimulated: done,
    period: found?.period ?? null,
    shift: found?.shift ?? null,
  };
  shared?.keep(signature, args, group, timing);
  yield order.rows;
  return named(parts, group, layout, timing, order.rows, null);
}

/** A timing by code positions as the group's: its units' clocks and its channels' statistics, in the program's order. */
function named(
  parts: GroupParts,
  group: string,
  layout: ReturnType<RowCode['layout']>,
  timing: CodeTiming,
  rows: number,
  timingOf: string | null,
): GroupTiming {
  const clocks = new Map(layout.units.map((unit, k) => [unit, timing.clocks[k]!]));
  const stats = new Map(layout.channels.map((channel, k) => [channel, timing.channels[k]!]));
  const contexts: ContextStats[] = [];
  for (const unit of parts.units) {
    const finalClock = clocks.get(unit.name);
    if (finalClock === undefined) throw new Error(`unit '${unit.name}' has no clock in the compiled order of group '${group}'`);
    contexts.push({ name: unit.name, kind: unit.kind, finalClock });
  }
  const channels: ChannelStats[] = [];
  for (const spec of parts.channels) {
    const figures = stats.get(spec.name);
    if (figures === undefined) throw new Error(`channel '${spec.name}' is not in the compiled order of group '${group}'`);
    channels.push({ name: spec.name, sender: spec.from.unit, receiver: spec.to.unit, capacity: spec.capacity, ...figures });
  }
  // A shared timing was simulated for another group: none of this group's rows were.
  const simulated = timingOf === null ? timing.rowsSimulated : 0;
  return {
    group,
    contexts,
    channels,
    rowsSimulated: simulated,
    rowsExtrapolated: timingOf === null ? rows - simulated : 0,
    period: timing.period,
    shift: timing.shift,
    timingOf,
  };
}
