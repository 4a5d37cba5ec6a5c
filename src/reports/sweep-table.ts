import { formatCount, formatTable } from './table.js';
import { axisLabel } from '../sweep/axis.js';
import type { JobRecord, JobStatus } from '../sweep/sweep-job.js';

/** Rows past this are left to the results file: a table of 100,000 jobs reads no better than the file. */
const MAX_ROWS = 200;
const MAX_FAILURES = 10;

/** The table that closes a sweep: a row per job (its axes, status and figures), then the counts. */
export function sweepTable(records: readonly JobRecord[], totalJobs: number, wallSeconds: number, resultsPath: string): string {
  const axes = [...new Set(records.flatMap((r) => Object.keys(r.point)))];
  const sorted = [...records].sort((a, b) => a.index - b.index);
  const rows = sorted.slice(0, MAX_ROWS).map((r) => [
    String(r.index),
    // As the charts name them: a capacity of null is 'unbounded' (the table had printed 'null').
    ...axes.map((axis) => (axis in r.point ? String(axisLabel(r.point, r.config, axis)) : '')),
    r.status,
    r.cycles === null ? '-' : formatCount(r.cycles),
    r.intermediateMemory === null ? '-' : formatCount(r.intermediateMemory.capacity),
    r.intermediateMemory === null ? '-' : formatCount(r.intermediateMemory.peakOccupancy),
    r.wallSeconds.toFixed(2),
  ]);
  const lines = [formatTable(['job', ...axes, 'status', 'cycles', 'memory', 'peak', 'wall s'], rows)];
  if (sorted.length > MAX_ROWS) lines.push(`... ${sorted.length - MAX_ROWS} more jobs in ${resultsPath}`);
  // Why each job failed, which the table has no room for (the first few; all are in the file).
  const failed = sorted.filter((r) => r.status === 'failed');
  if (failed.length > 0) lines.push('', ...failed.slice(0, MAX_FAILURES).map((r) => `job ${r.index} failed: ${r.error}`));
  if (failed.length > MAX_FAILURES) lines.push(`... ${failed.length - MAX_FAILURES} more failures in ${resultsPath}`);
  lines.push('', sweepCounts(records, totalJobs, wallSeconds));
  return lines.join('\n');
}

/** `64 jobs: 60 ok, 3 deadlock, 1 failed (12.3 s)`, and what is missing if the sweep stopped early. */
export function sweepCounts(records: readonly JobRecord[], totalJobs: number, wallSeconds: number): string {
  const count = (status: JobStatus): number => records.filter((r) => r.status === status).length;
  const missing = totalJobs - records.length;
  return `${totalJobs} jobs: ${count('ok')} ok, ${count('deadlock')} deadlock, ${count('failed')} failed${missing > 0 ? `, ${missing} not run` : ''} (${wallSeconds.toFixed(2)} s)`;
}
