#!/usr/bin/env node
/**
 * The 64-job sweep of bench/sweep-64.yaml at 1, 2, 4, 8 and 16 workers (capped at the cores):
 * whole `damflow sweep` processes, each from an empty results file, the best of --rounds
 * (default 2), with the CPU time of the process. For a machine with more cores than this
 * project's 2-core VM, whose two vCPUs give 1.0-1.3x on this arithmetic (bench/cpu-scaling.mjs).
 * Writes its figures to --out FILE (the device scripts give one); without it, prints them: a
 * default of results/sweep-scaling.json had put 2-core figures over the 16-core ones recorded.
 * Usage: node bench/sweep-scaling.mjs [--rounds R] [--out FILE] (after a build)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, timedCli } from './lib.mjs';
import { readOptions } from './options.mjs';

const SWEEP = fileURLToPath(new URL('./sweep-64.yaml', import.meta.url));
const options = readOptions('Usage: node bench/sweep-scaling.mjs [--rounds R] [--out FILE] (after a build)', {
  '--rounds': { min: 1, integer: true },
  '--out': 'text',
});
const rounds = options['--rounds'] ?? 2;
const out = options['--out'] ?? null;

/** One whole sweep on `workers` threads, from an empty results file: wall and CPU milliseconds. */
function sweepOnce(workers) {
  const dir = mkdtempSync(join(os.tmpdir(), 'damflow-sweep-scaling-'));
  try {
    return timedCli('sweep', SWEEP, '--workers', String(workers), '--results', join(dir, 'r.jsonl'), '--quiet');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const counts = [1, 2, 4, 8, 16].filter((w) => w <= os.availableParallelism());
const points = [];
for (const workers of counts) {
  const runs = Array.from({ length: rounds }, () => sweepOnce(workers));
  const best = runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  points.push({ workers, wallMs: best.wallMs, cpuMs: best.cpuMs, walls: runs.map((r) => r.wallMs) });
  process.stderr.write(`${workers} worker(s): ${(best.wallMs / 1000).toFixed(2)} s, ${(best.cpuMs / best.wallMs).toFixed(2)} cores\n`);
}
for (const p of points) p.speedup = points[0].wallMs / p.wallMs;
const figures = `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), loadavg: os.loadavg(), jobs: 64, points }, null, 2)}\n`;
if (out === null) process.stdout.write(figures);
else writeFileSync(out, figures);
process.stderr.write(`${points.map((p) => `${p.workers}: ${p.speedup.toFixed(2)}x`).join(', ')}\n`);
