import { hostname } from 'node:os';
import { thisBuild } from './build.js';
import type { ResolvedSdpaConfig } from '../designs/sdpa/design.js';
import type { SdpaRunConfig } from '../designs/sdpa/config.js';
import type { Point } from './axis.js';
import type { DeadlockReport } from '../engines/run-result.js';

/** One configuration of a sweep, ready to run anywhere (plain data: it crosses threads and Redis). */
export interface SweepJob {
  /** Position in the sweep, from 0, after repeated configurations are dropped. */
  readonly index: number;
  /** jobHash of `resolved`: the job's key in results files and in the queue. */
  readonly hash: string;
  /** The axis values that made it. */
  readonly point: Point;
  /** The configuration as the sweep file gives it (parseSdpaConfig's output). */
  readonly config: SdpaRunConfig;
  /** Every default filled in, and how it asks to be run: what the hash covers. */
  readonly resolved: JobConfig;
}

/**
 * A job's resolved configuration, with the engine, fast-forward and timing-only where the job
 * asks for other than the default (auto, on, off): the first two change no figure but the time,
 * and a sweep may compare them; timing-only leaves out the outputs and their check (no
 * maxError), so its record is not the full run's. All are part of what a job is. A job that
 * leaves them alone hashes as it always has.
 */
export type JobConfig = ResolvedSdpaConfig & {
  readonly engine?: 'compiled' | 'actors';
  readonly fastForward?: false;
  readonly timingOnly?: true;
};

/** The execution choices of `config` that make a job other than the default run of its configuration. */
export function executionChoices(config: SdpaRunConfig): Pick<JobConfig, 'engine' | 'fastForward' | 'timingOnly'> {
  return {
    ...(config.engine === undefined || config.engine === 'auto' ? {} : { engine: config.engine }),
    ...(config.fastForward === false ? { fastForward: false as const } : {}),
    ...(config.timingOnly === true ? { timingOnly: true as const } : {}),
  };
}

/** A job's status: 'failed' is a run error (a unit failed, the output is wrong, a worker died). */
export type JobStatus = 'ok' | 'deadlock' | 'failed';

/** Where a job ran: the machine, the process, and by which route. */
export interface RanOn {
  readonly host: string;
  readonly pid: number;
  readonly via: 'pool' | 'queue' | 'array';
}

/** One finished job: a line of the results file. Its figures are runSdpa's, unchanged. */
export interface JobRecord {
  readonly index: number;
  readonly hash: string;
  readonly point: Point;
  readonly config: JobConfig;
  readonly status: JobStatus;
  /** Null when the job failed. */
  readonly cycles: number | null;
  readonly intermediateMemory: { readonly capacity: number | null; readonly peakOccupancy: number } | null;
  /** Peak occupancy of every channel; with several heads keyed `h1/qk`. */
  readonly peaks: Readonly<Record<string, number>> | null;
  readonly maxError: number | null;
  /**
   * Whose check gave maxError: the job's own run, or the one check of the outputs the jobs of
   * its shape share (shared-checks.ts); absent where there is no maxError, and in older files.
   */
  readonly check?: 'own' | 'shared';
  /** Why the job failed, or null. */
  readonly error: string | null;
  /**
   * Who waits on what in a deadlocked job (its blocked units, their clocks and waits), as
   * `damflow run --json` reports it: what a user would otherwise run the job again to see.
   * Absent unless the status is 'deadlock', and in older files.
   */
  readonly deadlock?: DeadlockReport;
  readonly wallSeconds: number;
  readonly ranOn: RanOn;
  /**
   * The damflow build that ran the job (build.ts: version and a hash of its code): results of
   * one build only are put together.
   */
  readonly build: string;
  readonly finishedAt: string;
}

/**
 * A line of a results file: a job's record, or, with index null, the record of a configuration
 * that is no job of the sweep the file was last numbered by (an earlier version's, before the
 * sweep file was edited): kept, under its hash, which is what identifies it, without a job
 * number that another job may now have. Its point is the one it had.
 */
export type StoredRecord = Omit<JobRecord, 'index' | 'build'> & {
  readonly index: number | null;
  /** Absent in the files of a damflow older than the field: of no known build. */
  readonly build?: string;
};

/** A channel's peak occupancy in a record; with several heads, the largest over heads. */
export function channelPeak(record: Pick<JobRecord, 'peaks'>, channel: string): number | null {
  if (record.peaks === null) return null;
  const values = Object.entries(record.peaks)
    .filter(([key]) => key === channel || key.endsWith(`/${channel}`))
    .map(([, v]) => v);
  return values.length === 0 ? null : Math.max(...values);
}

/** The record of a job that gave no figures: its run threw, or the worker running it died. */
export function failedRecord(job: SweepJob, error: string, wallSeconds: number, via: RanOn['via']): JobRecord {
  return {
    index: job.index,
    hash: job.hash,
    point: job.point,
    config: job.resolved,
    status: 'failed',
    cycles: null,
    intermediateMemory: null,
    peaks: null,
    maxError: null,
    error,
    wallSeconds,
    ranOn: ranOn(via),
    build: thisBuild(),
    finishedAt: new Date().toISOString(),
  };
}

/** Where a record was made: this host and process, and how its job came (pool, queue, array). */
export function ranOn(via: RanOn['via']): RanOn {
  return { host: hostname(), pid: process.pid, via };
}
