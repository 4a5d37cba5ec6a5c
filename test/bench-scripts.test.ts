import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BENCH = fileURLToPath(new URL('../bench/', import.meta.url));

/** The bench scripts a user runs as `node bench/NAME.mjs` (the others are modules they import). */
const scripts = readdirSync(BENCH)
  .filter((name) => name.endsWith('.mjs'))
  .filter((name) => readFileSync(`${BENCH}${name}`, 'utf8').startsWith('#!/usr/bin/env node'));

const run = (name: string, arg: string) => spawnSync(process.execPath, [`${BENCH}${name}`, arg], { encoding: 'utf8', timeout: 20_000 });

// README, Benchmarks: a bench script says its flags with --help, and an unknown flag is one line
// and exit 2. `node bench/run.mjs --help` had started the whole benchmark (minutes) and
// rewritten bench/RESULTS.md; plain-heads.mjs read it as N = NaN, scenario.mjs as bad JSON.
describe('bench scripts read their command line before any work', () => {
  it('finds the scripts', () => {
    expect(scripts).toEqual(expect.arrayContaining(['run.mjs', 'plain-heads.mjs', 'scenario.mjs', 'ci.mjs', 'long.mjs']));
  });
  it.each(scripts)('%s --help prints its usage and exits 0', (name) => {
    const out = run(name, '--help');
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^Usage: /);
  });
  it.each(scripts)('%s --no-such-flag exits 2, with the usage', (name) => {
    const out = run(name, '--no-such-flag');
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('Usage: ');
    expect(out.stdout).toBe('');
  });
});
