import type { Time } from './time.js';

/**
 * Spec section 1, enqueue step 2: the time of an element enqueued at the sender's clock `now`
 * (after any wait for room) with stamp `stamp`. Every kind of channel applies it through this
 * function, which is small enough that V8 always inlines it.
 */
export function elementTime(stamp: Time, now: Time, sendLatency: Time): Time {
  const earliest = now + sendLatency;
  return stamp > earliest ? stamp : earliest;
}
