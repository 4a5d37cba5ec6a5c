import { readFileSync } from 'node:fs';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { messageOf, ProgramError, RunAborted, UnitError, show, unknownNames } from '../kernel/errors.js';
import { parseJsonStrictly } from '../files/strict-json.js';
import { breather, interruption } from '../engines/interruption.js';
import { parseSdpaConfig } from '../designs/sdpa/config.js';
import { runSdpa } from '../designs/sdpa/run.js';
import { resolveSdpaConfig, splitHeadScoped } from '../designs/sdpa/design.js';
import { duration, estimateCost, longestRunIndex } from '../designs/sdpa/cost.js';
import { junitXml } from '../reports/junit.js';
import { refuseRepeatedOptions } from './args.js';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_RUN_ERROR, UsageError, oneLine } from './errors.js';
import { writeFileAtomically } from '../files/atomic-write.js';
import { checkWritable, refuseSharedFiles } from './output-file.js';
import type { Command } from 'commander';
import type { SdpaRunConfig } from '../designs/sdpa/config.js';
import type { SdpaRunResult } from '../designs/sdpa/run.js';
import type { CaseOutcome } from '../reports/junit.js';

export type { CaseOutcome };

/** What a case may expect besides its configuration. */
const EXPECTATIONS = ['name', 'expectedCycles', 'expectedPeaks', 'expectedStatus'];

export interface CheckCase {
  readonly index: number;
  readonly name: string;
  /** The case as written, to rewrite in place with --update. */
  readonly raw: Record<string, unknown>;
  readonly config: SdpaRunConfig | null;
  readonly expectedStatus: 'ok' | 'deadlock';
  readonly expectedCycles: number | null;
  readonly expectedPeaks: Readonly<Record<string, number>> | null;
  /** Why the case cannot run as written (bad input), or null. */
  readonly invalid: string | null;
}

export interface CheckFile {
  readonly cases: readonly CheckCase[];
  /** The whole file, for --update, and the indentation it was written with. */
  readonly data: Record<string, unknown>;
  readonly indent: string;
  /** The file's text, so that --update rewrites only the cases that change. */
  readonly text: string;
}

export interface CheckOptions {
  json?: boolean;
  junit?: string;
  update?: boolean;
}

/**
 * Reads a check file. A file that is not a JSON object with a non-empty `cases` array is bad
 * input as a whole (UsageError); a bad case is kept, marked invalid, so the others still run.
 */
