import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { messageOf, ProgramError } from '../kernel/errors.js';
import { parseJsonStrictly, yaml } from '../files/strict-json.js';

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
    return json ? parseJsonStrictly(text) : yaml().parse(text, { prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    throw new ProgramError(`sweep file '${file}' is not valid ${json ? 'JSON' : 'YAML'}: ${messageOf(error)}`);
  }
}
