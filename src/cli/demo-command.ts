import { resolve } from 'node:path';
import { runSdpa } from '../designs/sdpa/run.js';
import { DESIGNS } from '../designs/sdpa/design.js';
import { publishedCycles } from '../reports/published.js';
import { formatCount, formatTable } from '../reports/table.js';
import { expandSweep } from '../sweep/sweep-spec.js';
import { JobPool } from '../sweep/job-pool.js';
import { runOnPool } from '../sweep/pool-sweep.js';
import { sweepChart } from '../reports/sweep-chart.js';
import { arg, refuseRepeatedOptions } from './args.js';
import { checkChartFile } from './chart-option.js';
import { EXIT_OK } from './errors.js';
import type { Command } from 'commander';
import type { JobRecord } from '../sweep/sweep-job.js';

export const DEMO_N = 64;
export const DEMO_SWEEP = [16, 32, 64, 128, 256];
/** Where the demo draws its sweep: the current directory, as a user running `npm start` expects to find it. */
export const DEMO_CHART = 'damflow-demo.svg';

export function registerDemo(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('demo')
    .description('both designs next to the published cycle counts, and memory over N (what damflow runs without arguments)')
    .option('--plot <FILE>', 'where to draw the sweep (.svg or .html)', arg(checkChartFile), DEMO_CHART)
    .exitOverride()
    .action(async (options: { plot: string }) => setExit(await demoCommand(options.plot)));
  refuseRepeatedOptions(command, []);
}

export async function demoCommand(chartFile = DEMO_CHART): Promise<number> {
  console.log(`Both designs at N = ${DEMO_N}, d = 1, published latencies and capacities:\n`);
  const rows: string[][] = [];
  for (const design of DESIGNS) {
    const result = await runSdpa({ design, n: DEMO_N, workers: 1 }, { interruptible: true });
    const published = publishedCycles(design, DEMO_N);
    rows.push([
      design,
      formatCount(result.cycles),
      published === undefined ? '-' : formatCount(published),
      published === result.cycles ? 'yes' : 'NO',
      result.maxError!.toExponential(1),
    ]);
  }
  console.log(formatTable(['design', 'cycles', 'published', 'match', 'max error'], rows));

  console.log('\nIntermediate memory (elements held by the FIFOs between units) over N:\n');
  // The memory sweep is a sweep: both designs at every N, as jobs on the local pool.
  const { jobs } = expandSweep(
    {
      base: {},
      grid: [
        { axis: 'design', values: ['naive', 'modified'] },
        { axis: 'n', values: DEMO_SWEEP },
      ],
      list: [],
    },
    'demo',
  );
  const records: JobRecord[] = [];
  const pool = new JobPool('auto');
  try {
    await runOnPool(pool, jobs, (r) => records.push(r));
  } finally {
    await pool.close();
  }
  const memory = (design: string, n: number) => records.find((r) => r.config.design === design && r.config.n === n)!.intermediateMemory!;
  const sweep = DEMO_SWEEP.map((n) => {
    const naive = memory('naive', n);
    const modified = memory('modified', n);
    return [
      String(n),
      formatCount(naive.capacity),
      formatCount(naive.peakOccupancy),
      formatCount(modified.capacity),
      formatCount(modified.peakOccupancy),
    ];
  });
  const table = formatTable(['N', 'naive capacity', 'naive peak', 'modified capacity', 'modified peak'], sweep);
  console.log(table);
  // Vega loads only here: every other command is spared half a second of start-up.
  const { writeChart } = await import('../reports/render-chart.js');
  const title = 'damflow demo: both designs over N';
  await writeChart(chartFile, sweepChart(records, title, 'n').spec, title, table);
  console.log('\nThe naive design must buffer a whole score row (the long FIFO): its memory grows with N.');
  console.log('The modified design keeps running max and sum instead: its memory stays constant.');
  console.log(`\nChart (cycles, intermediate memory and peak occupancy against N): ${resolve(chartFile)}`);
  return EXIT_OK;
}
