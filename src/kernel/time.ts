/**
 * Simulated time. Clocks are float64 integers: exact up to 2^53, far past the 2^31 that
 * published runs reach, and cheaper than BigInt on the hot path.
 */
export type Time = number;

/** Largest exact clock value; a clock beyond it would silently lose cycles. */
export const MAX_TIME: Time = Number.MAX_SAFE_INTEGER;
