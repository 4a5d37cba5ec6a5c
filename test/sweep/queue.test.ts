import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { damflow } from '../helpers/cli.js';
import { anotherBuild, byHash, records, start, startBuild, sweepDir, until } from '../helpers/sweep.js';
import { thisBuild } from '../../dist/sweep/build.js';
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

/** A redis-server of its own on a free port, once it accepts connections. */
async function startRedis(port?: number, ...options: string[]): Promise<{ redis: ChildProcess; url: string }> {
  port ??= await freePort();
  const redis = spawn(REDIS!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...options], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  redis.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await until(() => out.includes('Ready to accept connections'), 10_000, `redis-server on port ${port}`);
  return { redis, url: `redis://127.0.0.1:${port}` };
}

/** A relay to the broker on `port` that holds every chunk `ms` each way, as a distant broker's link does: each round trip costs 2 `ms`. */
async function slowLink(port: number, ms: number): Promise<{ url: string; close(): void }> {
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const broker = connect(port, '127.0.0.1');
    sockets.push(client, broker);
    const relay = (from: Socket, to: Socket): void => {
      from.on('data', (chunk) => setTimeout(() => to.write(chunk), ms));
      from.on('close', () => setTimeout(() => to.destroy(), ms));
      from.on('error', () => to.destroy());
    };
    relay(client, broker);
    relay(broker, client);
  });
  const relayPort = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
  return {
    url: `redis://127.0.0.1:${relayPort}`,
    close: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** A string as a regular expression matching it alone. */
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A process's exit code, or 'still running' after `ms`. */
function exitWithin(running: ReturnType<typeof start>, ms: number): Promise<number | null | 'still running'> {
  return Promise.race([running.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms))]);
}

