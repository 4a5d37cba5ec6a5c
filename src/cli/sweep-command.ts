import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { readSweepFile } from '../sweep/sweep-file.js';
import { expandSweep, parseSweepSpec } from '../sweep/sweep-spec.js';
import { ResultsFile, csvPathOf, readResults } from '../sweep/results-file.js';
import type { Numbering } from '../sweep/results-file.js';
import { JobPool } from '../sweep/job-pool.js';
import { runOnPool } from '../sweep/pool-sweep.js';
import { DEFAULT_QUEUE_NAME, checkQueueName, checkQueueUrl, shownUrl } from '../sweep/queue-address.js';
import { thisBuild } from '../sweep/build.js';
import { lockForWriting } from '../files/writer-lock.js';
import { checkAxisName, pointLabel } from '../sweep/axis.js';
import { flatAxis, sweepChart } from '../reports/sweep-chart.js';
import { sweepTable } from '../reports/sweep-table.js';
import { formatTable } from '../reports/table.js';
import { sweepTitle } from '../reports/result-title.js';
import { outputsKey } from '../designs/sdpa/outputs-key.js';
import { duration, estimateCost, longestRunIndex, poolCost, refuseWhatCannotFit } from '../designs/sdpa/cost.js';
import type { RunCost } from '../designs/sdpa/cost.js';
import { memoryBudget } from '../engines/worker-pool.js';
import { ProgramError } from '../kernel/errors.js';
import { CHART_EXTENSIONS, checkChartFile } from './chart-option.js';
import { arg, parseNonNegativeInt, parseWorkers, refuseRepeatedOptions, secretArg } from './args.js';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_RUN_ERROR, sayInterrupted, UsageError } from './errors.js';
import { sweepProgress } from './sweep-progress.js';
import { writeFileAtomically } from '../files/atomic-write.js';
import { checkPageWritable, checkWritable, refuseSharedFiles } from './output-file.js';
import { exitAfterGrace } from './exit-grace.js';
import type { Command } from 'commander';
import type { JobRecord, StoredRecord, SweepJob } from '../sweep/sweep-job.js';
import type { Point } from '../sweep/axis.js';
import type { WorkerPresence } from '../sweep/queue-presence.js';

export interface SweepOptions {
  results?: string;
  /** Unset: 'auto'. Kept apart from 'auto' so that a --workers that nothing reads is refused. */
  workers?: number | 'auto';
  queue?: string;
  queueName: string;
  plot?: string;
  report?: string;
  x?: string;
  list?: boolean;
  only?: number;
  json?: boolean;
  progress: boolean;
  quiet?: boolean;
}

export function registerSweep(program: Command, setExit: (code: number) => void): void {
  const sweep = program
    .command('sweep')
    .description('run every configuration of a sweep file (JSON or YAML) on the local worker pool, or through a Redis queue')
    .argument('<file>', 'sweep file: { base: CONFIG, grid: { AXIS: [values] | { from, to, step | times } }, list: [ { AXIS: value } ] }')
    .option(
      '--results <FILE.jsonl>',
      'results file (a CSV is written beside it); default FILE.results.jsonl beside the sweep file',
      arg(checkResultsName('--results')),
    )
    .option('--workers <W>', "worker threads of the local pool, or 'auto' (one per core; the default)", arg(parseWorkers))
    .option(
      '--queue <URL>',
      'enqueue the jobs on a Redis broker (redis://HOST:PORT) for `damflow worker` processes to run',
      secretArg(checkQueueUrl),
    )
    .option('--queue-name <NAME>', 'BullMQ queue name (workers must use the same)', arg(checkQueueName), DEFAULT_QUEUE_NAME)
    .option(
      '--plot <FILE>',
      `chart of cycles, intermediate memory and peak occupancy (${CHART_EXTENSIONS.join(' or ')})`,
      arg(checkChartFile),
    )
    .option('--x <AXIS>', "the chart's x axis (default: the first axis that varies, one of numbers first)", arg(checkX))
    .option('--report <FILE>', 'write a self-contained HTML report of the sweep (results, memory against N), as damflow report does')
    .option('--list', 'print the jobs (index, hash, axes) and run nothing')
    .option(
      '--only <I>',
      'run job I alone, into a results file of its own (for job arrays)',
      arg((v) => parseNonNegativeInt(v, 'job index')),
    )
    .option('--json', 'with --list: one JSON object per job')
    .option('--no-progress', 'no progress bar on a terminal')
    .option('--quiet', 'no progress bar and no notes on stderr')
    .exitOverride()
    .action(async (file: string, options: SweepOptions) => setExit(await sweepCommand(file, options)));
  refuseRepeatedOptions(sweep, []);
  const merge = sweep
    .command('merge')
    .description('combine results files (of `sweep --only` jobs) into one, one record per job, in job order')
    .argument('<parts...>', 'results files to merge')
    .requiredOption(
      '--into <FILE.jsonl>',
      'the results file to merge into (kept, and added to); a CSV is written beside it',
      arg(checkResultsName('--into')),
    )
    .exitOverride()
    .action((parts: string[], options: { into: string }) => setExit(mergeCommand(parts, options.into)));
  refuseRepeatedOptions(merge, []);
}

