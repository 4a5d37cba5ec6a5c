import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/, where the compiled code that runs lies (this file is dist/sweep/build.js). */
const COMPILED = fileURLToPath(new URL('../', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../../package.json', import.meta.url));

let cached: string | undefined;

/**
 * Which damflow this is, as a job's record and the queue name it: the package version and the
 * first 12 hex digits of SHA-256 over every compiled module (`0.1.0+3f9a2c1d4e5b`). A sweep
 * takes results from its own build only (a worker of another build, a results file written by
 * one): any change of code may change a run's cycles, and which one does cannot be told from
 * outside, so every change counts. The hash is of dist/'s JavaScript, not of the sources, so
 * an install from the package registry has one too; tsc writes the same files from the same
 * sources, so two clones built at one commit are one build (`npm run build` empties dist/ first:
 * tsc leaves the module of a removed source, which would count). About 10 ms, once a thread.
 */
export function thisBuild(): string {
  if (cached !== undefined) return cached;
  const hash = createHash('sha256');
  for (const file of modules(COMPILED).sort())
    hash
      .update(`${relative(COMPILED, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  const { version } = JSON.parse(readFileSync(PACKAGE, 'utf8')) as { version: string };
  cached = `${version}+${hash.digest('hex').slice(0, 12)}`;
  return cached;
}

function modules(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}
