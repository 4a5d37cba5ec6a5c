import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';

/** How a trace or a report names a run: 'naive N=64 d=1 (1 head)'. */
export function resultTitle(config: ResolvedSdpaConfig): string {
  return `damflow ${config.design} N=${config.n} d=${config.d} (${config.heads} head${config.heads === 1 ? '' : 's'})`;
}

/** How a report names a sweep: 'damflow sweep: 24 runs'. */
export function sweepTitle(runs: number): string {
  return `damflow sweep: ${runs} runs`;
}
