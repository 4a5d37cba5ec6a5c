#!/usr/bin/env node
/**
 * Sweep targets: the 64-configuration sweep of bench/sweep-64.yaml at 1 and 2 workers (whole
 * `damflow sweep` processes, alternating, the faster of each), and `damflow size` for the
 * modified design at N = 512 and the naive design at N = 256 and 4096, each minimum confirmed
 * by runs of this process. Writes results/sweep.json and the sweeps section of RESULTS.md.
 * Usage: npm run bench:sweep (builds first), or node bench/sweep.mjs [--rounds R] after a build
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, timedCli } from './lib.mjs';
import { readOptions } from './options.mjs';
import { SWEEP_HEADING, sweepSection } from './sweep-report.mjs';
import { runSdpa } from '../dist/designs/sdpa/run.js';

const SWEEP = fileURLToPath(new URL('./sweep-64.yaml', import.meta.url));
const OUT = fileURLToPath(new URL('./results/sweep.json', import.meta.url));
const RESULTS_MD = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const rounds =
  readOptions('Usage: npm run bench:sweep (builds first), or node bench/sweep.mjs [--rounds R] after a build', {
    '--rounds': { min: 1, integer: true },
  })['--rounds'] ?? 2;
const log = (s) => process.stderr.write(`${s}\n`);

const figures = (file) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .map(({ hash, status, cycles, intermediateMemory, peaks, maxError }) => ({ hash, status, cycles, intermediateMemory, peaks, maxError }))
    .sort((a, b) => (a.hash < b.hash ? -1 : 1));

function measureSweep() {
  const dir = mkdtempSync(join(os.tmpdir(), 'damflow-bench-sweep-'));
  const oneMs = [];
  const twoMs = [];
  const oneCpuMs = [];
  const twoCpuMs = [];
  let one;
  let two;
  for (let round = 0; round < rounds; round++) {
    for (const workers of [1, 2]) {
      const results = join(dir, `r${round}-w${workers}.jsonl`);
      log(`sweep: 64 configurations, ${workers} worker(s), round ${round + 1}/${rounds} ...`);
      const { wallMs, cpuMs } = timedCli('sweep', SWEEP, '--results', results, '--workers', String(workers), '--quiet');
      (workers === 1 ? oneMs : twoMs).push(wallMs);
      (workers === 1 ? oneCpuMs : twoCpuMs).push(cpuMs);
      if (workers === 1) one = figures(results);
      else two = figures(results);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  if (JSON.stringify(one) !== JSON.stringify(two)) throw new Error('the sweep gave different figures at 1 and 2 workers');
  const oneWorkerMs = Math.min(...oneMs);
  const twoWorkersMs = Math.min(...twoMs);
  const count = (status) => one.filter((r) => r.status === status).length;
  // Cores each process used (CPU / wall) in its fastest run: a single-worker sweep uses more than one.
  const cores = (ms, cpu) => cpu[ms.indexOf(Math.min(...ms))] / Math.min(...ms);
  return {
    jobs: one.length,
    oneWorkerMs,
    twoWorkersMs,
    oneMs,
    twoMs,
    oneCpuMs,
    twoCpuMs,
    oneWorkerCores: cores(oneMs, oneCpuMs),
    twoWorkersCores: cores(twoMs, twoCpuMs),
    speedup: oneWorkerMs / twoWorkersMs,
    ok: count('ok'),
    deadlock: count('deadlock'),
  };
}

/** The size command, and a check of its minima by runs of this process. */
async function measureSize(design, n) {
  log(`size: ${design} N=${n} ...`);
  const { wallMs, stdout } = timedCli('size', '--design', design, '--n', String(n), '--json');
  const report = JSON.parse(stdout);
  const timing = (extra) => runSdpa({ design, n, workers: 1, timingOnly: true, ...extra });
  const unbounded = (await timing({ unbounded: true })).cycles;
  let confirmed = unbounded === report.unboundedCycles;
  for (const c of report.channels) {
    const at = await timing({ depth: { [c.channel]: c.fullThroughput } });
    confirmed &&= at.status === 'ok' && at.cycles === unbounded;
    if (c.fullThroughput > 1) {
      const below = await timing({ depth: { [c.channel]: c.fullThroughput - 1 } });
      confirmed &&= below.status !== 'ok' || below.cycles !== unbounded;
    }
  }
  const joint = await timing({ depth: report.joint.depth });
  confirmed &&= joint.status === 'ok' && joint.cycles === unbounded;
  return {
    design,
    n,
    wallMs,
    runs: report.runs,
    workers: report.workers,
    unboundedCycles: report.unboundedCycles,
    minima: report.channels.map((c) => `${c.channel} ${c.fullThroughput}`).join(', '),
    channels: report.channels,
    joint: report.joint,
    memory: report.memory,
    confirmed,
  };
}

