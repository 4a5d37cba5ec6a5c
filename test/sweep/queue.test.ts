import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { damflow } from '../helpers/cli.js';
import { byHash, records, start, sweepDir, until } from '../helpers/sweep.js';
import type { ChildProcess } from 'node:child_process';

/** Debian's redis-server, wherever PATH or the package puts it (.ci/run installs it). */
const REDIS = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin']
  .map((dir) => join(dir, 'redis-server'))
  .find((path) => existsSync(path));
if (REDIS === undefined) console.warn('queue tests SKIPPED: redis-server not found (apt-get install -y redis-server; .ci/run installs it)');

/** A port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(REDIS === undefined)('damflow sweep --queue and damflow worker (BullMQ on a real redis-server)', () => {
  let redis: ChildProcess;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = spawn(REDIS!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    redis.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await until(() => out.includes('Ready to accept connections'), 10_000, `redis-server on port ${port}`);
  });

  afterAll(() => {
    redis?.kill('SIGKILL');
  });

  it('runs the jobs on two worker processes, one killed mid-job: nothing lost, nothing twice, the local results', async () => {
    const { dir, file } = sweepDir('q.yaml', 'base: { design: modified }\ngrid:\n  design: [naive, modified]\n  n: [160, 192, 224, 256]\n');
    const local = damflow('sweep', file, '--results', join(dir, 'local.jsonl'), '--workers', '2');
    expect(local.status, local.stderr).toBe(0);

    const queue = ['--queue', url, '--queue-name', `test-${process.pid}`];
    const results = join(dir, 'queue.jsonl');
    const sweeping = start('sweep', file, '--results', results, ...queue);
    const worker = (): ReturnType<typeof start> => start('worker', ...queue, '--workers', '1', '--lock-seconds', '1');
    const doomed = worker();
    const survivor = worker();
    try {
      await until(() => /job \d+ started/.test(doomed.stderr), 30_000, 'the first worker to start a job');
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      const killedJob = Number(/job (\d+) started/.exec(doomed.stderr)![1]);
      expect(doomed.stderr).not.toMatch(new RegExp(`job ${killedJob} (ok|deadlock|failed)`));

      expect(
        await Promise.race([sweeping.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 45_000))]),
        sweeping.stderr,
      ).toBe(0);
      const list = records(results);
      expect(list).toHaveLength(8);
      expect(byHash(list)).toEqual(byHash(records(join(dir, 'local.jsonl'))));
      expect(list.every((r) => r.ranOn.via === 'queue')).toBe(true);
      // The killed worker's job ran again, on the other worker.
      expect(list.find((r) => r.index === killedJob)!.ranOn.pid).toBe(survivor.child.pid);
      expect(sweeping.stdout).toMatch(/^8 jobs: 8 ok, 0 deadlock, 0 failed/m);
    } finally {
      survivor.child.kill('SIGTERM');
      sweeping.child.kill('SIGKILL');
    }
    expect(await survivor.exited).toBe(0);
    expect(survivor.stderr).toMatch(/stopped\n$/);
  });

  it("checks each shape's outputs once on a worker, across sweeps too: records as a local sweep's", async () => {
    const queue = ['--queue', url, '--queue-name', `shapes-${process.pid}`];
    const worker = start('worker', ...queue, '--workers', '2');
    try {
      // Two sweeps of the same two shapes (design, N) at other capacities: the second's jobs are new to the queue.
      for (const depths of ['[3, 5, 40]', '[4, 6, 50]']) {
        const { dir, file } = sweepDir(
          'shapes.yaml',
          `base: { design: modified, n: 96 }\ngrid:\n  design: [naive, modified]\n  uniformDepth: ${depths}\n`,
        );
        const local = damflow('sweep', file, '--results', join(dir, 'local.jsonl'), '--workers', '2');
        expect(local.status, local.stderr).toBe(0);
        const ran = damflow('sweep', file, '--results', join(dir, 'queue.jsonl'), ...queue);
        expect(ran.status, ran.stderr).toBe(0);
        const list = records(join(dir, 'queue.jsonl'));
        expect(byHash(list)).toEqual(byHash(records(join(dir, 'local.jsonl'))));
        expect(list.filter((r) => r.status === 'ok').every((r) => r.check === 'shared')).toBe(true);
      }
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect(await worker.exited).toBe(0);
  });
});

describe('queue options', () => {
  it('refuses a broker address that is not redis://HOST:PORT, or that does not answer, in one line', async () => {
    const { file } = sweepDir('q.yaml', 'base: { design: modified, n: 8 }\n');
    expect(damflow('sweep', file, '--queue', 'http://x:1').stderr).toMatch(
      /^damflow: [^\n]*--queue must be a redis:\/\/ or rediss:\/\/ URL, got 'http:\/\/x:1'\n$/,
    );
    expect(damflow('worker', '--queue', 'nonsense').status).toBe(2);
    expect(damflow('worker').stderr).toBe('damflow: --queue is required (redis://HOST:PORT)\n');
    const port = await freePort();
    const unreachable = damflow('sweep', file, '--queue', `redis://127.0.0.1:${port}`);
    expect([unreachable.status, unreachable.stderr]).toEqual([
      2,
      expect.stringMatching(new RegExp(`^damflow: cannot reach the broker at redis://127\\.0\\.0\\.1:${port}: [^\\n]+\\n$`)),
    ]);
    expect(damflow('worker', '--queue', `redis://127.0.0.1:${port}`).status).toBe(2);
  });
});
