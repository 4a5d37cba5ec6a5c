/**
 * Why a context is blocked. A context may hold several conditions at once (an arbiter
 * watching several inputs); any one of them being met wakes it, and it re-checks.
 */
export const Wait = {
  /** An element, or the end of stream, on an input channel. */
  Data: 1,
  /** An acknowledgement: the simulated FIFO is full. */
  Room: 2,
  /** Space in the simulator's own buffer: not a simulated wait, the run holds it back. */
  Buffer: 3,
  /** The sender of an input channel to reach a clock value (or an element, or the end). */
  Clock: 4,
} as const;

export type WaitKind = (typeof Wait)[keyof typeof Wait];
