import { HandoffChannel } from './handoff-channel.js';
import { ringWindow } from './ring-ops.js';
import type { Channel } from '../../kernel/channel.js';
import type { CompiledRows } from './row-code.js';

/**
 * Exact fast-forward of a compiled order's timing, by memoising its state at row boundaries
 * (the technique of FastSim, Schnarr and Larus 1998, and of state matching in time-parallel
 * simulation, Heidelberger and Stone 1990).
 *
 * A row's timing is a function of the state at its start alone: the units' clocks, the
 * channels' elements in flight, and the dequeue instants that can still hold a sender back
 * (its acknowledgements) or still occupy a channel. Every rule of spec section 1 is a max or
 * a sum of times, so shifting every time of a state by Δ shifts every time of the next row by
 * Δ, and leaves occupancies alone. So once the canonical state at a boundary (every time minus
 * a reference clock; dequeue instants that can no longer matter dropped) equals the canonical
 * state of an earlier boundary, p rows before, the run repeats with period p and shift Δ for
 * ever: the state after any later row is a stored one plus a multiple of Δ (and counts plus a
 * multiple of what they gained over the period), and no later element is counted in a channel
 * at an occupancy that an element of the last period has not already reached. Only equality
 * is trusted, never a guess: a state that does not repeat is simulated row by row.
 */
export interface Boundary {
  /** Rows done. */
  readonly rows: number;
  /** The reference clock the canonical state is relative to. */
  readonly ref: number;
  /** The raw state (clocks, elements in flight, counts), and the counts kept outside it (channelCounters). */
  readonly state: Float64Array;
  readonly counters: readonly number[];
  readonly canonical: Float64Array;
  readonly hash: number;
}

/** A boundary that repeats an earlier one, `period` rows before, shifted by `shift` cycles. */
export interface Repeat {
  readonly earlier: Boundary;
  readonly now: Boundary;
  readonly period: number;
  readonly shift: number;
}

/** The most rows between a boundary and the earlier one it may repeat (observed periods: 1, 3, 13). */
const KEPT = 64;

export class TimingHistory {
  private readonly kept: Boundary[] = [];
  private readonly scratch: number[] = [];

  constructor(private readonly rows: CompiledRows) {}

  /** Records the state after `done` rows; returns the repeat it completes, if any. */
  record(done: number): Repeat | null {
    const now = this.boundary(done);
    if (now === null) return null;
    let repeat: Repeat | null = null;
    for (let k = this.kept.length - 1; k >= 0; k--) {
      const earlier = this.kept[k]!;
      if (earlier.hash === now.hash && sameValues(earlier.canonical, now.canonical)) {
        repeat = { earlier, now, period: now.rows - earlier.rows, shift: now.ref - earlier.ref };
        break;
      }
    }
    this.kept.push(now);
    if (this.kept.length > KEPT) this.kept.shift();
    return repeat;
  }

  /** The stored boundary after `done` rows (one of the last KEPT). */
  at(done: number): Boundary {
    const b = this.kept.find((k) => k.rows === done);
    if (b === undefined) throw new Error(`no boundary after ${done} rows is kept`);
    return b;
  }

  /** The boundary after `done` rows, or null when the state has no canonical form here. */
  private boundary(done: number): Boundary | null {
    const { state, units, channels } = this.rows;
    const ref = state[units[0]!.slot]!;
    const out = this.scratch;
    out.length = 0;
    for (let slot = 0; slot < state.length; slot++) if (this.rows.isTime(slot)) out.push(state[slot]! - ref);
    for (const { channel, senderSlot, countSlot } of channels) {
      if (senderSlot < 0) return null;
      const senderClock = state[senderSlot]!;
      const ok =
        channel instanceof HandoffChannel
          ? channel.window(state[countSlot]!, senderClock, ref, out)
          : ringWindow(channel, senderClock, ref, out);
      if (!ok) return null;
    }
    const counters = channelCounters(this.rows);
    if (counters === null) return null;
    const canonical = Float64Array.from(out);
    return { rows: done, ref, state: state.slice(), counters, canonical, hash: hash(canonical) };
  }
}

/**
 * What a boundary's state leaves out and a run reports: each ring channel's count, then each
 * channel's cycles full so far (every element enqueued so far counted, which needs every one
 * of them dequeued: null when a ring still holds one).
 */
export function channelCounters(rows: CompiledRows): number[] | null {
  const counters: number[] = [];
  for (const { channel, countSlot } of rows.channels) if (countSlot < 0) counters.push(channel.sent);
  for (const { channel, countSlot } of rows.channels) {
    if (channel instanceof HandoffChannel) counters.push(channel.fullCyclesUpTo(rows.state[countSlot]!));
    else if ((channel as Channel).received !== channel.sent) return null;
    else counters.push(channel.occupancy().fullCycles);
  }
  return counters;
}

/** The counters' values after the run, in the order of channelCounters: ring counts, then cycles full by channel. */
export function finalCounters(rows: CompiledRows, counters: readonly number[]): { ringSent: number[]; fullCycles: number[] } {
  const rings = rows.channels.filter((c) => c.countSlot < 0).length;
  return { ringSent: counters.slice(0, rings), fullCycles: counters.slice(rings) };
}

/**
 * The state after `total` rows, from a repeat: rows b' = total - p k, for the k that puts b'
 * in the last period, plus k shifts (times) or k gains over a period (counts).
 */
export function extrapolate(
  history: TimingHistory,
  repeat: Repeat,
  total: number,
  rows: CompiledRows,
): { state: Float64Array; counters: number[] } {
  const { earlier, now, period, shift } = repeat;
  const k = Math.ceil((total - now.rows) / period);
  const from = history.at(total - period * k);
  const state = from.state.map((value, slot) => value + k * (rows.isTime(slot) ? shift : now.state[slot]! - earlier.state[slot]!));
  const counters = from.counters.map((value, c) => value + k * (now.counters[c]! - earlier.counters[c]!));
  return { state, counters };
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** FNV-1a over the numbers' bits: a quick filter before comparing states value by value. */
function hash(values: Float64Array): number {
  // Signed words and a signed start: every value stays an int32, which V8 keeps unboxed (the
  // unsigned ones deoptimised it, 'lost precision', once per worker).
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
  return h >>> 0;
}
