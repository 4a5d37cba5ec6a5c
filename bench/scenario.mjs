#!/usr/bin/env node
/**
 * Runs one workload scenario in this (fresh) process, so that its peak RSS is its own, and
 * prints the figures as one JSON line prefixed with "RESULT ".
 * Usage: node bench/scenario.mjs '{"kind":"sdpa","design":"modified","n":1024}'
 */
import { runScenario } from './lib.mjs';

const spec = JSON.parse(process.argv[2] ?? 'null');
if (spec === null || typeof spec !== 'object') {
  console.error('usage: node bench/scenario.mjs <scenario json>');
  process.exit(2);
}
try {
  const result = await runScenario(spec);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} catch (error) {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
}