/**
 * A results file holds JSON lines, and its CSV goes beside it: `--results r.csv` had written
 * JSON lines into r.csv and the CSV into r.csv.csv, and a later `--results r` its CSV over r.csv.
 */
function checkResultsName(option: string): (file: string) => string {
  return (file) => {
    if (extname(file).toLowerCase() === '.csv')
      throw new UsageError(`${option} names the JSON lines file, and its CSV is written beside it: give FILE.jsonl, got '${file}'`);
    return file;
  };
}

function checkX(axis: string): string {
  checkAxisName(axis, '--x');
  return axis;
}

/**
 * Refuses, before any runs, a sweep on this machine's pool of `workers` threads with a job that
 * could not fit in its memory, as `run` refuses one, or whose jobs could not fit together, as
 * many at once as there are workers. Through a queue such a job runs elsewhere, and a worker
 * that cannot hold it records why it failed.
 */
function refuseWhatCannotFitHere(file: string, jobs: readonly SweepJob[], costs: readonly RunCost[], workers: number): void {
  // Read once: the free memory read for each of 40,000 jobs had taken 1.5 s.
  const budget = memoryBudget();
  const refuse = (cost: RunCost, what: string): void => {
    try {
      refuseWhatCannotFit(cost, budget);
    } catch (error) {
      if (error instanceof ProgramError) throw new ProgramError(`sweep file '${file}'${what}: ${error.message}`);
      throw error;
    }
  };
  jobs.forEach((job, i) => refuse(costs[i]!, `, ${jobLabel(job)}`));
  refuse(poolCost(costs, workers, `its ${jobs.length} jobs on ${workers} worker(s)`), '');
}

/** `job 3 (design=naive n=512)`. */
function jobLabel(job: SweepJob): string {
  return `job ${job.index} (${pointLabel(job.point, job.resolved) || 'the base configuration'})`;
}

/** Says, before the jobs start, which will take long by estimate (`costs`, the jobs' own). */
function noteLongestJob(jobs: readonly SweepJob[], costs: readonly RunCost[], note: (text: string) => void): void {
  const longest = longestRunIndex(costs.map((cost) => cost.seconds));
  if (longest < 0) return;
  note(
    `${jobLabel(jobs[longest]!)} will take about ${duration(costs[longest]!.seconds)} (an estimate), the longest; Ctrl-C stops the sweep, and the same command resumes it`,
  );
}

/** `dir/name.yaml` -> `dir/name.results.jsonl` (`dir/name.job-3.results.jsonl` for one job). */
export function defaultResultsPath(sweepFile: string, only?: number): string {
  const stem = basename(sweepFile, extname(sweepFile));
  return join(dirname(sweepFile), `${stem}${only === undefined ? '' : `.job-${only}`}.results.jsonl`);
}

