import { estimateCost, refuseWhatCannotFit } from './cost.js';
import { resolveSdpaConfig } from './design.js';
import { refuseInexactClocks } from './exact-clocks.js';
import type { SdpaRunConfig } from './config.js';
import type { ResolvedSdpaConfig } from './design.js';

/**
 * The configuration resolved, or a ProgramError for what runSdpa refuses before it starts: a
 * run whose clocks must pass 2^53 (inexactClocks), or one that cannot fit in memory. Commands
 * that run a configuration many times (size) ask it once, up front.
 */
export function refuseUnrunnable(config: SdpaRunConfig): ResolvedSdpaConfig {
  const resolved = resolveSdpaConfig(config);
  refuseInexactClocks(resolved);
  refuseWhatCannotFit(estimateCost(resolved, config));
  return resolved;
}
