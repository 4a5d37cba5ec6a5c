#!/usr/bin/env node
/**
 * The long scenarios (the ones only `--full` adds: minutes each), one at a time, each in its
 * own process. Each result replaces any earlier run of the same scenario in
 * results/long-runs.json, which `npm run bench` lists and folds into its targets.
 * Usage: node bench/long.mjs [--only TEXT] [--list]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scenarioName } from './lib.mjs';
import { readOptions } from './options.mjs';
import { runWorkloads, scenarios } from './workloads.mjs';

const LONG_RUNS = fileURLToPath(new URL('./results/long-runs.json', import.meta.url));

const options = readOptions('Usage: node bench/long.mjs [--only TEXT] [--list] (after a build)', { '--only': 'text', '--list': 'switch' });
const only = options['--only'];
const short = new Set(scenarios().map(scenarioName));
const long = scenarios({ full: true }).filter((spec) => !short.has(scenarioName(spec)));
if (options['--list']) {
  for (const spec of long) console.log(scenarioName(spec));
  process.exit(0);
}

const chosen = long.filter((spec) => only === undefined || scenarioName(spec).includes(only));
if (chosen.length === 0) {
  process.stderr.write(`no long scenario's name has '${only}' (node bench/long.mjs --list)\n`);
  process.exit(2);
}
for (const spec of chosen) {
  const name = scenarioName(spec);
  // By its whole name: a name also matches its longer twins ('... compiled every row'), which
  // had run here too and been thrown away.
  const [result] = runWorkloads({ full: true, only: name, exact: true });
  if (result === undefined || result.error) {
    process.exitCode = 1;
    continue;
  }
  // Written after every scenario, so an interrupted session keeps what it measured.
  const recorded = existsSync(LONG_RUNS) ? JSON.parse(readFileSync(LONG_RUNS, 'utf8')) : [];
  const kept = recorded.filter((entry) => scenarioName(entry.result.spec) !== name);
  kept.push({
    date: new Date().toISOString().slice(0, 10),
    command: `node bench/scenario.mjs '${JSON.stringify(spec)}'`,
    result,
  });
  writeFileSync(LONG_RUNS, `${JSON.stringify(kept, null, 2)}\n`);
}
