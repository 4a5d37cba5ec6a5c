import { readFileSync } from 'node:fs';
import { interrupted, interruption } from '../engines/interruption.js';
import { resolveSdpaConfig } from '../designs/sdpa/design.js';
import { resultTitle, sweepTitle } from '../reports/result-title.js';
import { refuseRepeatedOptions } from './args.js';
import { EXIT_OK, UsageError } from './errors.js';
import { writeFileAtomically } from '../files/atomic-write.js';
import { checkPageWritable, refuseSharedFiles } from './output-file.js';
import { refuseStaleRun } from './stale-result.js';
import { runShapeError } from './report-run-shape.js';
import { addTraceOptions, recordSdpaTimeline, refuseTimelineOf, refuseTraceBoundsWithoutTimeline } from './trace-options.js';
import type { Command } from 'commander';
import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';
import type { ReportRun } from '../reports/report-page.js';
import type { TraceOptions } from './trace-options.js';

interface ReportOptions extends TraceOptions {
  out?: string;
  timeline: boolean;
}

export function registerReport(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('report')
    .description("write one self-contained HTML page from a run's --json result (or a sweep's results, one JSON object a line)")
    .argument('<RESULT>', "a 'damflow run --json' result; a JSON array of results, or JSON lines, make a sweep's report")
    .option('--out <FILE>', 'the page to write (default: RESULT with .html)')
    .option('--no-timeline', 'no occupancy over time (it runs the configuration again, in this thread, as far as the trace window)');
  addTraceOptions(command)
    .exitOverride()
    .action(async (file: string, options: ReportOptions) => setExit(await reportCommand(file, options)));
  refuseRepeatedOptions(command, []);
}

/** Writes the page; SIGINT or SIGTERM while it records or draws is one line and exit 130, as for a run. */
async function reportCommand(file: string, options: ReportOptions): Promise<number> {
  const stopping = interruption({ interruptible: true });
  try {
    return await Promise.race([writeReport(file, options, stopping.signal), interrupted(stopping.signal, 'report interrupted')]);
  } finally {
    stopping.release();
  }
}

async function writeReport(file: string, options: ReportOptions, signal: AbortSignal): Promise<number> {
  const out = options.out ?? `${file.replace(/\.jsonl?$/i, '')}.html`;
  refuseSharedFiles([
    { path: file, what: 'the result file', writes: false },
    { path: out, what: options.out === undefined ? 'the page (RESULT with .html)' : '--out', writes: true },
  ]);
  checkPageWritable(out, '--out');
  if (!options.timeline) refuseTraceBoundsWithoutTimeline(options, '--no-timeline draws none');
  const runs = readRuns(file);
  // A sweep's page draws memory against N: the bounds had been taken, and ignored without a word.
  if (runs.length > 1) refuseTraceBoundsWithoutTimeline(options, "a sweep's page draws none");
  const first = runs[0]!;
  if (runs.length === 1 && options.timeline) refuseTimelineOf(first.config, options, '--no-timeline');
  // A sweep's page draws memory against N; occupancy over time is one run's.
  if (runs.length === 1 && options.timeline) await refuseStaleRun(first, file, signal);
  const timeline = runs.length === 1 && options.timeline ? await recordSdpaTimeline(first.config, options) : null;
  const title = runs.length === 1 ? resultTitle(first.config) : sweepTitle(runs.length);
  // Vega takes about half a second to load: loaded when a report is written, not for every command.
  const { reportPage } = await import('../reports/report-page.js');
  writeFileAtomically(out, await reportPage({ title, runs, timeline, signal }));
  // Said, as sweep --report says it: without --out the page's name is made from RESULT's.
  console.log(`report: ${out}`);
  return EXIT_OK;
}

/**
 * The runs in a result file: one JSON object (a run), a JSON array, or JSON lines (a sweep's
 * records). Each needs a configuration damflow can resolve, a status and its cycles.
 */
function readRuns(file: string): ReportRun[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read result file '${file}': ${error instanceof Error ? error.message : String(error)}`);
  }
  let values: unknown[];
  try {
    const whole: unknown = JSON.parse(text);
    values = Array.isArray(whole) ? whole : [whole];
  } catch {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    values = lines.map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new UsageError(`result file '${file}' is neither JSON nor JSON lines (line ${i + 1})`);
      }
    });
  }
  if (values.length === 0) throw new UsageError(`result file '${file}' holds no run`);
  // A sweep's records are written as jobs finish: shown in job order, as the sweep shows them,
  // and those of jobs an edit of the sweep file removed (numbered null) after them.
  const index = (v: unknown): unknown => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)['index'] : undefined);
  const place = (v: unknown): number => (index(v) === null ? Number.MAX_SAFE_INTEGER : (index(v) as number));
  if (values.every((v) => typeof index(v) === 'number' || index(v) === null)) values.sort((a, b) => place(a) - place(b));
  return values.map((value, i) => checkedRun(value, `result file '${file}'${values.length > 1 ? ` run ${i}` : ''}`, values.length > 1));
}

/** `sweep`: one of several runs, whose page draws each run's intermediate memory. */
function checkedRun(value: unknown, where: string, sweep: boolean): ReportRun {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${where} is not a JSON object`);
  const run = value as Record<string, unknown>;
  if (typeof run['status'] !== 'string') throw new UsageError(`${where} has no status: is it a 'damflow run --json' result?`);
  if (run['cycles'] !== null && typeof run['cycles'] !== 'number') throw new UsageError(`${where}: cycles must be a number`);
  if (typeof run['config'] !== 'object' || run['config'] === null) throw new UsageError(`${where} has no config`);
  const shape = runShapeError(run, sweep);
  if (shape !== null) throw new UsageError(`${where}: ${shape}`);
  let config: ResolvedSdpaConfig;
  try {
    config = resolveSdpaConfig(run['config'] as ResolvedSdpaConfig);
  } catch (error) {
    throw new UsageError(`${where}: its config cannot be used: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { ...(run as unknown as ReportRun), config };
}
