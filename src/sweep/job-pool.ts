import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { codeFamily, valuesFamily } from './code-family.js';
import { Lanes } from './lanes.js';
import { failedRecord } from './sweep-job.js';
import type { SdpaRunConfig } from '../designs/sdpa/config.js';
import type { JobTask, OutputsCheck } from './job-worker.js';
import type { JobRecord, RanOn, SweepJob } from './sweep-job.js';
import { messageOf } from '../kernel/errors.js';
import { poolOptions, refuseThreads } from '../engines/worker-pool.js';

/** The pool runs compiled JavaScript: the worker module sits next to this one in dist/. */
const WORKER_MODULE = new URL('./job-worker.js', import.meta.url).href;

/**
 * The local worker pool of a sweep: `workers` threads, each running one job at a time in its
 * own thread (runSdpa with `workers: 1`), so a sweep scales with jobs, not with the parts of
 * one run. Jobs are taken in the order given, each by a thread that has compiled its kind
 * before where one is free (lanes.ts). As many threads as the machine has cores start at
 * once, the others when there are jobs for them; threads whose memory cannot fit are refused.
 */
export class JobPool {
  readonly workers: number;
  private readonly lanes: Lanes<JobTask, JobRecord | OutputsCheck>;

  constructor(
    workers: number | 'auto',
    private readonly via: RanOn['via'] = 'pool',
  ) {
    this.workers = JobPool.threads(workers);
    refuseThreads(this.workers);
    // As many threads as the cores start at once; more only when there are jobs for them.
    this.lanes = new Lanes(
      this.workers,
      () => new Piscina<JobTask, JobRecord | OutputsCheck>(poolOptions(WORKER_MODULE, 1)),
      Math.min(this.workers, availableParallelism()),
    );
  }

  /** The threads a pool of `workers` has: 'auto', one per core. */
  static threads(workers: number | 'auto'): number {
    return workers === 'auto' ? availableParallelism() : workers;
  }

  /**
   * Runs one job (its timing alone with `timingOnly`); a worker that dies under it (out of
   * memory) makes it a failed record, not an error.
   */
  async run(job: SweepJob, signal?: AbortSignal, timingOnly = false): Promise<JobRecord> {
    const started = performance.now();
    try {
      return (await this.lanes.run(codeFamily(job.resolved), { kind: 'job', job, via: this.via, timingOnly }, signal)) as JobRecord;
    } catch (error) {
      if (signal?.aborted) throw error;
      return failedRecord(job, `worker failed: ${messageOf(error)}`, (performance.now() - started) / 1000, this.via);
    }
  }

  /** Checks rows [from, to) of a configuration's outputs alone (sdpaMaxError); a worker that dies under it is the check's error. */
  async checkOutputs(config: SdpaRunConfig, from: number, to: number, signal?: AbortSignal): Promise<OutputsCheck> {
    try {
      // Urgent: every finished job of the shape waits on it.
      return (await this.lanes.run(valuesFamily(config), { kind: 'outputs', config, from, to }, signal, true)) as OutputsCheck;
    } catch (error) {
      if (signal?.aborted) throw error;
      return { maxError: null, error: `worker failed: ${messageOf(error)}`, workerFailed: true };
    }
  }

  /** Stops every thread; jobs still running are abandoned (their results are not recorded). */
  async close(): Promise<void> {
    await this.lanes.close();
  }
}
