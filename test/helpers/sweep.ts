import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { MAIN } from './cli.js';
import { runSdpa } from '../../dist/designs/sdpa/run.js';
import type { ChildProcess } from 'node:child_process';
import type { JobRecord } from '../../dist/sweep/sweep-job.js';

/** A fresh folder with a sweep file in it. */
export function sweepDir(name: string, text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'damflow-sweep-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

/** The records of a results file, in file order. */
export function records(path: string): JobRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as JobRecord);
}

/** What runSdpa gives for a record's configuration, as a sweep records it: the figures to compare. */
export async function singleRunFigures(record: JobRecord): Promise<Record<string, unknown>> {
  const r = await runSdpa({ ...record.config, workers: 1 });
  const peaks = Object.fromEntries(r.channels.map((c) => [r.heads > 1 ? `h${c.head}/${c.name}` : c.name, c.peakOccupancy]));
  const { config, status, cycles, intermediateMemory, maxError, deadlock } = r;
  return { config, status, cycles, intermediateMemory, peaks, maxError, deadlock };
}

export function recordFigures(record: JobRecord): Record<string, unknown> {
  const { config, status, cycles, intermediateMemory, peaks, maxError, deadlock = null } = record;
  return { config, status, cycles, intermediateMemory, peaks, maxError, deadlock };
}

/** Figures by job hash, each hash once (the test fails on a hash recorded twice). */
export function byHash(list: readonly JobRecord[]): Map<string, Record<string, unknown>> {
  const map = new Map<string, Record<string, unknown>>();
  for (const r of list) {
    if (map.has(r.hash)) throw new Error(`job ${r.index} (${r.hash}) recorded twice`);
    map.set(r.hash, recordFigures(r));
  }
  return map;
}

export interface Running {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
  /** The signal that ended the process, once it has ended by one. */
  signal: NodeJS.Signals | null;
}

/** Starts the CLI without waiting for it; its output accumulates as it comes. */
export function start(...args: string[]): Running {
  return startBuild(MAIN, ...args);
}

/** start() of the CLI `main` (anotherBuild's, say). */
export function startBuild(main: string, ...args: string[]): Running {
  const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const running: Running = {
    child,
    stdout: '',
    stderr: '',
    signal: null,
    exited: new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        running.signal = signal;
        resolve(code);
      }),
    ),
  };
  child.stdout!.on('data', (chunk: Buffer) => (running.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (running.stderr += chunk.toString()));
  return running;
}

/** Waits until `ready()` holds, polling; fails after `ms`. */
export async function until(ready: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The aria-labels of an SVG's point marks: what each point of the chart says it shows. */
export function pointLabels(svg: string): string[] {
  const labels: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) {
      const n = node as Record<string, unknown>;
      if (n['@_aria-roledescription'] === 'point') labels.push(String(n['@_aria-label']));
      Object.values(n).forEach(visit);
    }
  };
  visit(new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' }).parse(svg));
  return labels;
}

/**
 * The CLI of another damflow build, as a worker built from other code would be: a copy of dist/
 * with one module changed by a comment (build.ts hashes every module), beside the package's
 * manifest and its dependencies. Its main.js.
 */
export function anotherBuild(): string {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const copy = mkdtempSync(join(tmpdir(), 'damflow-build-'));
  cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
  copyFileSync(join(root, 'package.json'), join(copy, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  appendFileSync(join(copy, 'dist', 'kernel', 'errors.js'), '\n// another build\n');
  return join(copy, 'dist', 'cli', 'main.js');
}
