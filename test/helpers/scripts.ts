import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ran } from './cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const packages: string[] = [];

/** A temporary ESM package whose scripts import 'damflow' as a user's would (the built one). */
export function scriptPackage(files: Readonly<Record<string, string>>): string {
  // Real path: Node names modules by theirs.
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'damflow-script-')));
  packages.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'damflow'), 'dir');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Runs `node SCRIPT` in `dir`, killed after `timeoutMs`: `status` is null then. */
export function runScript(dir: string, script: string, timeoutMs = 20_000): Ran {
  const r = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Removes the packages made so far (the link to damflow goes, not what it points to). */
export function removeScriptPackages(): void {
  for (const dir of packages.splice(0)) rmSync(dir, { recursive: true, force: true });
}