describe.skipIf(REDIS === undefined)('damflow sweep --queue and damflow worker (BullMQ on a real redis-server)', () => {
  let redis: ChildProcess;
  let url: string;

  beforeAll(async () => {
    ({ redis, url } = await startRedis());
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
      // The worker says it serves the queue before it takes a job.
      expect(doomed.stderr.indexOf('serving queue')).toBeGreaterThanOrEqual(0);
      expect(doomed.stderr.indexOf('serving queue')).toBeLessThan(doomed.stderr.search(/job \d+ started/));
      expect(doomed.stderr).not.toMatch(new RegExp(`job ${killedJob} (ok|deadlock|failed)`));

      expect(await exitWithin(sweeping, 45_000), sweeping.stderr).toBe(0);
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
        // Into a new results file, the same sweep again: its records come from the queue's store, and it says so.
        const again = damflow('sweep', file, '--results', join(dir, 'again.jsonl'), ...queue);
        expect(again.status, again.stderr).toBe(0);
        expect(again.stderr).toContain(
          'damflow: 6 of them finished on the queue before this sweep, on workers of this build (records are kept a week): taken\n',
        );
        expect(byHash(records(join(dir, 'again.jsonl')))).toEqual(byHash(list));
      }
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect(await worker.exited).toBe(0);
  });

  it('runs a job whose run failed again when the sweep resumes, though the queue still holds its failed record', async () => {
    const queue = ['--queue', url, '--queue-name', `retry-${process.pid}`];
    const worker = start('worker', ...queue, '--workers', '1');
    try {
      // Job 1 cannot fit in any memory: its run fails, and its record says so.
      const { dir, file } = sweepDir('retry.yaml', 'base: { design: modified, n: 16 }\ngrid:\n  d: [1, 100000000]\n');
      const results = join(dir, 'queue.jsonl');
      const first = damflow('sweep', file, '--results', results, ...queue);
      expect(first.status, first.stderr).toBe(1);
      const failed = records(results).find((r) => r.status === 'failed')!;
      const second = damflow('sweep', file, '--results', results, ...queue);
      expect(second.status, second.stderr).toBe(1);
      expect(second.stderr).toContain(`1 of 2 jobs already in '${results}', and 1 that failed there run again: resuming`);
      const again = records(results);
      expect(again.map((r) => r.status).sort()).toEqual(['failed', 'ok']);
      // Run again on the worker, not the record the queue kept from the first sweep.
      expect(again.find((r) => r.status === 'failed')!.finishedAt).not.toBe(failed.finishedAt);
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect(await worker.exited).toBe(0);
  });

  it('a broker that goes away: the sweep and the worker still stop on SIGINT, in a few seconds', async () => {
    const own = await startRedis();
    const { dir, file } = sweepDir('gone.yaml', 'base: { design: modified, n: 8 }\n');
    const queue = ['--queue', own.url, '--queue-name', `gone-${process.pid}`];
    const sweeping = start('sweep', file, '--results', join(dir, 'r.jsonl'), ...queue);
    // A worker on another queue of the same broker: it takes none of the sweep's jobs.
    const worker = start('worker', '--queue', own.url, '--queue-name', `idle-${process.pid}`);
    try {
      await until(
        () => sweeping.stderr.includes('job(s) on') && worker.stderr.includes('serving queue'),
        20_000,
        'the sweep and the worker',
      );
      own.redis.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 500));
      sweeping.child.kill('SIGINT');
      worker.child.kill('SIGINT');
      // At most 2 s for the broker, then 1 s for connections it no longer answers.
      expect(await exitWithin(sweeping, 10_000), sweeping.stderr).toBe(130);
      // Stopped before any job finished: no results file, and no CSV of only its header.
      expect(sweeping.stderr).toMatch(
        /damflow: interrupted; 0 of 1 jobs are done, and nothing is written: run the same command to resume\n$/,
      );
      expect(existsSync(join(dir, 'r.jsonl')) || existsSync(join(dir, 'r.csv'))).toBe(false);
      expect(sweeping.stderr).not.toMatch(/Unhandled error|\n\s+at /);
      expect(await exitWithin(worker, 10_000), worker.stderr).toBe(0);
      expect(worker.stderr).toMatch(/stopped\n$/);
      expect(worker.stderr).not.toMatch(/Unhandled error|\n\s+at /);
    } finally {
      sweeping.child.kill('SIGKILL');
      worker.child.kill('SIGKILL');
      own.redis.kill('SIGKILL');
    }
  });
  it('a broker restarted without its data mid-sweep: the jobs it lost are enqueued again, and the sweep ends', async () => {
    let own = await startRedis();
    const port = Number(new URL(own.url).port);
    const { dir, file } = sweepDir('lost.yaml', 'base: { design: modified, n: 16 }\ngrid:\n  seed: [1, 2]\n');
    const queue = ['--queue', own.url, '--queue-name', `lost-${process.pid}`];
    const results = join(dir, 'r.jsonl');
    const sweeping = start('sweep', file, '--results', results, ...queue);
    let worker: ReturnType<typeof start> | undefined;
    try {
      await until(() => sweeping.stderr.includes('job(s) on'), 20_000, 'the jobs on the queue');
      // No persistence: the broker comes back empty, and the sweep had waited for ever on jobs nobody would run.
      own.redis.kill('SIGKILL');
      await new Promise((resolve) => own.redis.once('exit', resolve));
      own = await startRedis(port);
      worker = start('worker', ...queue, '--workers', '1');
      expect(await exitWithin(sweeping, 30_000), sweeping.stderr).toBe(0);
      expect(sweeping.stderr).toMatch(/job\(s\) were no longer on the queue \(the broker restarted without its data\?\): enqueued again/);
      expect(records(results).map((r) => r.status)).toEqual(['ok', 'ok']);
    } finally {
      sweeping.child.kill('SIGKILL');
      worker?.child.kill('SIGKILL');
      own.redis.kill('SIGKILL');
    }
  });

  it('a second SIGINT stops a worker at once, its job under way dropped, not recorded', async () => {
    const { dir, file } = sweepDir('long.yaml', 'base: { design: modified, n: 12000 }\n');
    const queue = ['--queue', url, '--queue-name', `force-${process.pid}`];
    const sweeping = start('sweep', file, '--results', join(dir, 'r.jsonl'), ...queue);
    const worker = start('worker', ...queue, '--workers', '1');
    try {
      await until(() => worker.stderr.includes('job 0 started (the base configuration)'), 30_000, 'the job to start');
      worker.child.kill('SIGINT');
      await until(() => worker.stderr.includes('stopping once the 1 job(s) under way finish'), 10_000, 'the first signal');
      worker.child.kill('SIGINT');
      expect(await exitWithin(worker, 5_000), worker.stderr).toBe(130);
      expect(worker.stderr).toMatch(/stopped at once: the jobs under way run again on another worker\n$/);
      expect(worker.stderr).not.toMatch(/job 0 (ok|failed|deadlock)/);
    } finally {
      worker.child.kill('SIGKILL');
      sweeping.child.kill('SIGKILL');
    }
  });
  it('a broker that refuses the connection (a wrong password, a database it has not): one line, exit 2, no password shown', () => {
    const { dir, file } = sweepDir('refused.yaml', 'base: { design: modified, n: 8 }\n');
    const at = new URL(url);
    for (const [address, said] of [
      [`redis://me:s3cret@${at.host}`, `the broker at redis://me:***@${at.host} refused the connection: WRONGPASS`],
      [`${url}/99`, `the broker at ${url}/99 refused the connection: ERR DB index is out of range`],
    ] as const) {
      for (const command of [['sweep', file, '--results', join(dir, 'r.jsonl')], ['worker']]) {
        const r = damflow(...command, '--queue', address);
        expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(new RegExp(`^damflow: ${escape(said)}[^\\n]*\\n$`))]);
      }
    }
  });

  it("a worker of another build runs none of a sweep's jobs, and the sweep says so; a worker of its build runs them", async () => {
    const other = anotherBuild();
    const { dir, file } = sweepDir('builds.yaml', 'base: { design: modified, n: 16 }\ngrid:\n  seed: [1, 2, 3]\n');
    const name = `builds-${process.pid}`;
    const queue = ['--queue', url, '--queue-name', name];
    const results = join(dir, 'r.jsonl');
    const build = thisBuild();
    const stranger = startBuild(other, 'worker', ...queue, '--workers', '1');
    let ours: ReturnType<typeof start> | undefined;
    let theirSweep: ReturnType<typeof start> | undefined;
    const sweeping = start('sweep', file, '--results', results, ...queue);
    try {
      await until(() => stranger.stderr.includes('serving queue'), 20_000, 'the worker of another build');
      // A worker says which build it serves.
      const strangerBuild = /the jobs of sweeps of this build, damflow (\S+)\n/.exec(stranger.stderr)![1]!;
      expect(strangerBuild).toMatch(/^\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
      expect(strangerBuild).not.toBe(build);
      await until(
        () => sweeping.stderr.includes('no worker of this build'),
        20_000,
        'the sweep to say that no worker of its build is there',
      );
      expect(sweeping.stderr).toContain(
        `damflow: no worker of this build takes the jobs: the 1 worker(s) on queue '${name}' are of other builds, damflow ${strangerBuild} (${hostname()} pid ${stranger.child.pid}), and run none of them; start damflow worker --queue ${url} from this build (damflow ${build})\n`,
      );
      expect(sweeping.stderr).toContain(`(queue '${name}', for workers of this build, damflow ${build})`);
      ours = start('worker', ...queue, '--workers', '1');
      expect(await exitWithin(sweeping, 30_000), sweeping.stderr).toBe(0);
      expect(records(results).map((r) => [r.build, r.ranOn.pid])).toEqual([...Array(3)].map(() => [build, ours!.child.pid]));
      expect(stranger.stderr).not.toMatch(/job \d+ started/);
      // The other build's sweep of the same file takes none of the records this build left on the queue: its own worker must run them.
      theirSweep = startBuild(other, 'sweep', file, '--results', join(dir, 'theirs.jsonl'), ...queue);
      await until(() => /job \d+ (ok|failed)/.test(stranger.stderr), 30_000, 'the worker of the other build to run its own sweep');
      expect(await exitWithin(theirSweep, 30_000), theirSweep.stderr).toBe(0);
      expect(theirSweep.stderr).not.toContain('finished on the queue before');
      expect(records(join(dir, 'theirs.jsonl')).every((r) => r.build === strangerBuild && r.ranOn.pid === stranger.child.pid)).toBe(true);
    } finally {
      for (const p of [sweeping, stranger, ours, theirSweep]) p?.child.kill('SIGKILL');
    }
  });

  it('two sweeps of one results file at once: the second is refused in one line, the first records each job once', async () => {
    const { dir, file } = sweepDir('twice.yaml', 'base: { design: modified, n: 16 }\ngrid:\n  seed: [1, 2, 3, 4]\n');
    const queue = ['--queue', url, '--queue-name', `twice-${process.pid}`];
    const results = join(dir, 'r.jsonl');
    const first = start('sweep', file, '--results', results, ...queue);
    let worker: ReturnType<typeof start> | undefined;
    try {
      await until(() => first.stderr.includes('job(s) on'), 20_000, 'the first sweep to enqueue');
      const second = damflow('sweep', file, '--results', results, ...queue);
      expect([second.status, second.stderr]).toEqual([
        2,
        expect.stringMatching(
          new RegExp(`^damflow: results file '.*r\\.jsonl' is being written by process ${first.child.pid} on [^\\n]*\\n$`),
        ),
      ]);
      worker = start('worker', ...queue, '--workers', '1');
      expect(await exitWithin(first, 30_000), first.stderr).toBe(0);
      expect(records(results)).toHaveLength(4);
      expect(readFileSync(join(dir, 'r.csv'), 'utf8').trim().split('\n')).toHaveLength(5);
      // Let go once the first has ended: the same command resumes.
      expect(existsSync(`${results}.lock`)).toBe(false);
      expect(damflow('sweep', file, '--results', results, ...queue).status).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
      worker?.child.kill('SIGKILL');
    }
  });

  it('a results file that can no longer be written mid-sweep: one line and exit 2, no stack trace', async () => {
    const { dir, file } = sweepDir('gone.yaml', 'base: { design: modified, n: 16 }\ngrid:\n  seed: [1, 2]\n');
    const folder = join(dir, 'out');
    mkdirSync(folder);
    const results = join(folder, 'r.jsonl');
    const queue = ['--queue', url, '--queue-name', `unwritable-${process.pid}`];
    const sweeping = start('sweep', file, '--results', results, ...queue);
    let worker: ReturnType<typeof start> | undefined;
    try {
      await until(() => sweeping.stderr.includes('job(s) on'), 20_000, 'the jobs on the queue');
      rmSync(folder, { recursive: true });
      worker = start('worker', ...queue, '--workers', '1');
      expect(await exitWithin(sweeping, 30_000), sweeping.stderr).toBe(2);
      expect(sweeping.stderr).toMatch(
        new RegExp(`\\ndamflow: cannot write '${escape(results)}': its folder '${escape(folder)}' no longer exists\\n$`),
      );
      expect(sweeping.stderr).not.toMatch(/\n\s+at /);
    } finally {
      sweeping.child.kill('SIGKILL');
      worker?.child.kill('SIGKILL');
    }
  });

  it('a broker that refuses to store the jobs (full): one line and exit 2', async () => {
    const full = await startRedis(undefined, '--maxmemory', '1', '--maxmemory-policy', 'noeviction');
    try {
      const { dir, file } = sweepDir('full.yaml', 'base: { design: modified, n: 8 }\n');
      const r = damflow('sweep', file, '--results', join(dir, 'r.jsonl'), '--queue', full.url);
      expect([r.status, r.stderr]).toEqual([
        2,
        expect.stringMatching(
          new RegExp(`^damflow: the broker at ${escape(full.url)} refused a command: OOM command not allowed [^\\n]*\\n$`),
        ),
      ]);
    } finally {
      full.redis.kill('SIGKILL');
    }
  });

  it('asks the broker about its jobs in batches, not one job at a time: over a slow link, 1,200 jobs are on the queue in a few round trips', async () => {
    const own = await startRedis();
    // 100 ms each way: one round trip a job, twice, had taken 1,200 x 0.4 s = 8 minutes to enqueue.
    const link = await slowLink(Number(new URL(own.url).port), 100);
    const { dir, file } = sweepDir(
      'many.yaml',
      'base: { design: modified }\ngrid:\n  n: { from: 4, to: 63, step: 1 }\n  uniformDepth: { from: 2, to: 21, step: 1 }\n',
    );
    const sweeping = start('sweep', file, '--results', join(dir, 'r.jsonl'), '--queue', link.url);
    try {
      await until(() => sweeping.stderr.includes('1200 job(s) on'), 60_000, 'the 1,200 jobs on the queue');
      sweeping.child.kill('SIGINT');
      expect(await exitWithin(sweeping, 10_000)).toBe(130);
    } finally {
      sweeping.child.kill('SIGKILL');
      link.close();
      own.redis.kill('SIGKILL');
    }
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
    expect(damflow('sweep', file, '--queue', 'redis://127.0.0.1:1', '--queue-name', '').stderr).toMatch(
      /^damflow: .*--queue-name must be a name without ':', got ''\n$/,
    );
    expect(damflow('worker', '--queue', 'redis://127.0.0.1:1', '--queue-name', 'a:b').status).toBe(2);
    const port = await freePort();
    const unreachable = damflow('sweep', file, '--queue', `redis://127.0.0.1:${port}`);
    expect([unreachable.status, unreachable.stderr]).toEqual([
      2,
      expect.stringMatching(new RegExp(`^damflow: cannot reach the broker at redis://127\\.0\\.0\\.1:${port}: [^\\n]+\\n$`)),
    ]);
    expect(damflow('worker', '--queue', `redis://127.0.0.1:${port}`).status).toBe(2);
    // A path that is no database number went to SELECT, which failed with a stack trace; ioredis reads a query as its own options.
    for (const [url, why] of [
      ['redis://127.0.0.1:1/abc', "--queue's path is a database number (redis://HOST:PORT/0), got '/abc'"],
      ['redis://127.0.0.1:1/0/x', "--queue's path is a database number (redis://HOST:PORT/0), got '/0/x'"],
      ['redis://127.0.0.1:1?db=3', '--queue takes redis://HOST:PORT[/DB] and nothing after it'],
    ] as const) {
      for (const command of [['sweep', file], ['worker']]) {
        const r = damflow(...command, '--queue', url);
        expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(new RegExp(`^damflow: [^\\n]*${escape(why)}[^\\n]*\\n$`))]);
      }
    }
    // A password is never printed: nor in an address refused before any connection, whose
    // value commander had echoed as given.
    for (const command of [['sweep', file], ['worker']]) {
      const r = damflow(...command, '--queue', 'redis://me:s3cret@127.0.0.1:1/abc');
      expect([r.status, r.stderr]).toEqual([
        2,
        `damflow: --queue's path is a database number (redis://HOST:PORT/0), got '/abc' in 'redis://me:***@127.0.0.1:1/abc'\n`,
      ]);
    }
    const secret = damflow('sweep', file, '--queue', `redis://me:s3cret@127.0.0.1:${port}`);
    expect([secret.status, secret.stderr]).toEqual([
      2,
      expect.stringMatching(/^damflow: cannot reach the broker at redis:\/\/me:\*\*\*@127\.0\.0\.1:\d+: [^\n]+\n$/),
    ]);
  });

  it('refuses in one line a port that answers but not as Redis (silent, or an HTTP server), sweep and worker', async () => {
    const { dir, file } = sweepDir('q.yaml', 'base: { design: modified, n: 8 }\n');
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    const http = createServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')));
    const listen = (server: Server): Promise<number> =>
      new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    const [silentPort, httpPort] = [await listen(silent), await listen(http)];
    try {
      const runs = [
        start('sweep', file, '--results', join(dir, 'a.jsonl'), '--queue', `redis://127.0.0.1:${silentPort}`),
        start('sweep', file, '--results', join(dir, 'b.jsonl'), '--queue', `redis://127.0.0.1:${httpPort}`),
        start('worker', '--queue', `redis://127.0.0.1:${httpPort}`),
      ];
      for (const run of runs) {
        expect(await exitWithin(run, 15_000), run.stderr).toBe(2);
        expect(run.stderr).toMatch(/^damflow: the broker at redis:\/\/127\.0\.0\.1:\d+ does not answer as Redis does: [^\n]+\n$/);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
      http.close();
    }
  });
});