export function readCheckFile(file: string): CheckFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read check file '${file}': ${messageOf(error)}`);
  }
  let data: unknown;
  try {
    data = parseJsonStrictly(text);
  } catch (error) {
    throw new UsageError(`check file '${file}' is not valid JSON: ${messageOf(error)}`);
  }
  const cases = (data as { cases?: unknown } | null)?.cases;
  if (typeof data !== 'object' || data === null || !Array.isArray(cases))
    throw new UsageError(`check file '${file}' must be an object with a 'cases' array`);
  const unknown = unknownNames(data, ['cases'], 'field');
  if (unknown !== null) throw new UsageError(`check file '${file}': ${unknown}`);
  if (cases.length === 0) throw new UsageError(`check file '${file}' has no cases`);
  const indent = /^\{\r?\n([ \t]+)/.exec(text)?.[1] ?? '  ';
  return { cases: cases.map(readCase), data: data as Record<string, unknown>, indent, text };
}

function readCase(entry: unknown, index: number): CheckCase {
  const raw = typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? (entry as Record<string, unknown>) : {};
  const { name, expectedCycles, expectedPeaks, expectedStatus } = raw;
  const label =
    typeof name === 'string' ? name : raw['design'] === undefined ? `case ${index}` : `${String(raw['design'])} N=${String(raw['n'])}`;
  const base = { index, name: label, raw, config: null, expectedStatus: 'ok' as const, expectedCycles: null, expectedPeaks: null };
  try {
    if (raw !== entry) throw new ProgramError('a case must be an object');
    if (name !== undefined && typeof name !== 'string') throw new ProgramError('name must be a string');
    if (expectedStatus !== undefined && expectedStatus !== 'ok' && expectedStatus !== 'deadlock') {
      throw new ProgramError(`expectedStatus must be "ok" or "deadlock", got ${JSON.stringify(expectedStatus)}`);
    }
    const status = expectedStatus ?? 'ok';
    if (expectedCycles !== undefined && !isCount(expectedCycles))
      throw new ProgramError(`expectedCycles must be a non-negative integer, got ${show(expectedCycles)}`);
    if (expectedPeaks !== undefined) {
      if (typeof expectedPeaks !== 'object' || expectedPeaks === null || Array.isArray(expectedPeaks))
        throw new ProgramError('expectedPeaks must be an object of CHANNEL: peak');
      for (const [channel, peak] of Object.entries(expectedPeaks)) {
        if (!isCount(peak)) throw new ProgramError(`expectedPeaks.${channel} must be a non-negative integer, got ${show(peak)}`);
      }
    }
    const config = parseSdpaConfig(raw, EXPECTATIONS);
    // After the configuration: a misspelt field (expectedCycle) is named as what it is.
    if (status === 'ok' && expectedCycles === undefined)
      throw new ProgramError('expectedCycles is required unless expectedStatus is "deadlock"');
    return {
      ...base,
      config,
      expectedStatus: status,
      expectedCycles: (expectedCycles as number | undefined) ?? null,
      expectedPeaks: (expectedPeaks as Record<string, number> | undefined) ?? null,
      invalid: null,
    };
  } catch (error) {
    if (!(error instanceof ProgramError)) throw error;
    return { ...base, invalid: error.message };
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Runs every case and compares; returns what each one gave. `signal` stops it (RunAborted), in a case or between two. */
export async function runCheck(file: CheckFile, onCase?: (outcome: CaseOutcome) => void, signal?: AbortSignal): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = [];
  for (const c of file.cases) {
    // A signal is heard only when the event loop turns, and a short case awaits nothing but
    // promises already settled (the compiled engine lets signals in every 50 ms of a run): a
    // SIGINT during a file of short cases had been heard by nobody until the check had ended
    // (3 of 30 such checks ran on to their end, exit 0).
    await breather();
    if (signal?.aborted) throw new RunAborted('check interrupted');
    const started = performance.now();
    const finish = (outcome: Omit<CaseOutcome, 'index' | 'name' | 'wallSeconds'>): void => {
      const full = { index: c.index, name: c.name, wallSeconds: (performance.now() - started) / 1000, ...outcome };
      outcomes.push(full);
      onCase?.(full);
    };
    if (c.invalid !== null) {
      finish({ verdict: 'invalid', message: c.invalid, result: null });
      continue;
    }
    let result: SdpaRunResult;
    try {
      result = await runSdpa(c.config!, { signal });
    } catch (error) {
      if (error instanceof ProgramError) finish({ verdict: 'invalid', message: oneLine(error.message), result: null });
      else if (error instanceof UnitError) finish({ verdict: 'fail', message: `run error: ${oneLine(error.message)}`, result: null });
      else throw error;
      continue;
    }
    const differences = compare(c, result);
    if (typeof differences === 'string') finish({ verdict: 'invalid', message: differences, result });
    else if (differences.length > 0) finish({ verdict: 'fail', message: differences.join('; '), result });
    else finish({ verdict: 'pass', message: '', result });
  }
  // The last case's run may hear a signal after it last looked (an actors pool is destroyed
  // once its run has looked, with this check still listening): unseen, the check ended 0, as if
  // never interrupted (2 of 2 SIGINTs sent as a deadlocked case's pool of 2 was destroyed).
  if (signal?.aborted) throw new RunAborted('check interrupted');
  return outcomes;
}

/** Differences from what the case expects, or the reason the expectation itself is bad. */
function compare(c: CheckCase, result: SdpaRunResult): string[] | string {
  const differences: string[] = [];
  if (result.status !== c.expectedStatus) differences.push(`expected status ${c.expectedStatus}, got ${result.status}`);
  // A deadlock's cycles (its largest clock) are compared too, when the case gives them.
  if (c.expectedCycles !== null && result.cycles !== c.expectedCycles) {
    differences.push(`expected ${c.expectedCycles} cycles, got ${result.cycles}`);
  }
  for (const [channel, expected] of Object.entries(c.expectedPeaks ?? {})) {
    const peaks = peaksOf(result, channel);
    if (peaks.length === 0) {
      const scoped = splitHeadScoped(channel);
      const name = scoped?.name ?? channel;
      if (result.channels.some((c) => c.name === name))
        return `expectedPeaks names channel '${channel}' of head ${scoped!.head}, which does not exist (heads: ${result.heads})`;
      return `expectedPeaks names channel '${name}', which the ${result.design} design has not`;
    }
    const got = [...new Set(peaks)];
    if (got.length !== 1 || got[0] !== expected) differences.push(`peak '${channel}': expected ${expected}, got ${got.join(' / ')}`);
  }
  return differences;
}

/** Peak occupancy of a channel on every head (a plain name), or on one (`h1/qk`). */
function peaksOf(result: SdpaRunResult, channel: string): number[] {
  const scoped = splitHeadScoped(channel);
  return result.channels
    .filter((c) => (scoped === null ? c.name === channel : c.name === scoped.name && c.head === scoped.head))
    .map((c) => c.peakOccupancy);
}

/**
 * What --update writes for an expected peak: a plain name stands for every head, so heads that
 * peak differently get a key each (`h0/qk`, `h1/qk`); one number for them all had left the file
 * failing, and --update had said it updated nothing.
 */
function updatedPeaks(result: SdpaRunResult, channel: string): [string, number][] {
  const peaks = peaksOf(result, channel);
  if (new Set(peaks).size === 1) return [[channel, peaks[0]!]];
  return result.channels.filter((c) => c.name === channel).map((c) => [`h${c.head}/${channel}`, c.peakOccupancy]);
}

/** Rewrites every case that ran with what it gave, keeping names, order and every other field. */
export function updatedCheckFile(
  file: CheckFile,
  outcomes: readonly CaseOutcome[],
): { data: Record<string, unknown>; updated: number; text: string } {
  const cases = (file.data['cases'] as unknown[]).slice();
  const changed = new Map<number, Record<string, unknown>>();
  let updated = 0;
  for (const outcome of outcomes) {
    const result = outcome.result;
    if (result === null || outcome.verdict === 'invalid') continue;
    const before = JSON.stringify(cases[outcome.index]);
    const entry: Record<string, unknown> = { ...(cases[outcome.index] as Record<string, unknown>) };
    // What a case compares is kept and brought up to date; a deadlock case need not give its cycles.
    if (result.status === 'deadlock') entry['expectedStatus'] = 'deadlock';
    else delete entry['expectedStatus'];
    if (result.status === 'ok' || entry['expectedCycles'] !== undefined) entry['expectedCycles'] = result.cycles;
    const peaks = entry['expectedPeaks'];
    if (peaks !== undefined)
      entry['expectedPeaks'] = Object.fromEntries(Object.keys(peaks as object).flatMap((channel) => updatedPeaks(result, channel)));
    cases[outcome.index] = entry;
    if (JSON.stringify(entry) !== before) {
      updated++;
      changed.set(outcome.index, entry);
    }
  }
  const data = { ...file.data, cases };
  return { data, updated, text: spliceCases(file, changed) ?? `${JSON.stringify(data, null, file.indent)}\n` };
}

/**
 * The file's text with only the changed expectations of the changed cases written anew, in
 * place: every other byte is kept, the case's other fields included, so the diff of an update
 * shows what changed. Rewriting a whole case had spread its one-line fields over several lines
 * (`"depth": { "long": 8 }` in a case of one field a line) though they had not changed. Null if
 * the cases cannot be found in the text (not expected).
 */
function spliceCases(file: CheckFile, changed: ReadonlyMap<number, Record<string, unknown>>): string | null {
  const spans = caseSpans(file.text);
  const cases = file.data['cases'] as Record<string, unknown>[];
  if (spans === null || spans.length !== cases.length) return null;
  const { text } = file;
  // Pieces joined once: a splice of the whole text per case was quadratic (20,000 cases
  // rewritten took 52 s and 770 MB).
  const pieces: string[] = [];
  let kept = 0;
  for (const index of [...changed.keys()].sort((a, b) => a - b)) {
    const [start, end] = spans[index]!;
    const lineHead = text.slice(text.lastIndexOf('\n', start - 1) + 1, start);
    pieces.push(text.slice(kept, start), rewriteCase(lineHead, text.slice(start, end), cases[index]!, changed.get(index)!, file.indent));
    kept = end;
  }
  pieces.push(text.slice(kept));
  return pieces.join('');
}

/**
 * A case's text with each field whose value differs between `before` and `after` removed,
 * rewritten in the layout its old value had, or added after the last field (only a number or a
 * string is ever added: `expectedCycles`, `expectedStatus`). `lineHead` is the text of the
 * case's first line before it, for the margins.
 */
function rewriteCase(
  lineHead: string,
  text: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  indent: string,
): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  for (const key of keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))) {
    const fields = parseTree(text)!.children!;
    const at = fields.findIndex((field) => field.children![0]!.value === key);
    const margin = (offset: number): string => {
      const whole = lineHead + text.slice(0, offset);
      return /^[ \t]*/.exec(whole.slice(whole.lastIndexOf('\n') + 1))![0];
    };
    let from: number, to: number, fresh: string;
    if (after[key] === undefined) {
      // With the comma before it, or after it for the first field (a case has design and n besides).
      [from, to] = at > 0 ? [endOf(fields[at - 1]!), endOf(fields[at]!)] : [fields[0]!.offset, fields[1]!.offset];
      fresh = '';
    } else if (at >= 0) {
      const value = fields[at]!.children![1]!;
      [from, to] = [value.offset, endOf(value)];
      fresh = valueJson(after[key], text.slice(from, to), margin(from), eol, indent);
    } else {
      const last = fields.at(-1)!;
      from = to = endOf(last);
      const separator = text.includes('\n') ? `,${eol}${margin(last.offset)}` : /,\s/.test(text) ? ', ' : ',';
      fresh = `${separator}${JSON.stringify(key)}:${/":\s/.test(text) ? ' ' : ''}${JSON.stringify(after[key])}`;
    }
    text = text.slice(0, from) + fresh + text.slice(to);
  }
  return text;
}

