import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, truncateSync } from 'node:fs';
import { messageOf, ProgramError } from '../kernel/errors.js';
import { dirname, resolve } from 'node:path';
import { writeFileAtomically } from '../files/atomic-write.js';
import { writeFailure } from '../files/file-write-error.js';
import { CSV_HEADER, csvRow } from './results-csv.js';
import { canonicalJson } from './job-hash.js';
import type { JobRecord, JobStatus, StoredRecord } from './sweep-job.js';

/** The CSV beside a results file: `results.jsonl` -> `results.csv`. */
export function csvPathOf(path: string): string {
  return path.endsWith('.jsonl') ? `${path.slice(0, -'.jsonl'.length)}.csv` : `${path}.csv`;
}

/** The first columns of every results CSV damflow has written (columns were added after them over time). */
const CSV_FIRST_COLUMNS = 'index,hash,status,';

/**
 * Refuses a file at the CSV's place that is not a results CSV, since the CSV is written over
 * whole: `--results fresh` had written its CSV over a `fresh.csv` of the user's without a word.
 * An empty file holds nothing to lose.
 */
function refuseForeignCsv(csvPath: string): void {
  let fd: number;
  try {
    fd = openSync(csvPath, 'r');
  } catch {
    // None there (or none readable, which writing it reports).
    return;
  }
  const head = Buffer.alloc(CSV_FIRST_COLUMNS.length);
  try {
    const read = readSync(fd, head, 0, head.length, 0);
    if (read === 0 || head.toString('utf8', 0, read) === CSV_FIRST_COLUMNS) return;
  } finally {
    closeSync(fd);
  }
  throw new ProgramError(
    `'${csvPath}' is there and is not a results CSV, and the results' CSV would be written over it: give the results file another name, or move that file away`,
  );
}

/** The jobs a results file numbers its records by: each job's hash, its number and its axis values (a sweep's jobs). */
export type Numbering = readonly Pick<JobRecord, 'hash' | 'index' | 'point'>[];

/**
 * A results file: one JSON line per finished job, appended whole as each job finishes, with
 * its CSV beside it. One process writes it (the sweep, or one array task). Jobs are keyed by
 * hash: a record for a hash already there is dropped, so a job delivered twice (a queue's
 * retry) is counted once. A kill can tear the last line; opening the file drops that line (the
 * job runs again), and rewrites the CSV from the JSON lines, which are the truth.
 *
 * A job's number and point are its place in one version of the sweep file: the file is opened
 * with the jobs of the version at hand, and every record takes its job's number and point
 * (a record that a queue kept from before an edit too), or none where its configuration is no
 * longer a job (kept, index null), so that no two records ever share a number. A file numbered
 * otherwise is written again, whole, when it is opened.
 */
export class ResultsFile {
  readonly csvPath: string;
  private readonly records = new Map<string, StoredRecord>();
  private readonly numbering: ReadonlyMap<string, Pick<JobRecord, 'index' | 'point'>>;
  /** Whether the CSV is written: not before the first record, for a file that did not exist (an early Ctrl-C leaves nothing). */
  private csvWritten = false;

  private constructor(
    readonly path: string,
    /** Whether opening cut off a torn last line (its job's record is not here). */
    readonly tornLineCut: boolean,
    jobs: Numbering,
  ) {
    this.csvPath = csvPathOf(path);
    this.numbering = new Map(jobs.map(({ hash, index, point }) => [hash, { index, point }]));
  }

  /**
   * Opens (or creates) a results file, keeping what it holds, numbered by `jobs`. `check` sees
   * its records before anything in the file changes (a torn last line cut off, a renumbering),
   * and may refuse them.
   */
  static open(path: string, jobs: Numbering, check?: (records: readonly StoredRecord[]) => void): ResultsFile {
    const { records, torn, intactBytes } = readResults(path);
    check?.(records);
    refuseForeignCsv(csvPathOf(path));
    // The next line starts clean.
    if (torn) truncateSync(path, intactBytes);
    const file = new ResultsFile(path, torn, jobs);
    for (const record of records) if (!file.records.has(record.hash)) file.records.set(record.hash, file.numbered(record));
    const kept = file.all();
    if (kept.length !== records.length || kept.some((record, i) => record !== records[i])) file.rewrite();
    else if (existsSync(path)) file.writeCsv();
    return file;
  }

  has(hash: string): boolean {
    return this.records.has(hash);
  }

