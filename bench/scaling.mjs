#!/usr/bin/env node
/**
 * The compiled engine's scaling curve: whole `damflow run` processes at 1, 2, 4, 8 and 16
 * workers (capped at the machine's cores) for 16 heads (modified, N = 4096) and for one head
 * (modified, N = 32768), with the speedup over one worker. Issue 13's targets on a 16-core
 * machine: 16 heads at 12x or more, one head at N = 32768 at 8x or more. Each curve closes with
 * a run on default flags, to show what `auto` picks on this machine and that it is not slower.
 * Each point also times, to read the curve against:
 *   - fixed: the same run at N = 64, where the arithmetic is nil (process, pool and compile);
 *   - ceiling (heads curve only): the machine's own ceiling for the same arithmetic, the plain
 *     loop of bench/plain-heads.mjs on as many threads.
 * Usage: node bench/scaling.mjs [--out FILE] [--heads-n N] [--head-n N]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fmtMs, machine, plainHeadsRun, wholeRun } from './lib.mjs';
import { readOptions } from './options.mjs';

const options = readOptions('Usage: node bench/scaling.mjs [--out FILE] [--heads-n N] [--head-n N] (after a build)', {
  '--out': 'text',
  '--heads-n': { min: 64, integer: true },
  '--head-n': { min: 64, integer: true },
});
const out = options['--out'] ?? null;
const cores = os.availableParallelism();
const counts = [1, 2, 4, 8, 16].filter((w) => w <= cores);
const headsN = options['--heads-n'] ?? 4096;
const headN = options['--head-n'] ?? 32768;

const curves = [];
for (const { label, runArgs, n, heads, target } of [
  { label: `16 heads, modified, N = ${headsN}`, runArgs: ['--design', 'modified', '--heads', '16'], n: headsN, heads: 16, target: 12 },
  { label: `one head, modified, N = ${headN}`, runArgs: ['--design', 'modified'], n: headN, heads: 1, target: 8 },
]) {
  const points = [];
  for (const workers of counts) {
    const run = wholeRun([...runArgs, '--n', String(n), '--workers', String(workers)]);
    const fixed = wholeRun([...runArgs, '--n', '64', '--workers', String(workers)]);
    const ceiling = heads > 1 ? plainHeadsRun(n, heads, workers) : null;
    points.push({
      workers,
      wallMs: run.wallMs,
      cycles: run.cycles,
      peakRssMiB: run.peakRssMiB,
      fixedMs: fixed.wallMs,
      ceilingMs: ceiling?.wallMs ?? null,
    });
    process.stderr.write(
      `${label}, ${workers} worker(s): ${fmtMs(run.wallMs)}, ${run.cycles} cycles; fixed ${fmtMs(fixed.wallMs)}${ceiling ? `; plain loop ${fmtMs(ceiling.wallMs)}` : ''}\n`,
    );
  }
  const auto = wholeRun([...runArgs, '--n', String(n)]);
  process.stderr.write(`${label}, default flags: ${fmtMs(auto.wallMs)}, ${auto.engine} on ${auto.workers} worker(s)\n`);
  if (new Set([...points, auto].map((p) => p.cycles)).size !== 1) throw new Error(`${label}: cycles differ between worker counts`);
  const [one] = points;
  for (const p of points) {
    p.speedup = one.wallMs / p.wallMs;
    if (p.ceilingMs !== null) p.ceilingSpeedup = one.ceilingMs / p.ceilingMs;
  }
  const best = points[points.length - 1];
  curves.push({
    label,
    target: `${target}x at ${best.workers} workers`,
    met: best.workers >= 16 ? best.speedup >= target : null,
    points,
    auto: { wallMs: auto.wallMs, engine: auto.engine, workers: auto.workers, speedup: one.wallMs / auto.wallMs },
  });
}

const report = { date: new Date().toISOString(), machine: machine(), loadavg: os.loadavg(), curves };
const point = (p) =>
  `${p.workers}w ${fmtMs(p.wallMs)} (${p.speedup.toFixed(2)}x${p.ceilingSpeedup ? `; plain loop ${p.ceilingSpeedup.toFixed(2)}x` : ''})`;
for (const c of curves) {
  console.log(
    `${c.label}: ${c.points.map(point).join(', ')}; default flags ${fmtMs(c.auto.wallMs)} (${c.auto.speedup.toFixed(2)}x, ${c.auto.workers} workers); target ${c.target}: ${c.met === null ? 'n/a (fewer than 16 cores)' : c.met ? 'PASS' : 'MISS'}`,
  );
}
if (out !== null) writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
