import { runSdpa } from '../designs/sdpa/run.js';
import { DESIGNS } from '../designs/sdpa/design.js';
import { publishedCycles } from '../reports/published.js';
import { formatCount, formatTable } from '../reports/table.js';
import { EXIT_OK } from './errors.js';
import type { Command } from 'commander';

export const DEMO_N = 64;
export const DEMO_SWEEP = [16, 32, 64, 128, 256];

export function registerDemo(program: Command, setExit: (code: number) => void): void {
  program
    .command('demo')
    .description('both designs next to the published cycle counts, and memory over N (what damflow runs without arguments)')
    .exitOverride()
    .action(async () => setExit(await demoCommand()));
}

export async function demoCommand(): Promise<number> {
  console.log(`Both designs at N = ${DEMO_N}, d = 1, published latencies and capacities:\n`);
  const rows: string[][] = [];
  for (const design of DESIGNS) {
    const result = await runSdpa({ design, n: DEMO_N, workers: 1 });
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
  const sweep: string[][] = [];
  for (const n of DEMO_SWEEP) {
    const naive = (await runSdpa({ design: 'naive', n, workers: 1 })).intermediateMemory;
    const modified = (await runSdpa({ design: 'modified', n, workers: 1 })).intermediateMemory;
    sweep.push([
      String(n),
      formatCount(naive.capacity),
      formatCount(naive.peakOccupancy),
      formatCount(modified.capacity),
      formatCount(modified.peakOccupancy),
    ]);
  }
  console.log(formatTable(['N', 'naive capacity', 'naive peak', 'modified capacity', 'modified peak'], sweep));
  console.log('\nThe naive design must buffer a whole score row (the long FIFO): its memory grows with N.');
  console.log('The modified design keeps running max and sum instead: its memory stays constant.');
  return EXIT_OK;
}
