import { readFileSync } from 'node:fs';
import { UnitError } from '../kernel/errors.js';
import { runSdpa } from '../designs/sdpa/run.js';
import { EXIT_OK, EXIT_RUN_ERROR, UsageError, oneLine } from './errors.js';
import type { SdpaConfig } from '../designs/sdpa/design.js';

export interface CheckCase {
  readonly name: string;
  readonly config: SdpaConfig;
  readonly expectedCycles: number;
}

const CONFIG_KEYS = ['design', 'n', 'd', 'heads', 'seed', 'latency', 'ii', 'depth', 'uniformDepth', 'unbounded'];

/** Parses a check file; the design itself validates the values when each case runs. */
export function readCheckFile(file: string): CheckCase[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read check file '${file}': ${error instanceof Error ? error.message : String(error)}`);
  }
  const cases = (data as { cases?: unknown } | null)?.cases;
  if (!Array.isArray(cases)) throw new UsageError(`check file '${file}' must be an object with a 'cases' array`);
  return cases.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new UsageError(`case ${i} is not an object`);
    const { name, expectedCycles, ...config } = entry as Record<string, unknown>;
    for (const key of Object.keys(config)) {
      if (!CONFIG_KEYS.includes(key)) throw new UsageError(`case ${i}: unknown field '${key}'`);
    }
    if (typeof expectedCycles !== 'number') throw new UsageError(`case ${i}: expectedCycles must be a number`);
    if (name !== undefined && typeof name !== 'string') throw new UsageError(`case ${i}: name must be a string`);
    const label = name ?? `${String(config['design'])} N=${String(config['n'])}`;
    return { name: label, config: config as unknown as SdpaConfig, expectedCycles };
  });
}

export async function checkCommand(file: string): Promise<number> {
  const cases = readCheckFile(file);
  let failed = 0;
  for (const c of cases) {
    let got: string;
    try {
      const result = await runSdpa(c.config);
      got = result.status === 'ok' ? String(result.cycles) : `${result.status} at ${result.cycles} cycles`;
    } catch (error) {
      if (!(error instanceof UnitError)) throw error;
      got = `run error (${oneLine(error.message)})`;
    }
    if (got === String(c.expectedCycles)) {
      console.log(`ok ${c.name} ${got}`);
    } else {
      failed++;
      console.log(`FAIL ${c.name}: expected ${c.expectedCycles}, got ${got}`);
    }
  }
  return failed === 0 ? EXIT_OK : EXIT_RUN_ERROR;
}
