#!/usr/bin/env node
/**
 * What the machine itself gives: the same fixed work (bench/lib.mjs's calibration loop, and the
 * plain streaming-SDPA loop at N = 2048) in 1, 2, 4, 8 and 16 worker threads at once (capped at
 * the cores), each thread doing one share. Speedup = W x (time of one share alone) / (time of
 * W shares at once): below W where cores share a frequency budget or hardware threads share a
 * core. The compiled engine's scaling (bench/scaling.mjs) is read against this.
 * Usage: node bench/cpu-scaling.mjs [--out FILE]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { calibrationLoop, machine, plainSdpa, sdpaInputs } from './lib.mjs';
import { readOptions } from './options.mjs';

const WORK = {
  calibration: () => calibrationLoop(),
  'plain SDPA N=2048': () => plainSdpa(sdpaInputs(2048, 1, 1, 1), 2048, 1),
};

if (!isMainThread) {
  const run = WORK[workerData.work];
  run(); // warm-up
  const started = performance.now();
  for (let r = 0; r < workerData.reps; r++) run();
  parentPort.postMessage(performance.now() - started);
} else {
  const out = readOptions('Usage: node bench/cpu-scaling.mjs [--out FILE] (after a build)', { '--out': 'text' })['--out'] ?? null;
  const counts = [1, 2, 4, 8, 16].filter((w) => w <= os.availableParallelism());
  const curves = [];
  for (const work of Object.keys(WORK)) {
    const points = [];
    for (const threads of counts) {
      const workers = Array.from({ length: threads }, () => new Worker(new URL(import.meta.url), { workerData: { work, reps: 3 } }));
      const times = await Promise.all(workers.map((w) => new Promise((resolve, reject) => w.on('message', resolve).on('error', reject))));
      await Promise.all(workers.map((w) => w.terminate()));
      points.push({ threads, slowestMs: Math.max(...times) });
    }
    for (const p of points) p.speedup = (p.threads * points[0].slowestMs) / p.slowestMs;
    curves.push({ work, points });
    console.log(`${work}: ${points.map((p) => `${p.threads}t ${p.speedup.toFixed(2)}x`).join(', ')}`);
  }
  if (out !== null) writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), curves }, null, 2)}\n`);
}
