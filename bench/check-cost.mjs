#!/usr/bin/env node
/**
 * `node bench/check-cost.mjs [--n N] [--d D] [--rounds R]`: what a run's reference check costs
 * beside the simulated rows it checks, in one process, the three alternated round by round so
 * that the VM's drifting speed falls on all: the plain streaming-SDPA loop (bench/lib.mjs), the
 * compiled engine's values rows (what a values job computes), and the reference check of the
 * same rows (referenceSdpa and the comparison). Prints each one's median time and per-element
 * cost, and the check's share against the values rows. Build first (`npx tsc -p .`).
 */
import { groupValues } from '../dist/engines/compiled/group-values.js';
import { scheduleKind } from '../dist/engines/compiled/row-order.js';
import { resolveSdpaConfig, sdpaProgram } from '../dist/index.js';
import { median, plainSdpa, sdpaInputs } from './lib.mjs';
import { readOptions } from './options.mjs';

const options = readOptions('Usage: node bench/check-cost.mjs [--n N] [--d D] [--rounds R] (after a build)', {
  '--n': { min: 1, integer: true },
  '--d': { min: 1, integer: true },
  '--rounds': { min: 1, integer: true },
});
const n = options['--n'] ?? 4096;
const d = options['--d'] ?? 1;
const rounds = options['--rounds'] ?? 5;

const program = sdpaProgram(resolveSdpaConfig({ design: 'modified', n, d }));
const order = scheduleKind(program.schedule).order(program, 'h0');
const inputs = sdpaInputs(n, d, 1, 1);
const drain = (generator) => {
  for (;;) if (generator.next().done) return;
};
const variants = {
  'plain loop': () => plainSdpa(inputs, n, d),
  'values rows': () => drain(groupValues('h0', order, 0, n, false)),
  // The same rows with their check: the check's own cost is the difference.
  'values rows + check': () => drain(groupValues('h0', order, 0, n, true)),
};
const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, fn] of Object.entries(variants)) {
    const started = performance.now();
    fn();
    times[name].push(performance.now() - started);
  }
}
const elements = n * n;
for (const [name, xs] of Object.entries(times)) {
  console.log(`${name.padEnd(20)} ${median(xs).toFixed(0).padStart(7)} ms  ${((median(xs) * 1e6) / elements).toFixed(1)} ns/element`);
}
const checkShare = times['values rows + check'].map((t, r) => (t - times['values rows'][r]) / times['values rows'][r]);
console.log(`check / values rows: ${median(checkShare).toFixed(2)} (median of the rounds' pairs), N = ${n}, d = ${d}`);
