import type { ResolvedSdpaConfig } from './design.js';

/**
 * What a configuration's outputs depend on: the design (its arithmetic), N, d, the heads and
 * the seed (Q, K and V). Capacities, latencies and IIs only move times, and no value depends on
 * a time (each unit does its arithmetic in the order its inputs come, whenever they come), so
 * every configuration with the same key has the same outputs, bit for bit, on either engine
 * (test/sweep/shared-values.test.ts runs random ones).
 */
export function outputsKey({ design, n, d, heads, seed }: ResolvedSdpaConfig): string {
  return JSON.stringify([design, n, d, heads, seed]);
}
