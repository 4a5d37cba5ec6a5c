#!/usr/bin/env node
/**
 * `npm run bench:ci`: a short, fixed set of figures. Each figure is measured in 5 fresh
 * processes (--procs), for the check and for the baseline alike; in each, after one uncounted
 * warm-up run, the best of 5 repetitions (--reps) is divided by a calibration loop timed in
 * that process right before and after it (the mean of the two); the best normalised figure
 * over the processes is compared with bench/baseline.json. The repetitions are many because
 * a short run's speed in one process varies by up to 1.8x (V8's tiering), and settles low.
 * Exits 1 when any normalised figure is more than 25% worse than the baseline (2 when there
 * is no baseline). `--write-baseline` (npm run bench:baseline) rewrites the baseline instead.
 * Flags: --procs N (default 5), --reps N (default 5), --tolerance 0.25, --workers N.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { calibrate, machine, mergeProgram, adderTreeProgram, simulate } from './lib.mjs';
import { sdpaProgram } from '../dist/index.js';
import { tokenCostNs } from './micro.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const REPS = opt('--reps', 5);
const TOLERANCE = opt('--tolerance', 0.25);
const WORKERS = opt('--workers', 1);
const writeBaseline = args.includes('--write-baseline');
// The same number of processes for the baseline and the check, so that the best of them is
// drawn alike on both sides and the ratio centres on 1 on an unchanged tree.
const PROCS = opt('--procs', 5);
const baselinePath = fileURLToPath(new URL('./baseline.json', import.meta.url));

async function wallMs(program, engine = 'actors', fastForward = true) {
  const t0 = performance.now();
  const r = await simulate(program, { workers: engine === 'actors' ? WORKERS : 1, engine, fastForward });
  const ms = performance.now() - t0;
  if (r.status !== 'ok' || r.engine !== engine) throw new Error(`run ended in ${r.status} on ${r.engine}`);
  return ms;
}

/** Figures: name -> [unit, one measurement]. Programs are built outside the timing. */
const FIGURES = [
  ['token cost, generator -> sink unbounded (2M tokens)', 'ns/token', () => tokenCostNs(2_000_000, WORKERS)],
  ['SDPA modified N=512 d=1 (published FIFOs)', 'ms', () => wallMs(sdpaProgram({ design: 'modified', n: 512, d: 1, heads: 1, seed: 1 }))],
  [
    'SDPA modified N=512 d=1 (published FIFOs), compiled engine, every row',
    'ms',
    () => wallMs(sdpaProgram({ design: 'modified', n: 512, d: 1, heads: 1, seed: 1 }), 'compiled', false),
  ],
  [
    'SDPA naive N=2048 d=1 (published FIFOs), compiled engine, fast-forward',
    'ms',
    () => wallMs(sdpaProgram({ design: 'naive', n: 2048, d: 1, heads: 1, seed: 1 }), 'compiled', true),
  ],
  ['SDPA naive N=512 d=1 (published FIFOs)', 'ms', () => wallMs(sdpaProgram({ design: 'naive', n: 512, d: 1, heads: 1, seed: 1 }))],
  ['merge 2 x 2^18 timed elements', 'ms', () => wallMs(mergeProgram({ elements: 2 ** 18, copies: 1 }))],
  ['adder tree 1024 leaves x 2^10 (2048 contexts)', 'ms', () => wallMs(adderTreeProgram({ leaves: 1024, elements: 2 ** 10 }))],
];

/** One process's figures: warm-up, then best of REPS, each normalised by this process's calibration. */
async function measureHere() {
  const measured = {};
  let calibrationMs = Infinity;
  for (const [name, unit, run] of FIGURES) {
    await run(); // warm-up, not counted
    // Calibrate right before and right after the figure, so that a busy spell on a shared
    // machine slows the calibration as it slows the figure.
    const before = calibrate(3);
    let best = Infinity;
    for (let r = 0; r < REPS; r++) best = Math.min(best, await run());
    const after = calibrate(3);
    const calibration = (before + after) / 2;
    calibrationMs = Math.min(calibrationMs, before, after);
    measured[name] = { unit, value: best, calibrationMs: calibration, normalised: best / calibration };
  }
  return { calibrationMs, measured };
}