export async function sweepCommand(file: string, options: SweepOptions): Promise<number> {
  if (options.list && (options.only !== undefined || options.queue !== undefined))
    throw new UsageError('--list runs nothing: not with --only or --queue');
  if (options.only !== undefined && options.queue !== undefined) throw new UsageError('--only runs one job here: not with --queue');
  if (options.json && !options.list) throw new UsageError('--json goes with --list');
  if (options.queueName !== DEFAULT_QUEUE_NAME && options.queue === undefined)
    throw new UsageError('--queue-name names the queue of --queue: give --queue too');
  if (options.x !== undefined && options.plot === undefined)
    throw new UsageError("--x picks the x axis of --plot's chart: give --plot too");
  if (options.list && options.results !== undefined) throw new UsageError('--list runs nothing and writes no --results');
  // Only the local pool has workers: a --workers beside these had been ignored without a word.
  if (options.workers !== undefined && (options.list || options.only !== undefined || options.queue !== undefined))
    throw new UsageError(
      "--workers sizes the local pool, which --list, --only and --queue do not use (a queue's workers take theirs: damflow worker --workers W)",
    );
  for (const [option, value] of [
    ['--report', options.report],
    ['--plot', options.plot],
  ] as const) {
    if (value !== undefined && (options.list || options.only !== undefined))
      throw new UsageError(`${option} draws the whole sweep: not with --list or --only`);
  }
  if (!options.list) {
    const results = options.results ?? defaultResultsPath(file, options.only);
    refuseSharedFiles([
      { path: file, what: 'the sweep file', writes: false },
      { path: results, what: resultsRole(options), writes: true },
      { path: csvPathOf(results), what: "the results' CSV", writes: true },
      options.plot === undefined ? null : { path: options.plot, what: '--plot', writes: true },
      options.report === undefined ? null : { path: options.report, what: '--report', writes: true },
    ]);
  }
  if (options.report !== undefined) checkPageWritable(options.report, '--report');
  // The local pool's threads take about 150 ms to start and load a job's modules: they do it
  // while this thread reads and expands the file.
  const pool = options.list || options.only !== undefined || options.queue !== undefined ? null : new JobPool(options.workers ?? 'auto');
  try {
    return await sweepOn(pool, file, options);
  } finally {
    await pool?.close();
    if (options.queue !== undefined) exitAfterGrace();
  }
}