function endOf(node: { offset: number; length: number }): number {
  return node.offset + node.length;
}

/** `value` laid out as `old` was: over lines indented as they were, or on one line in its style. */
function valueJson(value: unknown, old: string, margin: string, eol: string, indent: string): string {
  if (old.includes('\n')) {
    const inner = /\n([ \t]*)/.exec(old)![1]!;
    const step = inner.startsWith(margin) && inner.length > margin.length ? inner.slice(margin.length) : indent;
    return JSON.stringify(value, null, step).replace(/\n/g, `${eol}${margin}`);
  }
  const padded = /^\{\s/.test(old);
  return oneLineJson(value, padded, /.\{(?!\s)/.test(old) ? /.\{\s/.test(old) : padded, /":\s/.test(old));
}

/**
 * JSON on one line, from `{ "a": 1, "b": { "c": 2 } }` (padded, inner objects padded, spaced)
 * down to `{"a":1,"b":{"c":2}}`.
 */
function oneLineJson(value: unknown, padded: boolean, innerPadded: boolean, spaced: boolean): string {
  const comma = spaced ? ', ' : ',';
  const inner = (v: unknown): string => oneLineJson(v, innerPadded, innerPadded, spaced);
  if (Array.isArray(value)) return `[${value.map(inner).join(comma)}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${spaced ? ' ' : ''}${inner(v)}`);
  if (entries.length === 0) return '{}';
  return padded ? `{ ${entries.join(comma)} }` : `{${entries.join(comma)}}`;
}

/**
 * Where each element of the top-level object's `cases` array lies in valid JSON text, as
 * [start, end) offsets (jsonc-parser's tree); null if there is no such array.
 */
export function caseSpans(text: string): [number, number][] | null {
  const cases = findNodeAtLocation(parseTree(text) ?? { type: 'null', offset: 0, length: 0 }, ['cases']);
  if (cases?.type !== 'array') return null;
  return (cases.children ?? []).map((element): [number, number] => [element.offset, element.offset + element.length]);
}

function describe(outcome: CaseOutcome): string {
  const where = `[${outcome.index}] ${outcome.name}`;
  const time = `(${outcome.wallSeconds.toFixed(3)} s)`;
  if (outcome.verdict === 'pass') {
    const r = outcome.result!;
    return `ok      ${where}: ${r.status === 'ok' ? `${r.cycles} cycles` : r.status} ${time}`;
  }
  return `${outcome.verdict === 'fail' ? 'FAIL' : 'INVALID'} ${where}: ${outcome.message} ${time}`;
}

export function registerCheck(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('check')
    .description(
      'run the cases of a JSON file and compare their cycles, peaks and status; exits 1 on a difference, 2 on a case that cannot run',
    )
    .argument('<file>', 'JSON { "cases": [ { name?, design, n, ...configuration, expectedCycles?, expectedPeaks?, expectedStatus? } ] }')
    .option('--json', 'print one JSON object with every case to stdout')
    .option('--junit <FILE>', 'also write the results as JUnit XML')
    .option('--update', 'rewrite the expectations in FILE from the results, keeping names and order')
    .exitOverride()
    .action(async (file: string, options: CheckOptions) => setExit(await checkCommand(file, options)));
  refuseRepeatedOptions(command, []);
}

/**
 * Says, before the cases run, which will take long by estimate (a check waits for its longest).
 * In CI there is no terminal to watch: a case of days had held the job without a word until its
 * time limit.
 */
function noteLongestCase(cases: readonly CheckCase[]): void {
  const seconds = cases.map((c) => {
    if (c.config === null) return null;
    try {
      return estimateCost(resolveSdpaConfig(c.config), c.config).seconds;
    } catch (error) {
      // A configuration that cannot be resolved is reported INVALID when its turn comes.
      if (error instanceof ProgramError) return null;
      throw error;
    }
  });
  const longest = longestRunIndex(seconds);
  if (longest < 0) return;
  const c = cases[longest]!;
  const instead = c.config!.timingOnly ? '' : ' "timingOnly": true gives its cycles and statistics without the outputs, much sooner;';
  console.error(
    `damflow: case [${c.index}] ${c.name} will take about ${duration(seconds[longest]!)} (an estimate), the longest;${instead} Ctrl-C stops the check`,
  );
}

export async function checkCommand(path: string, options: CheckOptions): Promise<number> {
  const file = readCheckFile(path);
  if (options.junit !== undefined) checkWritable(options.junit, '--junit');
  if (options.update) checkWritable(path, 'the check file (--update)');
  refuseSharedFiles([
    { path, what: 'the check file', writes: options.update === true },
    options.junit === undefined ? null : { path: options.junit, what: '--junit', writes: true },
  ]);
  noteLongestCase(file.cases);
  const started = performance.now();
  // SIGINT or SIGTERM stops the check in one line (exit 130), between cases as in one.
  const stopping = interruption({ interruptible: true });
  let outcomes: CaseOutcome[];
  try {
    outcomes = await runCheck(file, options.json ? undefined : (o) => console.log(describe(o)), stopping.signal);
  } finally {
    stopping.release();
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const count = (verdict: CaseOutcome['verdict']): number => outcomes.filter((o) => o.verdict === verdict).length;
  const passed = count('pass');
  const failed = count('fail');
  const invalid = count('invalid');

  if (options.junit !== undefined) writeFileAtomically(options.junit, junitXml(path, outcomes, wallSeconds));
  let updated = 0;
  // All or nothing: a file with a case that cannot run is left for the user to fix, and one
  // with nothing to change is left as written (a rewrite would reformat it).
  if (options.update && invalid === 0) {
    const rewritten = updatedCheckFile(file, outcomes);
    updated = rewritten.updated;
    if (updated > 0) writeFileAtomically(path, rewritten.text);
  }
  if (options.json) {
    const cases = outcomes.map(({ result, ...o }) => ({ ...o, status: result?.status ?? null, cycles: result?.cycles ?? null }));
    console.log(
      JSON.stringify({ file: path, passed, failed, invalid, wallSeconds, ...(options.update ? { updated } : {}), cases }, null, 2),
    );
  } else {
    const summary = `${passed} passed, ${failed} failed${invalid > 0 ? `, ${invalid} invalid` : ''} (${wallSeconds.toFixed(2)} s)`;
    console.log(options.update ? `${summary}; updated ${updated} case(s) in ${path}` : summary);
  }
  // A case that cannot run as written is bad input: the file needs fixing before it can pass.
  if (invalid > 0)
    console.error(
      `damflow: ${invalid} case(s) of '${path}' cannot run as written (${options.json ? 'verdict "invalid" in the JSON' : 'INVALID above'})${options.update ? '; the file is left as it was' : ''}`,
    );
  // Updated, the file expects what ran: what failed before the rewrite is what was asked for.
  return invalid > 0 ? EXIT_BAD_INPUT : failed > 0 && !options.update ? EXIT_RUN_ERROR : EXIT_OK;
}
