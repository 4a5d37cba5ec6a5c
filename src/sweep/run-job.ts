import { runSdpa } from '../designs/sdpa/run.js';
import type { SdpaRunResult } from '../designs/sdpa/run.js';
import { failedRecord, ranOn } from './sweep-job.js';
import { thisBuild } from './build.js';
import type { JobRecord, RanOn, SweepJob } from './sweep-job.js';
import { messageOf } from '../kernel/errors.js';

/**
 * Runs one job in this thread (`workers: 1`: the pool's parallelism is across jobs) and
 * records what runSdpa gave; with `timingOnly`, its figures without maxError (a sweep checks
 * outputs that several of its jobs share once: shared-checks.ts). Any error is the job's status,
 * never the sweep's: a unit that fails or an output off the reference is 'failed', with the
 * reason.
 */
export async function runJob(job: SweepJob, via: RanOn['via'], timingOnly = false): Promise<JobRecord> {
  const started = performance.now();
  let result: SdpaRunResult;
  try {
    result = await runSdpa({ ...job.config, workers: 1, ...(timingOnly ? { timingOnly } : {}) });
  } catch (error) {
    return failedRecord(job, messageOf(error), (performance.now() - started) / 1000, via);
  }
  const peaks: Record<string, number> = {};
  for (const c of result.channels) peaks[result.heads > 1 ? `h${c.head}/${c.name}` : c.name] = c.peakOccupancy;
  return {
    index: job.index,
    hash: job.hash,
    point: job.point,
    config: job.resolved,
    status: result.status,
    cycles: result.cycles,
    intermediateMemory: result.intermediateMemory,
    peaks,
    maxError: result.maxError,
    ...(result.maxError === null ? {} : { check: 'own' as const }),
    error: null,
    ...(result.deadlock === null ? {} : { deadlock: result.deadlock }),
    // The whole job (build, run, its reference check unless shared), not only the simulation runSdpa times.
    wallSeconds: (performance.now() - started) / 1000,
    ranOn: ranOn(via),
    build: thisBuild(),
    finishedAt: new Date().toISOString(),
  };
}