/**
 * How many cores this process can have now: one CPU-bound process, then two at once; 2.0 on an
 * idle 2-core machine, 1.0 when another load holds a core. On a shared VM it tells whether a
 * worker speedup could be seen at all while it was measured.
 */
/**
 * How much faster two processes doing the sweep's kind of arithmetic finish than one doing
 * half (a plain streaming-SDPA loop, N = 2048, from bench/lib.mjs): the cores free to the
 * benchmark for this work. An integer spin loop reads near 2 on this VM while this reads
 * 1.0 to 1.3: its two vCPUs do not give two cores' worth of floating-point work.
 */
function parallelCapacity() {
  const lib = new URL('./lib.mjs', import.meta.url).href;
  const work = `import { plainSdpa, sdpaInputs } from '${lib}'; const x = sdpaInputs(2048, 1, 1, 1); for (let r = 0; r < 4; r++) plainSdpa(x, 2048, 1);`;
  const wall = (count) => {
    const started = performance.now();
    const children = Array.from({ length: count }, () => spawn(process.execPath, ['--input-type=module', '-e', work], { stdio: 'ignore' }));
    return Promise.all(children.map((c) => new Promise((resolve) => c.on('exit', resolve)))).then(() => performance.now() - started);
  };
  return wall(1).then(async (one) => (2 * one) / (await wall(2)));
}

const loadBefore = os.loadavg();
const capacityBefore = await parallelCapacity();
log(`parallel capacity now: ${capacityBefore.toFixed(2)} cores`);
const speedup = measureSweep();
const capacityAfter = await parallelCapacity();
// The issue's two, and a larger one whose searches deadlock often (each deadlocked run's
// sources send their N^2 rows after the deadlock: at once since b7f6587).
const sizes = [await measureSize('modified', 512), await measureSize('naive', 256), await measureSize('naive', 4096)];
const report = {
  date: new Date().toISOString().slice(0, 10),
  command: 'npm run bench:sweep',
  machine: machine(),
  loadBefore,
  loadAfter: os.loadavg(),
  parallelCapacity: [capacityBefore, capacityAfter],
  speedup,
  sizes,
};
writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);

// The section replaces its earlier self in RESULTS.md (bench/run.mjs writes it the same way).
const md = readFileSync(RESULTS_MD, 'utf8');
const section = sweepSection(report).join('\n');
const start = md.indexOf(SWEEP_HEADING);
const rest = start < 0 ? -1 : md.indexOf('\n## ', start + SWEEP_HEADING.length);
const updated =
  start < 0
    ? md.replace('\n## Notes', `\n${section}\n\n## Notes`)
    : `${md.slice(0, start)}${section}${rest < 0 ? '' : `\n${md.slice(rest + 1)}`}`;
writeFileSync(RESULTS_MD, updated);
log(`wrote ${OUT} and ${RESULTS_MD}`);
log(`sweep: ${speedup.speedup.toFixed(2)}x (${speedup.oneWorkerMs.toFixed(0)} ms at 1 worker, ${speedup.twoWorkersMs.toFixed(0)} ms at 2)`);
for (const s of sizes) log(`size ${s.design} N=${s.n}: ${s.minima}; confirmed ${s.confirmed} (${s.wallMs.toFixed(0)} ms)`);