if (args.includes('--child')) {
  process.stdout.write(`RESULT ${JSON.stringify(await measureHere())}\n`);
  process.exit(0);
}

if (!writeBaseline && !existsSync(baselinePath)) {
  console.error(`no ${baselinePath}: run \`npm run bench:baseline\` first`);
  process.exit(2);
}

// JIT decisions differ from one process to the next (more than repetitions within one
// process do), so the figures are measured in PROCS fresh processes and the best kept.
const t0 = performance.now();
const runs = [];
for (let p = 0; p < PROCS; p++) {
  const passOn = ['--reps', String(REPS), '--workers', String(WORKERS)];
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', ...passOn], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || line === undefined) {
    console.error(`bench:ci: measuring process ${p + 1} failed (exit ${child.status})`);
    process.exit(3);
  }
  runs.push(JSON.parse(line.slice('RESULT '.length)));
  process.stderr.write(
    `process ${p + 1}/${PROCS}: ${Object.entries(runs[p].measured)
      .map(([n, f]) => `${n.split(' (')[0]} ${f.value.toFixed(1)} ${f.unit}`)
      .join('; ')}\n`,
  );
}
const calibrationMs = Math.min(...runs.map((r) => r.calibrationMs));
const measured = {};
for (const [name, unit] of FIGURES) {
  const best = runs.map((r) => r.measured[name]).reduce((a, b) => (b.normalised < a.normalised ? b : a));
  measured[name] = {
    unit,
    value: best.value,
    calibrationMs: best.calibrationMs,
    normalised: best.normalised,
    values: runs.map((r) => r.measured[name].value),
  };
}
const totalS = (performance.now() - t0) / 1000;

if (writeBaseline) {
  const baseline = {
    note: 'Written by `npm run bench:baseline`. normalised = value / calibrationMs (the calibration loop timed in the same process); bench:ci fails when a normalised figure is more than 25% above this.',
    createdAt: new Date().toISOString(),
    machine: machine(),
    reps: REPS,
    procs: PROCS,
    workers: WORKERS,
    calibrationMs,
    figures: measured,
  };
  writeFileSync(baselinePath, `${JSON.stringify(baseline, null, 2)}\n`);
  console.log(`wrote ${baselinePath} (calibration ${calibrationMs.toFixed(1)} ms, ${totalS.toFixed(1)} s)`);
  process.exit(0);
}

const baseline = JSON.parse(readFileSync(baselinePath, 'utf8'));
const rows = [['figure', 'unit', 'baseline', 'now', 'baseline norm.', 'now norm.', 'ratio', '']];
let failed = 0;
for (const [name, f] of Object.entries(measured)) {
  const b = baseline.figures?.[name];
  if (!b) {
    rows.push([name, f.unit, '-', f.value.toFixed(2), '-', f.normalised.toFixed(4), '-', 'new (not in baseline)']);
    continue;
  }
  const ratio = f.normalised / b.normalised;
  const bad = ratio > 1 + TOLERANCE;
  if (bad) failed++;
  rows.push([
    name,
    f.unit,
    b.value.toFixed(2),
    f.value.toFixed(2),
    b.normalised.toFixed(4),
    f.normalised.toFixed(4),
    ratio.toFixed(3),
    bad ? `WORSE (> ${(1 + TOLERANCE).toFixed(2)})` : 'ok',
  ]);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const [i, r] of rows.entries()) {
  console.log(r.map((cell, c) => (c === 0 || c === 1 || c === 7 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
console.log(
  `calibration ${calibrationMs.toFixed(1)} ms (baseline ${baseline.calibrationMs.toFixed(1)} ms); best of ${REPS} in each of ${PROCS} processes; ` +
    `normalised = value / calibration; ratio = now / baseline (normalised); ${totalS.toFixed(1)} s`,
);
if (failed > 0) {
  console.log(`bench:ci FAILED: ${failed} figure(s) more than ${(TOLERANCE * 100).toFixed(0)}% worse than bench/baseline.json`);
  process.exit(1);
}
console.log('bench:ci passed');
