import type { BlockedWait, DeadlockReport } from '../engines/run-result.js';
import type { Time } from '../kernel/time.js';

/**
 * What a unit is doing at a pause: 'finished'; 'waiting' (for data, room or a peer's clock:
 * `waits`); 'paused' (its clock reached the session's cycle: it runs on at the next step);
 * 'held back' (the simulator's own buffer is full; not a wait in simulated time).
 */
export type UnitState = 'finished' | 'waiting' | 'paused' | 'held back';

export interface UnitInspection {
  readonly name: string;
  readonly kind: string;
  readonly clock: Time;
  readonly state: UnitState;
  readonly waits: readonly BlockedWait[];
}

/** An element in a channel: its time and its payload (a number, or a vector's numbers). */
export interface ElementInspection {
  readonly time: Time;
  readonly value: number | readonly number[];
}

export interface ChannelInspection {
  readonly name: string;
  readonly sender: string;
  readonly receiver: string;
  readonly capacity: number | null;
  readonly sent: number;
  readonly received: number;
  /** Elements sent and not yet taken, whatever their times. */
  readonly held: number;
  /**
   * Of the elements held, those the simulator let go of: a channel stranded at a deadlock
   * (Channel.strand), whose receiver will never take them, keeps their count, not them.
   */
  readonly letGo: number;
  /** The oldest elements held after those let go, up to the inspection's limit. */
  readonly elements: readonly ElementInspection[];
  /**
   * Elements occupying the channel in simulated time just before the session's cycle (spec
   * section 4: from the enqueue instant to the dequeue instant, half-open). Once the run is
   * over (resumed, or paused past its end): the elements still held.
   */
  readonly occupancy: number;
}

/** A running program seen at a pause: every unit's clock and wait, every channel's contents. */
export interface Inspection {
  /** Every event before this cycle has happened; once the run is over, its final cycle (RunResult.cycles). */
  readonly cycle: Time;
  /** 'paused': the run goes on at the next call; otherwise it is over. */
  readonly status: 'paused' | 'ok' | 'deadlock';
  /** Elements every sink had taken before `cycle` (an SDPA program's output rows); when the run is over, all of them. */
  readonly rows: number;
  readonly units: readonly UnitInspection[];
  readonly channels: readonly ChannelInspection[];
  readonly deadlock: DeadlockReport | null;
}
