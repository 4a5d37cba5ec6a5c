#!/usr/bin/env node
/**
 * `node bench/sweep-passes.mjs [--workers W] [--passes P] [--file SWEEP]`: the 64-job benchmark
 * sweep (bench/sweep-64.yaml) run P times over on one local pool in this process, each pass's
 * wall and CPU time (this thread and the pool's). The first pass is what `damflow sweep` does;
 * the later ones run the same jobs on threads whose code V8 has already optimised: the
 * difference is what the sweep spends compiling (each worker thread compiles its own code).
 * Build first (`npx tsc -p .`).
 */
import { fileURLToPath } from 'node:url';
import { readSweepFile } from '../dist/sweep/sweep-file.js';
import { expandSweep, parseSweepSpec } from '../dist/sweep/sweep-spec.js';
import { JobPool } from '../dist/sweep/job-pool.js';
import { runOnPool } from '../dist/sweep/pool-sweep.js';
import { readOptions } from './options.mjs';

const options = readOptions('Usage: node bench/sweep-passes.mjs [--workers W] [--passes P] [--file SWEEP] (after a build)', {
  '--workers': { min: 1, integer: true },
  '--passes': { min: 1, integer: true },
  '--file': 'text',
});
const workers = options['--workers'] ?? 1;
const passes = options['--passes'] ?? 3;
const file = options['--file'] ?? fileURLToPath(new URL('./sweep-64.yaml', import.meta.url));

const { jobs } = expandSweep(parseSweepSpec(readSweepFile(file), file), file);
const pool = new JobPool(workers);
for (let pass = 1; pass <= passes; pass++) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await runOnPool(pool, jobs, () => {});
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - started;
  console.log(
    `${jobs.length} jobs, ${workers} worker(s), pass ${pass}: ${ms.toFixed(0)} ms, CPU ${((used.user + used.system) / 1000).toFixed(0)} ms`,
  );
}
await pool.close();
