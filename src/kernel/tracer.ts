import type { Channel } from './channel.js';
import type { Context } from './context.js';
import type { Time } from './time.js';

/** Why a context's clock moved. */
export const ClockMove = {
  /** `incr`: the unit worked. */
  Busy: 1,
  /** A dequeue or peekNext reached an element stamped later than the clock: stalled for input. */
  Input: 2,
  /** An enqueue took an acknowledgement later than the clock (`Context.roomTime`): stalled for room. */
  Room: 3,
  /** `advance` by the unit itself (a timed source waiting for its next time). */
  Idle: 4,
} as const;
export type ClockMoveKind = (typeof ClockMove)[keyof typeof ClockMove];

/**
 * What a run tells an observer as it goes, in the order the single-thread executor runs it:
 * every move of a context's clock and why, every enqueue and dequeue instant of a channel
 * (spec section 4's instants). Only a run built with one has contexts and channels that call
 * it (TracedContext, TracedChannel): a plain run's operations do not even check for it.
 */
export interface Tracer {
  /** `ctx`'s clock went from `from` to `to` (`to` >= `from`; equal for an `incr(0)`). */
  clockMoved(ctx: Context, why: ClockMoveKind, from: Time, to: Time): void;
  /** An element entered `ch` at the sender's clock `at`, after any wait for room. */
  enqueued(ch: Channel, at: Time): void;
  /** An element left `ch` at the receiver's clock `at`, after the dequeue. */
  dequeued(ch: Channel, at: Time): void;
}
