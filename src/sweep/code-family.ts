import type { SdpaRunConfig } from '../designs/sdpa/config.js';
import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';

/**
 * What a job's compiled timing rows depend on besides its numbers: the design, d, and each
 * channel's kind, which changes the code of its operations (unbounded: no wait for room; one
 * slot; acknowledgements in the ring, up to HandoffChannel's 4,096; beyond). Only a preference
 * of where a job runs: a family named wrong costs compiling, never a result.
 */
export function codeFamily(config: ResolvedSdpaConfig): string {
  const kinds = Object.values(config.depth).map((c) => (c === null ? 'u' : c === 1 ? '1' : c <= 4096 ? 'r' : 'b'));
  return `${config.design}, d = ${config.d}, ${kinds.join('')}`;
}

/** What a check of a configuration's outputs compiles: the values rows of its design at its d. */
export function valuesFamily(config: SdpaRunConfig): string {
  return `values of ${config.design}, d = ${config.d ?? 1}`;
}
