import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { messageOf, ProgramError } from '../kernel/errors.js';
import { lineAt, parseJsonStrictly, yaml } from '../files/strict-json.js';

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
    throw new ProgramError(
      `sweep file '${file}' is not valid ${json ? 'JSON' : 'YAML'}: ${json ? messageOf(error) : yamlMessage(error, text)}`,
    );
  }
}

/**
 * A YAML error as one line with its line number, as a JSON one has (`prettyErrors` would add the
 * source lines under it). The yaml library's message for a second document names its own API
 * (`please use YAML.parseAllDocuments()`), nothing a sweep file's author can do.
 */
function yamlMessage(error: unknown, text: string): string {
  const { code, pos } = error as { code?: unknown; pos?: unknown };
  const message = code === 'MULTIPLE_DOCS' ? 'it holds more than one document (a second ---): a sweep file is one' : messageOf(error);
  if (!Array.isArray(pos) || typeof pos[0] !== 'number') return message;
  return `${message} (line ${lineAt(text, pos[0])})`;
}