  /** The record of a job of the numbering (its number and point as the numbering gives them). */
  get(hash: string): JobRecord | undefined {
    const record = this.records.get(hash);
    return record === undefined || !isNumbered(record) ? undefined : record;
  }

  all(): StoredRecord[] {
    return [...this.records.values()];
  }

  /** Appends a record, numbered, unless its configuration is already there; true when it was added. */
  add(record: StoredRecord): boolean {
    if (this.records.has(record.hash)) return false;
    const numbered = this.numbered(record);
    // One write of a whole line each: a kill leaves at most the last one torn. Held once written.
    appendLine(this.path, JSON.stringify(numbered));
    this.records.set(record.hash, numbered);
    if (this.csvWritten) appendLine(this.csvPath, csvRow(numbered));
    else this.writeCsv();
    return true;
  }

  /** Drops the records of these configurations (failed jobs about to run again): the file is written again, once, without them. */
  drop(hashes: readonly string[]): void {
    if (hashes.length === 0) return;
    for (const hash of hashes) this.records.delete(hash);
    this.rewrite();
  }

  /** A record as this file numbers it: its job's number and point, or no number for a configuration that is no job. */
  private numbered(record: StoredRecord): StoredRecord {
    const job = this.numbering.get(record.hash);
    const index = job?.index ?? null;
    const point = job?.point ?? record.point;
    // The same object where nothing changes: how open() tells a file that needs writing again.
    if (index === record.index && canonicalJson(point) === canonicalJson(record.point)) return record;
    return { ...record, index, point };
  }

  /** The whole file and its CSV written again, each at once (a kill leaves the old one). */
  private rewrite(): void {
    writeFileAtomically(
      this.path,
      this.all()
        .map((record) => `${JSON.stringify(record)}\n`)
        .join(''),
    );
    this.writeCsv();
  }

  private writeCsv(): void {
    writeFileAtomically(this.csvPath, [CSV_HEADER, ...[...this.records.values()].map(csvRow), ''].join('\n'));
    this.csvWritten = true;
  }
}

function isNumbered(record: StoredRecord): record is JobRecord {
  return record.index !== null;
}

/**
 * The records of a results file (none if it does not exist, unless `mustExist`), and whether its
 * last line was torn. A last line without its newline that begins as a record does was torn by
 * a kill: it is left out (`torn`, for the caller to say so; `intactBytes` is what comes before
 * it, once every other line has been read as a record: a file that is not a results file is
 * refused, never cut). Any other line that is not a record is an error naming the file and the
 * line.
 */
export function readResults(path: string, { mustExist = false } = {}): { records: StoredRecord[]; torn: boolean; intactBytes: number } {
  if (!existsSync(path) && !mustExist) return { records: [], torn: false, intactBytes: 0 };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ProgramError(`cannot read results file '${path}': ${messageOf(error)}`);
  }
  const end = text.lastIndexOf('\n') + 1;
  const lines = text.slice(0, end).split('\n').slice(0, -1);
  const notRecord = (line: number): never => {
    throw new ProgramError(`results file '${path}' line ${line} is not a job record: is it a damflow sweep's results file?`);
  };
  const records = lines.flatMap((line, i) => {
    if (line.trim() === '') return [];
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return notRecord(i + 1);
    }
    return isStoredRecord(value) ? [value] : notRecord(i + 1);
  });
  const torn = end < text.length;
  if (torn && !text.slice(end).startsWith('{')) notRecord(lines.length + 1);
  return { records, torn, intactBytes: Buffer.byteLength(text.slice(0, end)) };
}

const STATUSES: readonly unknown[] = ['ok', 'deadlock', 'failed'] satisfies JobStatus[];

/** Whether a parsed line has a record's identity and figures (what a sweep, a merge and a resume read of it). */
function isStoredRecord(value: unknown): value is StoredRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r['hash'] === 'string' &&
    (r['index'] === null || Number.isSafeInteger(r['index'])) &&
    STATUSES.includes(r['status']) &&
    (r['cycles'] === null || typeof r['cycles'] === 'number') &&
    typeof r['config'] === 'object' &&
    r['config'] !== null &&
    typeof r['point'] === 'object' &&
    r['point'] !== null
  );
}

/** Appends one line to `path`; a folder removed during the sweep, or a full disk, is said as any output's is (FileWriteError). */
function appendLine(path: string, line: string): void {
  try {
    appendFileSync(path, `${line}\n`);
  } catch (error) {
    throw writeFailure(path, dirname(resolve(path)), true, error);
  }
}
