#!/usr/bin/env node
/**
 * `node bench/startup.mjs [--against OTHER/dist/cli/main.js] [--reps R]`: what a command costs
 * before it simulates anything, as whole processes: `damflow --help`, a run of N = 16, and a
 * two-job sweep on 2 workers (node, the CLI's modules, the pool's threads). With --against,
 * the other build runs alternately with this one, rep by rep, so that the VM's drifting speed
 * falls on both; medians. Build first (`npx tsc -p .`); a baseline build: `git worktree add
 * /tmp/base REF && cd /tmp/base && ln -s "$OLDPWD/node_modules" && npx tsc -p .`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib.mjs';
import { readOptions } from './options.mjs';

const options = readOptions('Usage: node bench/startup.mjs [--against OTHER/dist/cli/main.js] [--reps R] (after a build)', {
  '--against': 'text',
  '--reps': { min: 1, integer: true },
});
const reps = options['--reps'] ?? 10;
const builds = { 'this tree': fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)) };
if (options['--against'] !== undefined) builds['--against'] = resolve(options['--against']);

const dir = mkdtempSync(join(os.tmpdir(), 'damflow-startup-'));
const sweepFile = join(dir, 'two.yaml');
writeFileSync(sweepFile, 'base: { design: modified, n: 16 }\nlist:\n  - {}\n  - { uniformDepth: 4 }\n');
const commands = {
  '--help': ['--help'],
  'run --design modified --n 16': ['run', '--design', 'modified', '--n', '16', '--quiet'],
  'sweep (2 jobs, --workers 2)': ['sweep', sweepFile, '--workers', '2', '--quiet'],
};

const times = {};
for (let r = 0; r < reps; r++) {
  for (const [build, cli] of Object.entries(builds)) {
    for (const [name, cliArgs] of Object.entries(commands)) {
      rmSync(join(dir, 'two.results.jsonl'), { force: true });
      rmSync(join(dir, 'two.results.csv'), { force: true });
      const started = performance.now();
      const child = spawnSync(process.execPath, [cli, ...cliArgs], { encoding: 'utf8' });
      const ms = performance.now() - started;
      if (child.status !== 0) throw new Error(`${build}: damflow ${cliArgs.join(' ')} exited ${child.status}: ${child.stderr}`);
      (times[`${name} | ${build}`] ??= []).push(ms);
    }
  }
}
rmSync(dir, { recursive: true, force: true });
for (const [key, xs] of Object.entries(times))
  console.log(`${key.padEnd(48)} ${median(xs).toFixed(0).padStart(6)} ms (median of ${xs.length})`);
