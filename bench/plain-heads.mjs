#!/usr/bin/env node
/**
 * The machine's own ceiling for a multi-head run, as a whole process: the arithmetic of H heads
 * of the modified design at N (bench/lib.mjs plainSdpa, twice per head: a run's values and its
 * reference check cost about the same) with no simulation, in this thread (--threads 1) or
 * split by heads over T worker threads. bench/targets.mjs times it at 1 and 2 threads in the
 * same rounds as damflow's 4-head runs: on a VM whose two cores are shared, their ratio is
 * what any program of that work gets in those minutes.
 * Usage: node bench/plain-heads.mjs --n N --heads H --threads T (after a build)
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { plainSdpa, sdpaInputs } from './lib.mjs';
import { readOptions } from './options.mjs';

/** Heads `heads` (indices) at N, each computed twice. */
function computeHeads(n, heads) {
  for (const h of heads) {
    const [inputs] = sdpaInputs(n, 1, 1, 1 + h);
    plainSdpa([inputs], n, 1);
    plainSdpa([inputs], n, 1);
  }
}

if (!isMainThread) {
  computeHeads(workerData.n, workerData.heads);
  parentPort.postMessage('done');
} else {
  const options = readOptions('Usage: node bench/plain-heads.mjs --n N --heads H --threads T (after a build)', {
    '--n': { min: 1, integer: true },
    '--heads': { min: 1, integer: true },
    '--threads': { min: 1, integer: true },
  });
  for (const flag of ['--n', '--heads', '--threads'])
    if (options[flag] === undefined) {
      process.stderr.write(`${flag} is required\nUsage: node bench/plain-heads.mjs --n N --heads H --threads T (after a build)\n`);
      process.exit(2);
    }
  const n = options['--n'];
  const heads = Array.from({ length: options['--heads'] }, (_, h) => h);
  const threads = options['--threads'];
  if (threads === 1) computeHeads(n, heads);
  else {
    const shares = Array.from({ length: threads }, (_, t) => heads.filter((h) => h % threads === t));
    const workers = shares.map((share) => new Worker(new URL(import.meta.url), { workerData: { n, heads: share } }));
    await Promise.all(workers.map((w) => new Promise((resolve, reject) => w.once('message', resolve).once('error', reject))));
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
