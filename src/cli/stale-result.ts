import { runSdpa } from '../designs/sdpa/run.js';
import { UsageError } from './errors.js';
import type { ReportRun } from '../reports/report-page.js';

/**
 * What a run's result holds that its configuration does not fix, or that the timing alone does
 * not give again: the configuration itself (the run is made from it), how it ran (engine,
 * workers, placement, execution: the figures are the same whatever they were), the machine's
 * time (wallSeconds), and maxError, fixed by the configuration but by its values, which only a
 * whole run computes again (90 s where the timing takes half a second at N = 8192, d = 64),
 * while the page's timeline is the timing's alone. Everything else is compared.
 */
const NOT_COMPARED: ReadonlySet<string> = new Set([
  'config',
  'engine',
  'workers',
  'placement',
  'execution',
  'wallSeconds',
  'maxError',
  'outputs',
]);

/**
 * Refuses a run whose figures are not what its configuration gives here: its timeline, drawn
 * by running the configuration again, would sit beside figures it contradicts (a file edited,
 * or made by a damflow whose timing differs). The timing alone is run again (--timing-only)
 * and the file's result compared with it field by field (status, cycles, every unit's and
 * channel's figures, intermediateMemory, the deadlock report), one line naming the first that
 * differs.
 */
export async function refuseStaleRun(run: ReportRun, file: string, signal: AbortSignal): Promise<void> {
  const again = await runSdpa({ ...run.config, timingOnly: true }, { signal });
  const differences: string[] = [];
  for (const [field, value] of Object.entries(again)) {
    if (!NOT_COMPARED.has(field)) compare((run as unknown as Record<string, unknown>)[field], value, field, differences);
  }
  if (differences.length === 0) return;
  const more = differences.length > 1 ? ` (and ${differences.length - 1} more)` : '';
  throw new UsageError(
    `result file '${file}' does not match its configuration as this damflow runs it: ${differences[0]}${more}. Was it edited, or made by another version? (--no-timeline draws its figures without running it again)`,
  );
}

/**
 * Adds to `differences` where the file's value differs from the run's, as 'PATH: FILE'S in the
 * file, RUN'S here'. A field the file leaves out is not compared (a sweep's record has no units
 * nor channels, and the page shows none); a list is compared entry by entry and in length (a
 * channel or a blocked unit removed is a figure changed).
 */
function compare(theirs: unknown, ours: unknown, path: string, differences: string[]): void {
  if (theirs === undefined) return;
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
      const at = `${path}[${i}]${labelOf(ours[i] ?? theirs[i])}`;
      if (i >= theirs.length) differences.push(`${at}: not in the file`);
      else if (i >= ours.length) differences.push(`${at}: in the file, not here`);
      else compare(theirs[i], ours[i], at, differences);
    }
  } else if (isRecord(ours) && isRecord(theirs)) {
    for (const [field, value] of Object.entries(ours)) compare(theirs[field], value, `${path}.${field}`, differences);
  } else if (theirs !== ours) {
    // Two values, or a list or an object against what is not one.
    differences.push(`${path}: ${shown(theirs)} in the file, ${shown(ours)} here`);
  }
}

/** A list entry's name, which says more than its index: ' (h0/long)'. */
function labelOf(entry: unknown): string {
  if (!isRecord(entry)) return '';
  const { unit, head, name } = entry;
  if (typeof unit === 'string') return ` (${unit})`;
  if (typeof name === 'string') return typeof head === 'number' ? ` (h${head}/${name})` : ` (${name})`;
  return '';
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (isRecord(value)) return 'an object';
  return JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
