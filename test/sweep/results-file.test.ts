import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileWriteError } from '../../dist/files/file-write-error.js';
import { ResultsFile } from '../../dist/sweep/results-file.js';
import { expandSweep, parseSweepSpec } from '../../dist/sweep/sweep-spec.js';
import type { JobRecord, SweepJob } from '../../dist/sweep/sweep-job.js';

function record(job: SweepJob): JobRecord {
  return {
    index: job.index,
    hash: job.hash,
    point: job.point,
    config: job.resolved,
    status: 'ok',
    cycles: 100,
    intermediateMemory: null,
    peaks: null,
    maxError: null,
    error: null,
    wallSeconds: 0.01,
    ranOn: { host: 'h', pid: 1, via: 'pool' },
    finishedAt: '',
  };
}

describe('results file', () => {
  it("says a folder removed during the sweep as any output's failure does: one FileWriteError naming the file (a stack trace had ended the sweep)", () => {
    const { jobs } = expandSweep(parseSweepSpec({ base: { design: 'modified', n: 8 }, grid: { n: [8, 16] } }, 's.yaml'), 's.yaml');
    const folder = join(mkdtempSync(join(tmpdir(), 'damflow-results-')), 'out');
    mkdirSync(folder);
    const path = join(folder, 'r.jsonl');
    const file = ResultsFile.open(path, jobs);
    expect(file.add(record(jobs[0]!))).toBe(true);
    rmSync(folder, { recursive: true });
    const add = () => file.add(record(jobs[1]!));
    expect(add).toThrow(FileWriteError);
    expect(add).toThrow(`cannot write '${path}': its folder '${folder}' no longer exists`);
  });
});
