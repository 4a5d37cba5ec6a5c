#!/usr/bin/env node
/**
 * The 64-job sweep of bench/sweep-64.yaml at 1, 2, 4, 8 and 16 workers (capped at the cores):
 * whole `damflow sweep` processes, each from an empty results file, the best of --rounds
 * (default 2), with the CPU time of the process. For a machine with more cores than this
 * project's 2-core VM, whose two vCPUs give 1.0-1.3x on this arithmetic (bench/cpu-scaling.mjs).
 * Usage: node bench/sweep-scaling.mjs [--rounds R] [--out FILE] (after a build)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, timedCli } from './lib.mjs';

const SWEEP = fileURLToPath(new URL('./sweep-64.yaml', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const rounds = Number(opt('--rounds', 2));
const out = opt('--out', fileURLToPath(new URL('./results/sweep-scaling.json', import.meta.url)));

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
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), loadavg: os.loadavg(), jobs: 64, points }, null, 2)}\n`,
);
process.stderr.write(`${points.map((p) => `${p.workers}: ${p.speedup.toFixed(2)}x`).join(', ')}\n`);