/** The sweep of `file` on `pool`, or through the queue, or its list, or one job of it (`pool` null). */
async function sweepOn(pool: JobPool | null, file: string, options: SweepOptions): Promise<number> {
  const { jobs, repeated } = expandSweep(parseSweepSpec(readSweepFile(file), file), file);
  const note = (text: string): void => {
    if (!options.quiet) console.error(`damflow: ${text}`);
  };
  if (repeated > 0) note(`${repeated} point(s) of '${file}' repeat an earlier configuration: each runs once`);
  const flat =
    options.x === undefined
      ? null
      : flatAxis(
          jobs.map((j) => ({ point: j.point, config: j.resolved })),
          options.x,
        );
  if (flat !== null) throw new UsageError(flat);
  if (options.list) {
    listJobs(jobs, options.json === true);
    return EXIT_OK;
  }
  if (options.only !== undefined)
    return runOnly(file, jobs, options.only, options.results ?? defaultResultsPath(file, options.only), resultsRole(options), note);

  const resultsPath = options.results ?? defaultResultsPath(file);
  const results = openResults(resultsPath, resultsRole(options), jobs, (records) => {
    refuseOtherSweeps(resultsPath, records, jobs, file, note);
    refuseOtherBuilds(resultsPath, records);
  });
  if (results.tornLineCut) note(tornLine(resultsPath, 'cut off; its job runs again'));
  const failed = retryFailed(results, jobs);
  const pending = jobs.filter((j) => !results.has(j.hash));
  const resumed = pending.length < jobs.length || failed > 0;
  const resuming = `${jobs.length - pending.length} of ${jobs.length} jobs already in '${resultsPath}'${failed > 0 ? `, and ${failed} that failed there run again` : ''}`;
  // Through a queue, said once the broker has answered: one that cannot be reached is the only line.
  if (resumed && (options.queue === undefined || pending.length === 0)) note(`${resuming}: resuming`);
  // Each job's estimate as a run in one thread, as the pool runs it: read once for both.
  const costs = pending.map((job) => estimateCost(job.resolved, { ...job.config, workers: 1 }));
  if (pool !== null) refuseWhatCannotFitHere(file, pending, costs, pool.workers);
  noteLongestJob(pending, costs, note);
  const progress = sweepProgress(jobs.length, jobs.length - pending.length, options.progress && !options.quiet);
  const controller = new AbortController();
  const interrupt = (): void => controller.abort();
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const onRecord = (record: JobRecord): void => {
    if (results.add(record)) progress.done(record.status === 'failed');
  };
  const started = performance.now();
  try {
    if (options.queue !== undefined && pending.length > 0) {
      // BullMQ and ioredis load only here: half a second of start-up every other command is spared.
      const { runOnQueue } = await import('../sweep/queue-sweep.js');
      const broker = shownUrl(options.queue);
      await runOnQueue(pending, onRecord, {
        url: options.queue,
        name: options.queueName,
        signal: controller.signal,
        onError: (message) => console.error(`damflow: broker: ${message}`),
        onEnqueued: (earlier) => {
          if (resumed) note(`${resuming}: resuming`);
          note(
            `${pending.length} job(s) on ${broker} (queue '${options.queueName}', for workers of this build, damflow ${thisBuild()}): start workers with damflow worker --queue ${broker}`,
          );
          if (earlier > 0)
            note(`${earlier} of them finished on the queue before this sweep, on workers of this build (records are kept a week): taken`);
        },
        onUnserved: (others) => note(unserved(others, broker, options.queueName)),
      });
    } else if (pool !== null) {
      try {
        await runOnPool(pool, pending, onRecord, controller.signal);
      } catch (error) {
        if (!controller.signal.aborted) throw error;
      }
    }
  } finally {
    progress.stop();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const records = jobs.flatMap((j) => results.get(j.hash) ?? []);
  if (controller.signal.aborted) {
    const where = existsSync(resultsPath) ? `in '${resultsPath}'` : 'done, and nothing is written';
    sayInterrupted(`damflow: interrupted; ${records.length} of ${jobs.length} jobs are ${where}: run the same command to resume`);
    return EXIT_INTERRUPTED;
  }
  console.log(sweepTable(records, jobs.length, wallSeconds, resultsPath));
  // What this command checked: a resumed sweep's earlier records had been counted again.
  const ranNow = new Set(pending.map((j) => j.hash));
  const shared = records.filter((r) => r.check === 'shared' && ranNow.has(r.hash));
  if (shared.length > 0) {
    const shapes = new Set(shared.map((r) => outputsKey(r.config))).size;
    console.log(
      `outputs: ${shared.length} jobs of ${shapes} shape(s) checked once per shape (they differ only in capacities, latencies or IIs)`,
    );
  }
  console.log(`results: ${resultsPath}, ${results.csvPath}`);
  if (options.plot !== undefined) {
    const { writeChart } = await import('../reports/render-chart.js');
    const chart = sweepChart(records, `damflow sweep ${basename(file)}`, options.x);
    // An empty chart (axes from Infinity to -Infinity) had been written without a word.
    // A file already there is left alone, but said to be old: it charts some earlier sweep.
    const old = existsSync(options.plot) ? ' (the file there is from before)' : '';
    if (chart.points.length === 0)
      console.error(`damflow: no chart written to '${options.plot}'${old}: no job finished (${chart.notDrawn})`);
    else {
      await writeChart(
        options.plot,
        chart.spec,
        `damflow sweep ${basename(file)}`,
        sweepTable(records, jobs.length, wallSeconds, resultsPath),
      );
      console.log(`chart: ${options.plot}${chart.notDrawn === null ? '' : ` (${chart.notDrawn})`}`);
    }
  }
  if (options.report !== undefined) {
    const { reportPage } = await import('../reports/report-page.js');
    writeFileAtomically(options.report, await reportPage({ title: sweepTitle(records.length), runs: records, timeline: null }));
    console.log(`report: ${options.report}`);
  }
  return records.some((r) => r.status === 'failed') ? EXIT_RUN_ERROR : EXIT_OK;
}

/**
 * Drops the failed records of these jobs, which then run again: a failure may be passing (a
 * worker that died, a machine short of memory), and kept, it would fail the sweep for ever. A
 * deadlock is its configuration's, and stays. How many.
 */
function retryFailed(results: ResultsFile, jobs: readonly SweepJob[]): number {
  const failed = jobs.filter((j) => results.get(j.hash)?.status === 'failed').map((j) => j.hash);
  results.drop(failed);
  return failed.length;
}

/**
 * Refuses a results file none of whose records is a job of this sweep (another sweep's: its
 * records would mix with these), and says how many are not where some are (an earlier version
 * of the sweep file: kept, without a job number, and not shown).
 */
function refuseOtherSweeps(
  path: string,
  records: readonly StoredRecord[],
  jobs: readonly SweepJob[],
  file: string,
  note: (text: string) => void,
): void {
  const ours = new Set(jobs.map((j) => j.hash));
  const others = records.filter((r) => !ours.has(r.hash)).length;
  if (others === 0) return;
  if (others === records.length)
    throw new UsageError(
      `results file '${path}' holds ${others} result(s), none of them a job of '${file}': give this sweep its own --results file`,
    );
  note(
    `${others} result(s) in '${path}' are not jobs of '${file}' (of an earlier version of it?): kept without a job number, and left out of this sweep's table`,
  );
}

function listJobs(jobs: readonly SweepJob[], json: boolean): void {
  if (json) {
    for (const job of jobs) console.log(JSON.stringify({ index: job.index, hash: job.hash, point: job.point, config: job.resolved }));
    return;
  }
  console.log(
    formatTable(
      ['job', 'hash', 'axes'],
      jobs.map((j) => [String(j.index), j.hash.slice(0, 12), pointLabel(j.point, j.resolved)]),
    ),
  );
}

/** How messages name the results file: the option that named it, or what it is when none did. */
function resultsRole(options: SweepOptions): string {
  return options.results === undefined ? 'the results file' : '--results';
}

/**
 * A results file (`option` names it), numbered by `jobs`, refused in one line where it or its
 * CSV cannot be written: in a folder that does not exist, a file that is read-only or not a
 * file, say. `check` sees its records before opening the file changes anything in it.
 * `locked`: this process becomes the file's one writer (lockForWriting).
 */
function openResults(
  path: string,
  option: string,
  jobs: Numbering,
  check?: (records: readonly StoredRecord[]) => void,
  locked = true,
): ResultsFile {
  checkWritable(path, option, { appended: true });
  checkWritable(csvPathOf(path), `${option}'s CSV`);
  // Two sweeps of one file at once had written every record twice, into the file and its CSV.
  if (locked) lockForWriting(path, option === '--results' ? 'results file' : option);
  return ResultsFile.open(path, jobs, check);
}

/**
 * Refuses a results file that holds results of another build (build.ts) than this one: cycles
 * may differ between two builds, and the records of both in one file would read as one sweep's.
 */
function refuseOtherBuilds(path: string, records: readonly StoredRecord[]): void {
  const build = thisBuild();
  const others = records.filter((r) => r.build !== build);
  if (others.length === 0) return;
  throw new UsageError(
    `results file '${path}' holds ${others.length} result(s) of ${builtBy(others[0]!)}, not of this build (damflow ${build}): results of two builds are not put together, since their cycles may differ; give this sweep another --results file (or move that one away)`,
  );
}

/** `damflow 0.1.0+3f9a2c1d4e5b`, the build that made a record. */
function builtBy(record: StoredRecord): string {
  return record.build === undefined ? 'a damflow that recorded no build (an older one)' : `damflow ${record.build}`;
}

/** The note of a sweep whose jobs no worker takes: `others` serve other builds (none: the workers there have gone). */
function unserved(others: readonly WorkerPresence[], broker: string, queueName: string): string {
  const start = `start damflow worker --queue ${broker} from this build (damflow ${thisBuild()})`;
  if (others.length === 0) return `no worker serves queue '${queueName}' on ${broker} now: the jobs wait; ${start}`;
  const builds = [...new Set(others.map((w) => w.build))].map((build) => {
    const where = others.filter((w) => w.build === build).map((w) => `${w.host} pid ${w.pid}`);
    return `damflow ${build} (${where.join(', ')})`;
  });
  return `no worker of this build takes the jobs: the ${others.length} worker(s) on queue '${queueName}' are of other builds, ${builds.join('; ')}, and run none of them; ${start}`;
}

/** One job of an array (Slurm, Kubernetes Indexed Job): runs here, into its own results file. */
async function runOnly(
  file: string,
  jobs: readonly SweepJob[],
  index: number,
  resultsPath: string,
  role: string,
  note: (text: string) => void,
): Promise<number> {
  const job = jobs[index];
  if (job === undefined) throw new UsageError(`--only ${index}: '${file}' has jobs 0 to ${jobs.length - 1}`);
  // Not locked: an array task's file is its own, and a task cut off on one node is run again on another, which could not tell that its process is gone.
  const results = openResults(resultsPath, role, jobs, (records) => refuseOtherBuilds(resultsPath, records), false);
  if (results.tornLineCut) note(tornLine(resultsPath, 'cut off'));
  retryFailed(results, [job]);
  // The engines load only here: a sweep's own thread runs no job.
  const record = results.get(job.hash) ?? (await (await import('../sweep/run-job.js')).runJob(job, 'array'));
  results.add(record);
  const figures = record.status === 'failed' ? record.error : `${record.cycles} cycles`;
  console.log(`${jobLabel(job)}: ${record.status}, ${figures} -> ${resultsPath}`);
  return record.status === 'failed' ? EXIT_RUN_ERROR : EXIT_OK;
}

export function mergeCommand(parts: readonly string[], into: string): number {
  // Written over a part, the merged file or its CSV would lose what the part held: refused as sweep refuses an output over an input.
  refuseSharedFiles([
    ...parts.map((part) => ({ path: part, what: 'a part', writes: false })),
    { path: into, what: '--into', writes: true },
    { path: csvPathOf(into), what: "--into's CSV", writes: true },
  ]);
  // Every part read before the merged file is touched: a part missing or not a results file leaves it as it was.
  const read = parts.map((part) => ({ file: part, ...readResults(part, { mustExist: true }) }));
  const target = { file: into, records: readResults(into).records };
  refuseMixedBuilds([...read, target]);
  const numbering = mergedNumbering(target, read);
  for (const part of read) if (part.torn) console.error(`damflow: ${tornLine(part.file, 'left out')}`);
  const place = (r: StoredRecord): number => r.index ?? Number.MAX_SAFE_INTEGER;
  const records = read.flatMap((part) => part.records).sort((a, b) => place(a) - place(b));
  if (records.length === 0 && !existsSync(into)) {
    checkWritable(into, '--into');
    console.log(`merged ${parts.length} file(s): they hold no job record; nothing written to ${into}`);
    return EXIT_OK;
  }
  const results = openResults(into, '--into', numbering);
  if (results.tornLineCut) console.error(`damflow: ${tornLine(into, 'cut off')}`);
  noteRenumbered(target, results);
  // A part's record that did not fail takes the place of a failed one: its job ran again (--only runs a failed job again).
  const failedThere = new Set(target.records.filter((r) => r.status === 'failed').map((r) => r.hash));
  const rerun = [...new Set(records.filter((r) => r.status !== 'failed' && failedThere.has(r.hash)).map((r) => r.hash))];
  results.drop(rerun);
  const before = results.all().length;
  for (const record of records) results.add(record);
  const added = results.all().length - before;
  const replacing = rerun.length > 0 ? ` (${rerun.length} in place of failed ones)` : '';
  console.log(
    `merged ${parts.length} file(s): ${added} job(s) added${replacing}, ${records.length - added} already there; ${results.all().length} in ${into}, ${results.csvPath}`,
  );
  return EXIT_OK;
}

/**
 * Refuses a merge of results of two builds (build.ts), parts or the merged file: their cycles
 * may differ, and one file of both would read as one sweep's. Which build they are of is not
 * asked (a merge runs nothing), only that they are of one.
 */
function refuseMixedBuilds(files: readonly MergedFile[]): void {
  let first: { file: string; record: StoredRecord } | null = null;
  for (const { file, records } of files) {
    for (const record of records) {
      if (first === null) first = { file, record };
      else if (record.build !== first.record.build)
        throw new UsageError(
          `'${first.file}' holds results of ${builtBy(first.record)} and '${file}' of ${builtBy(record)}: results of two builds are not merged, since their cycles may differ`,
        );
    }
  }
}

/** Says how many of the merged file's records the parts numbered otherwise (the file was numbered by another version of the sweep file). */
function noteRenumbered(before: MergedFile, after: ResultsFile): void {
  const now = new Map(after.all().map((r) => [r.hash, r.index]));
  const changed = before.records.filter((r) => r.index !== null && now.get(r.hash) !== r.index);
  if (changed.length === 0) return;
  const unnumbered = changed.filter((r) => now.get(r.hash) === null).length;
  console.error(
    `damflow: the parts number their jobs as another version of the sweep file than '${before.file}' did: ${changed.length - unnumbered} of its result(s) renumbered as the parts number them, ${unnumbered} kept without a number`,
  );
}

/** The note on a results file whose last line a kill tore (its record lost): `fate` says what became of the line. */
function tornLine(path: string, fate: string): string {
  return `the last line of '${path}' is torn (a kill while it was written?): ${fate}`;
}

/** A results file read for a merge. */
interface MergedFile {
  readonly file: string;
  readonly records: readonly StoredRecord[];
}

/**
 * How a merge numbers its records. The parts were numbered by the sweep file as it was when
 * they ran (`--only`), and must agree: one job number with two configurations, or one
 * configuration under two numbers, comes from two sweeps (or two versions of one), which merged
 * would read as one. Their numbers stand. The merged file's other records keep theirs where no
 * part's job has it, and lose it (kept, without a number) where one does: the file was numbered
 * by an earlier version of the sweep. A merged file that has no job in common with the parts and
 * numbers one of their jobs otherwise is another sweep's: refused.
 */
function mergedNumbering(into: MergedFile, parts: readonly MergedFile[]): Numbering {
  const byIndex = new Map<number, { file: string; hash: string }>();
  const byHash = new Map<string, { file: string; index: number; point: Point }>();
  const differ = (index: number, earlier: string, file: string, why = ''): never => {
    throw new UsageError(
      `job ${index} is in '${earlier}' and in '${file}' with different configurations${why}: they are results of different sweeps`,
    );
  };
  for (const { file, records } of parts) {
    for (const { index, hash, point } of records) {
      if (index === null) continue;
      const atIndex = byIndex.get(index);
      if (atIndex?.file === file && atIndex.hash !== hash)
        throw new UsageError(
          `'${file}' holds two configurations numbered job ${index} (a file an older damflow wrote after an edit of the sweep file): run the sweep on it once to number it anew`,
        );
      if (atIndex !== undefined && atIndex.hash !== hash) differ(index, atIndex.file, file);
      const ofHash = byHash.get(hash);
      if (ofHash !== undefined && ofHash.index !== index)
        throw new UsageError(
          `one configuration is job ${ofHash.index} in '${ofHash.file}' and job ${index} in '${file}': they are results of different versions of a sweep`,
        );
      byIndex.set(index, { file, hash });
      byHash.set(hash, { file, index, point });
    }
  }
  const numbering = [...byHash].map(([hash, { index, point }]) => ({ hash, index, point }));
  const shared = into.records.some((r) => byHash.has(r.hash));
  // A number two of the merged file's own records hold (a file an older damflow numbered twice) goes to the first.
  const taken = new Set(byIndex.keys());
  for (const { index, hash, point } of into.records) {
    if (index === null || byHash.has(hash)) continue;
    const part = byIndex.get(index);
    if (part !== undefined && !shared) differ(index, part.file, into.file, ', and no job in common');
    if (taken.has(index)) continue;
    taken.add(index);
    numbering.push({ hash, index, point });
  }
  return numbering;
}
