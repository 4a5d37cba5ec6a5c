/**
 * The sweep benchmark's section of RESULTS.md, from results/sweep.json: written by
 * bench/sweep.mjs when it measures, and by bench/run.mjs when it rewrites RESULTS.md.
 */
import { fmtMs, markdownTable } from './lib.mjs';

export const SWEEP_HEADING = '## Sweeps and sizing';

export function sweepSection(report) {
  const { machine, speedup, sizes } = report;
  const md = [SWEEP_HEADING, ''];
  md.push(
    `Measured by \`${report.command}\` on ${report.date} (${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}; load average ${report.loadBefore.map((l) => l.toFixed(2)).join(' / ')} at start, ${report.loadAfter.map((l) => l.toFixed(2)).join(' / ')} at end; two processes running a plain streaming-SDPA loop (N = 2048) ran ${report.parallelCapacity.map((c) => `${c.toFixed(2)}x`).join(' and ')} as fast as one, before and after: the cores free to the benchmark for this arithmetic); raw figures in [results/sweep.json](results/sweep.json). Whole processes (\`damflow sweep\`, \`damflow size\`), node start-up included.`,
    '',
  );
  md.push(
    markdownTable(
      ['target', 'result', 'figures'],
      [
        [
          `\`damflow sweep bench/sweep-64.yaml\` (${speedup.jobs} configurations): 2 workers ≥ 1.8x faster than 1`,
          speedup.speedup >= 1.8 ? '**PASS**' : '**MISS**',
          `${fmtMs(speedup.oneWorkerMs)} at 1 worker, ${fmtMs(speedup.twoWorkersMs)} at 2: ${speedup.speedup.toFixed(2)}x; faster of ${speedup.oneMs.length} alternating processes each (1: ${speedup.oneMs.map(fmtMs).join(', ')}; 2: ${speedup.twoMs.map(fmtMs).join(', ')}); ${speedup.ok} ok, ${speedup.deadlock} deadlock, results identical at 1 and 2 workers${speedup.oneWorkerCores === undefined ? '' : `; cores used (CPU time / wall): ${speedup.oneWorkerCores.toFixed(2)} at 1 worker, ${speedup.twoWorkersCores.toFixed(2)} at 2`}`,
        ],
        ...sizes.map((s) => [
          `\`damflow size --design ${s.design} --n ${s.n}\`: minima a check confirms`,
          s.confirmed ? '**PASS**' : '**MISS**',
          `${fmtMs(s.wallMs)}, ${s.runs} runs on ${s.workers} workers; unbounded ${s.unboundedCycles.toLocaleString('en-US')} cycles; minima ${s.minima}; intermediate memory ${s.memory.configured} configured -> ${s.memory.minimum}`,
        ]),
      ],
    ),
    '',
    ...(speedup.twoWorkersCores === undefined
      ? []
      : [
          `Cores: the 2-worker sweep had ${speedup.twoWorkersCores.toFixed(2)} of 2 (CPU time / wall), the rest held by other loads; a single-worker sweep already uses ${speedup.oneWorkerCores.toFixed(2)}: V8's background threads (GC, and compiling each design's generated rows: a worker keeps 64, the sweep makes 36) work beside the worker. With the same CPU in all, an idle machine would bound the ratio near 2 / ${speedup.oneWorkerCores.toFixed(2)} = ${(2 / speedup.oneWorkerCores).toFixed(2)}x. The jobs of one shape (design, N, d, heads, seed) check their shared outputs once (since 8789031), and the unbounded naive runs are extrapolated (since abd6dcb; they were simulated row by row, the sweep's longest jobs): what is left is short jobs, whose threads compile as much as they run (\`node --trace-opt\` on a 1-worker sweep: 3.2-5.7 s of TurboFan time beside about 3 s of the worker's own; bench/PROFILE.md).`,
          '',
        ]),
    'Confirmed: each full-throughput minimum gives the unbounded cycles, one below it does not (or deadlocks), and the joint run at every minimum gives the unbounded cycles (runs of the benchmark itself, `runSdpa` in its own process).',
    '',
  );
  return md;
}
