import type { Time } from '../kernel/time.js';

/**
 * What a unit's clock did over a span of simulated time: worked (`incr`), stalled for input
 * (a dequeue or peekNext reached a later element), stalled for room (an enqueue took a later
 * acknowledgement), or waited by its own choice (`advance`).
 */
export type SpanKind = 'busy' | 'input' | 'room' | 'idle';
export const SPAN_KINDS: readonly SpanKind[] = ['busy', 'input', 'room', 'idle'];

export interface TimelineUnit {
  readonly name: string;
  readonly kind: string;
  /** The unit's group (an attention head), or null. */
  readonly group: string | null;
  /** Spans in time order, none overlapping: [from, to) of kind SPAN_KINDS[kinds[i]]. */
  readonly kinds: readonly number[];
  readonly from: readonly Time[];
  readonly to: readonly Time[];
}

export interface TimelineChannel {
  readonly name: string;
  readonly sender: string;
  readonly receiver: string;
  /** The receiver's group, or null. */
  readonly group: string | null;
  readonly capacity: number | null;
  /**
   * Occupancy (spec section 4) from `at[i]` until the next sample: the first at the
   * timeline's start, then one at each instant it changes, the last at its end.
   */
  readonly at: readonly Time[];
  readonly occupancy: readonly number[];
}

/**
 * A run's timeline over [start, end): every unit's spans and every channel's occupancy. One that
 * holds the run's end (status 'ok' or 'deadlock') holds the instants at `end` as well, the run's
 * last: its channels' last samples are their final occupancy.
 */
export interface Timeline {
  readonly start: Time;
  /** Every event before it is in the timeline; at the run's end, every event. */
  readonly end: Time;
  /** The end asked for (Infinity: the run's end), which `cut` or the run's end may bring forward. */
  readonly requestedEnd: Time;
  /**
   * Set when the event cap left events out: the whole timeline asked for would hold more than
   * `maxEvents`, and this one ends at the latest cycle at which it holds no more.
   */
  readonly cut: { readonly maxEvents: number } | null;
  /**
   * 'ok' or 'deadlock' when the run ended before `requestedEnd` (inside the window, or before a
   * window that starts at its end or later: then `end` is `start`); 'paused' when the run has
   * events at `end` or later that the timeline leaves out (a window [0, 196) of a run whose last
   * events are at 196 is paused).
   */
  readonly status: 'ok' | 'deadlock' | 'paused';
  readonly units: readonly TimelineUnit[];
  readonly channels: readonly TimelineChannel[];
  /** Spans and counter samples in all: at most the cap (`maxEvents`). */
  readonly events: number;
}

/** Spans and counter samples in all: what a trace of them writes, and what the cap bounds. */
export function timelineEvents(units: readonly TimelineUnit[], channels: readonly TimelineChannel[]): number {
  let events = 0;
  for (const unit of units) events += unit.kinds.length;
  for (const ch of channels) events += ch.at.length;
  return events;
}
