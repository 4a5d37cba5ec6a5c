import { loadUnitModules } from '../../kernel/registry.js';
import { checkedValues } from '../../engines/compiled/compiled-engine.js';
import { estimateCost, refuseWhatCannotFit } from './cost.js';
import { resolveSdpaConfig, sdpaProgram } from './design.js';
import type { SdpaRunConfig } from './config.js';

/**
 * The largest error of a configuration's outputs against the reference SDPA, computed without
 * its timing, in this thread: over every row, what a run of any configuration with the same
 * outputsKey (outputs-key.ts) reports as maxError. `part`: rows [from, to) of the heads' rows one after another
 * (head 0's, then head 1's; all by default). A wrong output is a UnitError of the sink; a
 * configuration whose run would not fit is refused as runSdpa refuses it.
 */
export async function sdpaMaxError(config: SdpaRunConfig, part?: { readonly from: number; readonly to: number }): Promise<number> {
  const resolved = resolveSdpaConfig(config);
  refuseWhatCannotFit(estimateCost(resolved, { ...config, workers: 1, timingOnly: false }));
  const program = sdpaProgram(resolved);
  await loadUnitModules(program.modules);
  return checkedValues(program, part);
}
