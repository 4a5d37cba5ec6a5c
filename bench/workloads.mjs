#!/usr/bin/env node
/**
 * Workload benchmarks: each scenario runs in its own child process (bench/scenario.mjs) so
 * that its peak RSS is its own. Usage: node bench/workloads.mjs [--full] [--only TEXT] [--json] [--list]
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmtMs, fmtRate, scenarioName } from './lib.mjs';
import { readOptions } from './options.mjs';

const SCENARIO_SCRIPT = fileURLToPath(new URL('./scenario.mjs', import.meta.url));

/** The scenario list; `full` adds the long runs (minutes each today). */
export function scenarios({ full = false } = {}) {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const list = [];
  const sizes = full ? [1024, 2048, 4096, 8192, 16384] : [1024, 2048, 4096];
  for (const n of sizes) {
    // Both engines: 'actors' (the general executor) and 'compiled' (fixed orders per head),
    // simulating every row: what each costs per score element.
    for (const e of [{}, { engine: 'compiled', fastForward: false }]) {
      list.push({ kind: 'sdpa', design: 'naive', n, d: 1, workers: 1, ...e });
      list.push({ kind: 'sdpa', design: 'modified', n, d: 1, workers: 1, ...e });
      list.push({ kind: 'sdpa', design: 'modified', n, d: 1, unbounded: true, workers: 1, ...e });
    }
  }
  // Naive design's peak RSS at N = 32768 (the 'long' FIFO holds N + 34 elements).
  if (full) {
    list.push({ kind: 'sdpa', design: 'naive', n: 32768, d: 1, workers: 1 });
    list.push({ kind: 'sdpa', design: 'naive', n: 32768, d: 1, workers: 1, engine: 'compiled', fastForward: false });
  }
  // The same designs with d = 64, and with 8 heads at 1 and 2 workers: N = 1024 by default,
  // up to 4096 with --full (8 heads at N = 16384 would take most of an hour on one worker).
  for (const n of full ? [1024, 2048, 4096] : [1024]) {
    list.push({ kind: 'sdpa', design: 'naive', n, d: 64, workers: 1 });
    list.push({ kind: 'sdpa', design: 'modified', n, d: 64, workers: 1 });
    list.push({ kind: 'sdpa', design: 'modified', n, d: 64, unbounded: true, workers: 1 });
    list.push({ kind: 'sdpa', design: 'modified', n, d: 64, workers: 1, engine: 'compiled', fastForward: false });
    for (const workers of [1, 2]) {
      list.push({ kind: 'sdpa', design: 'naive', n, d: 1, heads: 8, workers });
      list.push({ kind: 'sdpa', design: 'modified', n, d: 1, heads: 8, workers });
      list.push({ kind: 'sdpa', design: 'modified', n, d: 1, heads: 8, unbounded: true, workers });
    }
  }
  // DAM's scalability workloads.
  const elements = full ? 2 ** 24 : 2 ** 20;
  for (const copies of [1, 2, 4, 8]) {
    list.push({ kind: 'merge', elements, copies, workers: 1 });
    const w = Math.min(copies, Math.max(2, cores));
    if (copies > 1) list.push({ kind: 'merge', elements, copies, workers: w });
  }
  const leafElements = full ? 2 ** 18 : 2 ** 10;
  for (const workers of [1, 2]) list.push({ kind: 'adder', leaves: 1024, elements: leafElements, workers });
  return list;
}

/** Runs one scenario in a fresh `node` process and returns its figures (or an error). */
export function runInChild(spec) {
  const child = spawnSync(process.execPath, ['--max-old-space-size=8192', SCENARIO_SCRIPT, JSON.stringify(spec)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 2 ** 20,
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || line === undefined) {
    return { name: scenarioName(spec), spec, error: (child.stderr || child.error?.message || `exit ${child.status}`).trim().slice(-2000) };
  }
  return JSON.parse(line.slice('RESULT '.length));
}

/** `only`: the scenarios whose names contain it, or with `exact` the one it names. */
export function runWorkloads({ full = false, only, exact = false, log = (s) => process.stderr.write(`${s}\n`) } = {}) {
  const results = [];
  for (const spec of scenarios({ full })) {
    const name = scenarioName(spec);
    if (only && (exact ? name !== only : !name.includes(only))) continue;
    log(`workload: ${name} ...`);
    const r = runInChild(spec);
    if (r.error) log(`  FAILED: ${r.error.split('\n')[0]}`);
    else {
      log(
        `  ${fmtMs(r.wallMs)}, ${fmtRate(r.cyclesPerSec)}cycles/s, ${fmtRate(r.tokensPerSec)}tokens/s, ` +
          `peak RSS ${r.peakRssMiB.toFixed(0)} MiB, ${r.ratioToPlain.toFixed(0)}x plain loop${r.check.ok ? '' : ', CHECK FAILED'}`,
      );
    }
    results.push(r);
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options = readOptions('Usage: node bench/workloads.mjs [--full] [--only TEXT] [--json] [--list] (after a build)', {
    '--full': 'switch',
    '--only': 'text',
    '--json': 'switch',
    '--list': 'switch',
  });
  const full = options['--full'] === true;
  if (options['--list']) {
    for (const spec of scenarios({ full })) console.log(scenarioName(spec));
    process.exit(0);
  }
  const results = runWorkloads({ full, only: options['--only'] });
  if (options['--json']) console.log(JSON.stringify(results, null, 2));
  if (results.some((r) => r.error || !r.check.ok)) process.exitCode = 1;
}
