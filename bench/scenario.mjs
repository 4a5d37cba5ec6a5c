#!/usr/bin/env node
/**
 * Runs one workload scenario in this (fresh) process, so that its peak RSS is its own, and
 * prints the figures as one JSON line prefixed with "RESULT ".
 * Usage: node bench/scenario.mjs '{"kind":"sdpa","design":"modified","n":1024}'
 */
import { runScenario } from './lib.mjs';

const USAGE = `Usage: node bench/scenario.mjs '{"kind":"sdpa","design":"modified","n":1024}' (after a build)`;
const arg = process.argv[2];
if (arg === '--help' || arg === '-h') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
let spec = null;
try {
  spec = JSON.parse(arg ?? 'null');
} catch {
  // not JSON: the usage below
}
if (spec === null || typeof spec !== 'object' || process.argv.length > 3) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
try {
  const result = await runScenario(spec);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} catch (error) {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
}
