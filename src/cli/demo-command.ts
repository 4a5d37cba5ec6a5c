import { runSdpa } from '../designs/run-sdpa.js';
import { DESIGNS } from '../designs/sdpa-design.js';
import { publishedCycles } from '../reports/published.js';
import { formatCount, formatTable } from '../reports/table.js';
import { EXIT_OK } from './errors.js';

export const DEMO_N = 64;
export const DEMO_SWEEP = [16, 32, 64, 128, 256];

export function demoCommand(): number {
  console.log(`Both designs at N = ${DEMO_N}, d = 1, published latencies and capacities:\n`);
  const rows = DESIGNS.map((design) => {
    const result = runSdpa({ design, n: DEMO_N });
    const published = publishedCycles(design, DEMO_N);
    return [
      design,
      formatCount(result.cycles),
      published === undefined ? '-' : formatCount(published),
      published === result.cycles ? 'yes' : 'NO',
      result.maxError!.toExponential(1),
    ];
  });
  console.log(formatTable(['design', 'cycles', 'published', 'match', 'max error'], rows));

  console.log('\nIntermediate memory (elements held by the FIFOs between units) over N:\n');
  const sweep = DEMO_SWEEP.map((n) => {
    const [naive, modified] = DESIGNS.map((design) => runSdpa({ design, n }).intermediateMemory);
    return [String(n), formatCount(naive!.capacity), formatCount(naive!.peakOccupancy), formatCount(modified!.capacity), formatCount(modified!.peakOccupancy)];
  });
  console.log(formatTable(['N', 'naive capacity', 'naive peak', 'modified capacity', 'modified peak'], sweep));
  console.log('\nThe naive design must buffer a whole score row (the long FIFO): its memory grows with N.');
  console.log('The modified design keeps running max and sum instead: its memory stays constant.');
  return EXIT_OK;
}
