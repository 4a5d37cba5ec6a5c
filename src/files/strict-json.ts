import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

/**
 * JSON as a user's file is read: a byte-order mark (editors on Windows write one) is skipped,
 * and a repeated key is an error, where JSON.parse keeps the last without a word.
 */
export function parseJsonStrictly(text: string): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const value: unknown = JSON.parse(body);
  // Read again as JSON's YAML, which refuses a repeated key as YAML does.
  const repeated = yaml()
    .parseDocument(body, { prettyErrors: false, uniqueKeys: true, schema: 'json' })
    .errors.find((e) => e.code === 'DUPLICATE_KEY');
  if (repeated !== undefined) {
    const start = repeated.pos[0];
    const key = /^"(?:[^"\\]|\\.)*"/.exec(body.slice(start))?.[0] ?? 'a key';
    throw new SyntaxError(`${key} is given twice in one object (line ${body.slice(0, start).split('\n').length})`);
  }
  return value;
}

/** The yaml package, loaded when a file is read (CommonJS, so synchronously): 70 ms every other command spares. */
export function yaml(): typeof Yaml {
  return createRequire(import.meta.url)('yaml') as typeof Yaml;
}
