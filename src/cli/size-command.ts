import { refuseUnrunnable } from '../designs/sdpa/runnable.js';
import { refuseWhatCannotFit, sizingCost } from '../designs/sdpa/cost.js';
import { DESIGN_DEFS, splitHeadScoped } from '../designs/sdpa/design.js';
import { JobPool } from '../sweep/job-pool.js';
import { SizingFailed, sizeChannels } from '../sweep/sizing.js';
import { formatSizing } from '../reports/size-report.js';
import { sizeChart } from '../reports/size-chart.js';
import { arg, collectAssignment, parseCapacity, parsePositiveInt, parseWorkers, refuseRepeatedOptions } from './args.js';
import { addShapeOptions, addUnitOptions } from './sdpa-options.js';
import { EXIT_OK, EXIT_RUN_ERROR, UsageError } from './errors.js';
import { CHART_EXTENSIONS, checkChartFile } from './chart-option.js';
import type { Command } from 'commander';
import type { DesignName } from '../designs/sdpa/design.js';

export interface SizeOptions {
  design?: DesignName;
  n?: number;
  d: number;
  heads: number;
  seed?: number;
  uniformDepth?: number;
  depth?: Record<string, number | null>;
  latency?: Record<string, number>;
  ii?: Record<string, number>;
  workers: number | 'auto';
  plot?: string;
  json?: boolean;
}

export function registerSize(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('size')
    .description('the smallest capacity of each intermediate FIFO that keeps full throughput, and that avoids deadlock');
  addShapeOptions(command, 'design to size')
    .option(
      '--uniform-depth <K>',
      'every other channel capacity K',
      arg((v) => parsePositiveInt(v, 'uniform depth')),
    )
    .option(
      '--depth <CHANNEL=K>',
      'capacity of one channel (or unbounded) while the others are searched (repeatable)',
      arg(collectAssignment('depth', parseCapacity)),
    );
  addUnitOptions(command)
    .option('--workers <W>', "threads of the local pool the searches run on, or 'auto'", arg(parseWorkers), 'auto')
    .option('--plot <FILE>', `capacity against cycles for each channel (${CHART_EXTENSIONS.join(' or ')})`, arg(checkChartFile))
    .option('--json', 'print one JSON object to stdout')
    .exitOverride()
    .action(async (options: SizeOptions) => setExit(await sizeCommand(options)));
  refuseRepeatedOptions(command, ['--depth', '--latency', '--ii']);
}

/**
 * A searched channel's capacity is one for every head: a head's own (`h1/qk`) would be dropped
 * by the search of that channel and kept by the others', and the table would show neither.
 */
function refuseHeadCapacities(design: DesignName, depth: Record<string, number | null> | undefined): void {
  for (const key of Object.keys(depth ?? {})) {
    const channel = splitHeadScoped(key)?.name;
    if (channel !== undefined && DESIGN_DEFS[design].channels.some((c) => c.name === channel && c.intermediate))
      throw new UsageError(`--depth ${key}: size searches '${channel}' on every head at once; give --depth ${channel}=K, or leave it out`);
  }
}

export async function sizeCommand(options: SizeOptions): Promise<number> {
  if (options.design === undefined) throw new UsageError('--design is required (naive or modified)');
  if (options.n === undefined) throw new UsageError('--n is required');
  const { design, n, d, heads, seed, uniformDepth, depth, latency, ii } = options;
  refuseHeadCapacities(design, depth);
  // Each search runs the timing of this configuration at other capacities, unbounded too, and
  // each worker one at a time.
  const resolved = refuseUnrunnable({ design, n, d, heads, seed, uniformDepth, depth, latency, ii, timingOnly: true, workers: 1 });
  refuseUnrunnable({ design, n, d, heads, seed, latency, ii, unbounded: true, timingOnly: true, workers: 1 });
  const cost = sizingCost(resolved, JobPool.threads(options.workers));
  refuseWhatCannotFit(cost);
  const pool = new JobPool(options.workers);
  const started = performance.now();
  let report;
  try {
    report = await sizeChannels({ design, n, d, heads, seed, uniformDepth, depth, latency, ii }, (job) => pool.run(job));
  } catch (error) {
    if (!(error instanceof SizingFailed)) throw error;
    console.error(`damflow: sizing failed: ${error.message}`);
    return EXIT_RUN_ERROR;
  } finally {
    await pool.close();
  }
  const wallSeconds = (performance.now() - started) / 1000;
  if (options.json)
    console.log(JSON.stringify({ ...report, workers: pool.workers, wallSeconds, estimate: { memoryBytes: cost.bytes } }, null, 2));
  else {
    console.log(formatSizing(report));
    console.log(`${report.runs} runs on ${pool.workers} worker(s) (${wallSeconds.toFixed(2)} s)`);
  }
  if (options.plot !== undefined) {
    // Vega loads only for a chart: it takes half a second.
    const { writeChart } = await import('../reports/render-chart.js');
    const title = `damflow size: ${design} N = ${n}`;
    await writeChart(options.plot, sizeChart(report, title), title, formatSizing(report));
    if (!options.json) console.log(`chart: ${options.plot}`);
  }
  return EXIT_OK;
}
