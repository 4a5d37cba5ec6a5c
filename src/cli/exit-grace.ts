/** How long a finished command may wait for connections it has let go of to close. */
const GRACE_MS = 1000;

/**
 * Ends the process GRACE_MS from now if it has not ended by itself (the timer keeps nothing
 * alive): BullMQ's own connections to a broker that went away go on retrying after they are
 * closed, and a stopped worker or an interrupted sweep must not wait for them.
 */
export function exitAfterGrace(): void {
  setTimeout(() => process.exit(), GRACE_MS).unref();
}
