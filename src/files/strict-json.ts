import { createRequire } from 'node:module';
import { visit } from 'jsonc-parser';
import type * as Yaml from 'yaml';

/**
 * JSON as a user's file is read: a byte-order mark (editors on Windows write one) is skipped,
 * a syntax error says its line and column (Node 20's JSON.parse gives only a character
 * offset, useless in a file of many lines), and a repeated key is an error, where JSON.parse
 * keeps the last without a word.
 */
export function parseJsonStrictly(text: string): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw withLine(error, body);
  }
  const repeated = repeatedKey(body);
  if (repeated !== null) throw new SyntaxError(`${repeated.key} is given twice in one object (line ${lineAt(body, repeated.at)})`);
  return value;
}

/** The line (from 1) of character offset `at` of a file's text, for an error that gives only the offset. */
export function lineAt(body: string, at: number): number {
  let line = 1;
  for (let i = body.indexOf('\n'); i !== -1 && i < at; i = body.indexOf('\n', i + 1)) line++;
  return line;
}

/** JSON.parse's error with the line and column of its offset, where it gives none (Node 20). */
function withLine(error: unknown, body: string): unknown {
  if (!(error instanceof SyntaxError)) return error;
  const at = / at position (\d+)$/.exec(error.message);
  if (at === null) return error;
  const offset = Number(at[1]);
  const column = offset - body.lastIndexOf('\n', offset - 1);
  return new SyntaxError(`${error.message} (line ${lineAt(body, offset)} column ${column})`);
}

/**
 * The first key given twice in one object of valid JSON (as JSON.parse has just read it), as
 * written, and its offset; or null. One pass of jsonc-parser's scanner, holding the keys of the
 * open objects (it gives each key as the string it stands for: "n" and "\\u006e" are one key):
 * a YAML parse had done it, which took 6 s and 900 MB for a check file of 100,000 cases
 * (8.9 MB) where JSON.parse takes 0.1 s.
 */
export function repeatedKey(body: string): { key: string; at: number } | null {
  const open: Set<string>[] = [];
  let repeated: { key: string; at: number } | null = null;
  visit(body, {
    onObjectBegin: () => void open.push(new Set()),
    onObjectEnd: () => void open.pop(),
    onObjectProperty: (key, offset, length) => {
      const keys = open[open.length - 1]!;
      if (keys.has(key)) repeated ??= { key: body.slice(offset, offset + length), at: offset };
      keys.add(key);
    },
  });
  return repeated;
}

/** The yaml package, loaded when a file is read (CommonJS, so synchronously): 70 ms every other command spares. */
export function yaml(): typeof Yaml {
  return createRequire(import.meta.url)('yaml') as typeof Yaml;
}
