import { createRequire } from 'node:module';
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

function lineAt(body: string, at: number): number {
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

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * The first key given twice in one object of valid JSON (as JSON.parse has just read it), as
 * written, and its offset; or null. One pass over the text, holding the keys of the open
 * objects: a YAML parse had done it, which took 6 s and 900 MB for a check file of 100,000
 * cases (8.9 MB) where JSON.parse takes 0.1 s.
 */
export function repeatedKey(body: string): { key: string; at: number } | null {
  // One entry per open object (its keys so far) or array (null).
  const open: (Set<string> | null)[] = [];
  for (let i = 0; i < body.length;) {
    const c = body.charCodeAt(i);
    if (c === 0x7b) open.push(new Set());
    else if (c === 0x5b) open.push(null);
    else if (c === 0x7d || c === 0x5d) open.pop();
    else if (c === 0x22) {
      const start = i;
      let escaped = false;
      for (i++; body.charCodeAt(i) !== 0x22; i++) {
        if (body.charCodeAt(i) === 0x5c) {
          escaped = true;
          i++;
        }
      }
      i++;
      const keys = open[open.length - 1];
      if (keys === null || keys === undefined) continue;
      let next = i;
      while (isSpace(body.charCodeAt(next))) next++;
      if (body.charCodeAt(next) !== 0x3a) continue;
      const written = body.slice(start, i);
      // Keys compare as the strings they stand for: "n" and "\u006e" are one key.
      const key = escaped ? (JSON.parse(written) as string) : written.slice(1, -1);
      if (keys.has(key)) return { key: written, at: start };
      keys.add(key);
      continue;
    }
    i++;
  }
  return null;
}

/** The yaml package, loaded when a file is read (CommonJS, so synchronously): 70 ms every other command spares. */
export function yaml(): typeof Yaml {
  return createRequire(import.meta.url)('yaml') as typeof Yaml;
}
