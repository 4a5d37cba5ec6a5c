import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { messageOf, ProgramError } from '../kernel/errors.js';

/**
 * The plain data of a sweep file: JSON when it ends in .json, else YAML (1.2, core schema:
 * `no` stays a string); a repeated key is an error in either. Unreadable or malformed text is bad input,
 * one line naming the file (a ProgramError: bad input, exit 2).
 */
export function readSweepFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProgramError(`cannot read sweep file '${file}': ${messageOf(error)}`);
  }
  const json = extname(file).toLowerCase() === '.json';
  try {
    if (!json) return yaml().parse(text, { prettyErrors: false, uniqueKeys: true });
    const value: unknown = JSON.parse(text);
    // JSON.parse keeps the last of a repeated key: read again as JSON's YAML, which refuses it as YAML does.
    const repeated = yaml()
      .parseDocument(text, { prettyErrors: false, uniqueKeys: true, schema: 'json' })
      .errors.find((e) => e.code === 'DUPLICATE_KEY');
    if (repeated !== undefined) throw repeated;
    return value;
  } catch (error) {
    throw new ProgramError(`sweep file '${file}' is not valid ${json ? 'JSON' : 'YAML'}: ${messageOf(error)}`);
  }
}

/** The yaml package, loaded when a YAML file is read (CommonJS, so synchronously): 70 ms every other command spares. */
function yaml(): typeof Yaml {
  return createRequire(import.meta.url)('yaml') as typeof Yaml;
}
