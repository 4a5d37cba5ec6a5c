import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ProgramBuilder, ProgramError, UTILITY_UNITS_MODULE, UnitError, simulate } from '../dist/index.js';
import { sdpaProgram } from '../dist/designs/sdpa/design.js';
import { recordTimeline } from '../dist/engines/actors/record-timeline.js';
import { openSession } from '../dist/session/open-session.js';
import { OccupancyCounter } from '../dist/session/occupancy-counter.js';
import { damflow } from './helpers/cli.js';
import { utilityProgram } from './helpers/programs.js';
import type { Program } from '../dist/index.js';
import type { Session } from '../dist/session/open-session.js';
import type { Channel } from '../dist/kernel/channel.js';

const PROGRAMS: [string, () => Program][] = [
  ['naive N=16', () => sdpaProgram({ design: 'naive', n: 16 })],
  ['modified N=16 d=2, 2 heads', () => sdpaProgram({ design: 'modified', n: 16, d: 2, heads: 2 })],
  ['utility units', () => utilityProgram()],
];

describe('live session (openSession, comlink)', () => {
  it.each(PROGRAMS)('%s: paused, stepped, inspected and resumed, it ends as a run straight through', async (_name, make) => {
    const program = make();
    const straight = await simulate(program, { engine: 'actors', workers: 1 });
    const timeline = await recordTimeline(program);
    const session = await openSession(program);
    try {
      let previous = 0;
      for (const cycle of [0, 7, 40, 41, 120]) {
        const seen = await session.runUntil(cycle);
        expect(seen.cycle).toBeGreaterThanOrEqual(Math.min(cycle, straight.cycles));
        expect(seen.cycle).toBeGreaterThanOrEqual(previous);
        previous = seen.cycle;
        for (const ch of seen.channels) {
          expect(ch.held).toBe(ch.sent - ch.received);
          expect(ch.elements).toHaveLength(Math.min(ch.held, 8));
          if (ch.capacity !== null) expect(ch.occupancy).toBeLessThanOrEqual(ch.capacity);
          // Occupancy just before the cycle is the timeline's at the cycle before.
          const line = timeline.channels.find((c) => c.name === ch.name)!;
          const before = line.occupancy[line.at.findLastIndex((t) => t <= seen.cycle - 1)] ?? 0;
          if (seen.status === 'paused') expect(ch.occupancy, `${ch.name} before ${seen.cycle}`).toBe(before);
        }
        for (const unit of seen.units) if (unit.state === 'paused') expect(unit.clock).toBeGreaterThanOrEqual(seen.cycle);
      }
      const stepped = await session.step(1);
      expect(stepped.rows).toBeGreaterThanOrEqual(1);
      const wide = await session.inspect(1000);
      for (const ch of wide.channels) expect(ch.elements).toHaveLength(ch.held);
      const end = await session.resume();
      const { status, cycles, contexts, channels, reports, deadlock } = straight;
      expect(end).toEqual({ status, cycles, contexts, channels, reports, deadlock });
    } finally {
      await session.close();
    }
    expect(await session.exited).toBe(0);
  });

  it('the SDPA end matches the compiled engine too', async () => {
    const program = sdpaProgram({ design: 'modified', n: 32 });
    const session = await openSession(program);
    await session.step(5);
    const end = await session.resume();
    await session.close();
    await expect(session.inspect()).rejects.toThrow('the session is closed');
    const compiled = await simulate(program, { engine: 'compiled', workers: 1 });
    expect([end.cycles, end.channels, end.contexts]).toEqual([compiled.cycles, compiled.channels, compiled.contexts]);
  });

  it('counts rows in simulated time: those the sinks took before the pause, and a step moves one row', async () => {
    // Naive N = 8: the first output row needs a whole score row summed (rowsum's latency is 23
    // alone), so none is taken by cycle 10, though the sink may have run ahead of it in wall
    // time; then MatVec issues a row every II x N = 2 x 8 = 16 cycles.
    const session = await openSession(sdpaProgram({ design: 'naive', n: 8 }));
    try {
      expect((await session.runUntil(10)).rows).toBe(0);
      const steps = [];
      for (let row = 1; row <= 7; row++) steps.push(await session.step(1));
      expect(steps.map((s) => s.rows)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(steps.slice(1).map((s, i) => s.cycle - steps[i]!.cycle)).toEqual([16, 16, 16, 16, 16, 16]);
      const end = await session.step(1);
      expect([end.status, end.rows, end.cycle]).toEqual(['ok', 8, steps[6]!.cycle + 16 - 1]);
    } finally {
      await session.close();
    }
  });

  it('an inspection after the end is at the end, however the session got there', async () => {
    // A generator of 100 into a sink (capacity 2, latency 1, response latency 1): the generator
    // sends element k at clock k, stamped k + 1, then moves to k + 1; the sink takes it at k + 1,
    // so its acknowledgement is back at k + 2, just when element k + 2 needs the room: no stall.
    // The generator ends at clock 100 and the sink takes element 99 at cycle 100: the end.
    const program = new ProgramBuilder()
      .module(UTILITY_UNITS_MODULE)
      .unit('gen', 'generator', { count: 100 })
      .unit('sink', 'sink')
      .channel('c', 'gen.out', 'sink.in', { capacity: 2, latency: 1, responseLatency: 1 })
      .build();
    const atEnd = {
      cycle: 100,
      status: 'ok',
      rows: 100,
      units: [
        { name: 'gen', clock: 100, state: 'finished' },
        { name: 'sink', clock: 100, state: 'finished' },
      ],
      channels: [{ name: 'c', sent: 100, received: 100, held: 0, occupancy: 0, elements: [] }],
      deadlock: null,
    };
    const ways: [string, (session: Session) => Promise<unknown>][] = [
      ['resumed after a pause', (session) => session.runUntil(50).then(() => session.resume())],
      ['resumed at once', (session) => session.resume()],
      ['paused past the end', (session) => session.runUntil(1000)],
    ];
    for (const [way, toEnd] of ways) {
      const session = await openSession(program);
      try {
        await toEnd(session);
        expect(await session.inspect(), way).toMatchObject(atEnd);
        expect(await session.step(1), `${way}, then a step`).toMatchObject(atEnd);
        expect((await session.resume()).cycles, way).toBe(100);
      } finally {
        await session.close();
      }
    }
  });

  it('shows a deadlock reached during the session: who waits on whom', async () => {
    const session = await openSession(sdpaProgram({ design: 'naive', n: 8, depth: { long: 4 } }));
    const seen = await session.runUntil(1000);
    expect(seen.status).toBe('deadlock');
    expect(seen.deadlock!.blocked.map((b) => b.unit)).toContain('h0/qktexp');
    const qkt = seen.units.find((u) => u.name === 'h0/qktexp')!;
    expect(qkt.state).toBe('waiting');
    expect(qkt.waits).toEqual([{ on: 'room', channel: 'h0/long', peer: 'h0/div' }]);
    expect((await session.resume()).status).toBe('deadlock');
    await session.close();
  });

  // Nothing waits in this program, so a step's run ends in the call that makes it: the step had
  // jumped to the end (cycle 5, 'ok'), past the row it was to stop after.
  it('a step stops after its row even where the run ends in the same call', async () => {
    const program = new ProgramBuilder()
      .module(UTILITY_UNITS_MODULE)
      .unit('g', 'generator', { count: 5 })
      .unit('s', 'sink')
      .channel('c', 'g.out', 's.in', { capacity: 16 })
      .build();
    const session = await openSession(program);
    try {
      // By hand: the generator enqueues at 0..4, each element's time one later; the sink takes
      // element k at k + 1, so row 1 is taken at cycle 1 and the step ends just after it.
      const first = await session.step(1);
      expect([first.cycle, first.status, first.rows]).toEqual([2, 'paused', 1]);
      const second = await session.step(1);
      expect([second.cycle, second.status, second.rows]).toEqual([3, 'paused', 2]);
      const end = await session.runUntil(100);
      expect([end.cycle, end.status, end.rows]).toEqual([5, 'ok', 5]);
    } finally {
      await session.close();
    }
  });

  // Paused below a deadlock the run reaches later: the sources never wait (their FIFOs hold N^2),
  // so they run ahead of any pause, and the deadlock found then ran them on to DAM's clocks; the
  // inspection at cycle 5 had shown that end (cycle 256, status deadlock, k holding 247).
  it('shows a pause below a deadlock the run reaches later at its own cycle, not the end', async () => {
    const session = await openSession(sdpaProgram({ design: 'naive', n: 16, depth: { long: 8 } }));
    try {
      const at5 = await session.runUntil(5);
      expect([at5.cycle, at5.status, at5.deadlock]).toEqual([5, 'paused', null]);
      // By hand (spec sections 1 and 4, an element occupies [enqueue, dequeue)): the sources
      // enqueue at 0, 1, 2, 3, 4 before cycle 5; qktexp takes q's first element at 1 and k's at
      // 1, 2, 3, 4, and enqueues a score on short and long at 1, 2, 3, 4, taken by nobody
      // before 12 (latency 11); matvec takes no v before div gives it a row.
      const occupancy = Object.fromEntries(at5.channels.map((c) => [c.name, c.occupancy]));
      expect(occupancy).toMatchObject({ 'h0/q': 4, 'h0/k': 1, 'h0/v': 5, 'h0/short': 4, 'h0/long': 4 });
      // Past the end: the end, deadlocked at the sources' N^2 = 256.
      const end = await session.runUntil(300);
      expect([end.cycle, end.status]).toEqual([256, 'deadlock']);
    } finally {
      await session.close();
    }
  });

  it("refuses bad calls with the errors a run gives, and carries a unit's failure", async () => {
    const session = await openSession(sdpaProgram({ design: 'naive', n: 8 }));
    await expect(session.runUntil(-1)).rejects.toThrow(ProgramError);
    await session.runUntil(50);
    await expect(session.runUntil(10)).rejects.toThrow(/at cycle 50 already/);
    await expect(session.step(0)).rejects.toThrow(ProgramError);
    await expect(session.inspect(-1)).rejects.toThrow(/elements must be a non-negative integer, got -1/);
    await session.close();
    await session.close();

    const units = new URL('./fixtures/test-units.mjs', import.meta.url).href;
    await import(units);
    const faulty = await openSession(
      new ProgramBuilder()
        .module(units)
        .module(UTILITY_UNITS_MODULE)
        .unit('gen', 'generator', { count: 10 })
        .unit('bad', 'test.faulty', { throwAfter: 3 })
        .unit('sink', 'sink')
        .channel('a', 'gen.out', 'bad.in', { capacity: 2 })
        .channel('b', 'bad.out', 'sink.in', { capacity: 2 })
        .build(),
    );
    const failure = await faulty.runUntil(100).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnitError);
    expect((failure as UnitError).unit).toBe('bad');
    await expect(faulty.inspect()).rejects.toThrow(UnitError);
    await faulty.close();
    expect(await faulty.exited).toBe(0);
  });

  it("lets each call's answer go once it is taken: a long session's memory does not grow with its calls", async () => {
    // Each call had raced the thread's death, which settles only at the end: every answer stayed
    // reachable from it (20,000 `step` at the prompt: 340 MB of peak RSS).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const session = await openSession(sdpaProgram({ design: 'modified', n: 16 }));
    try {
      const answered = async (): Promise<WeakRef<object>> => new WeakRef(await session.inspect());
      const refs = [new WeakRef(await session.runUntil(20)), await answered(), await answered()];
      await session.step(1);
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
      expect(refs.map((r) => r.deref())).toEqual([undefined, undefined, undefined]);
      // A call made after the thread ended still fails with why, at once.
      const closing = session.close();
      await expect(session.inspect()).rejects.toThrow(/closed/);
      await closing;
    } finally {
      await session.close();
    }
  });
});

describe('damflow inspect', () => {
  it('--at prints each inspection, then the end; --json as one object', () => {
    // In time order, and a cycle given twice is inspected once.
    const text = damflow('inspect', '--design', 'naive', '--n', '8', '--at', '60', '--at', '30', '--at', '60');
    expect(text.status).toBe(0);
    expect(text.stdout.match(/^cycle (\d+)/gm)).toEqual(['cycle 30', 'cycle 60']);
    expect(text.stdout).toMatch(/h0\/long\s+42\s+\d+\s+\d+/);
    expect(text.stdout.trim().split('\n').at(-1)).toBe('run over: ok, 196 cycles');
    const json = damflow('inspect', '--design', 'modified', '--n', '8', '--at', '100', '--json', '--elements', '2');
    expect(json.status).toBe(0);
    const out = JSON.parse(json.stdout) as {
      inspections: { cycle: number; channels: { elements: unknown[] }[] }[];
      end: { cycles: number };
    };
    expect(out.inspections[0]!.cycle).toBe(100);
    for (const ch of out.inspections[0]!.channels) expect(ch.elements.length).toBeLessThanOrEqual(2);
    expect(out.end.cycles).toBe(174);
  });

  it('--no-end stops after the last inspection, unless the run is over by then', () => {
    // At this N the end is hours away; the inspection at cycle 50 is not.
    const long = damflow('inspect', '--design', 'modified', '--n', '1000000', '--at', '50', '--at', '20', '--no-end', '--json');
    expect(long.status).toBe(0);
    const out = JSON.parse(long.stdout) as { inspections: { cycle: number; status: string }[]; end: null };
    expect(out.inspections.map((i) => [i.cycle, i.status])).toEqual([
      [20, 'paused'],
      [50, 'paused'],
    ]);
    expect(out.end).toBeNull();
    const text = damflow('inspect', '--design', 'modified', '--n', '1000000', '--at', '50', '--no-end');
    expect(text.stdout.trim().split('\n').at(-1)).toBe('stopped after the inspection at cycle 50 (--no-end): the run was not finished');
    // Over before cycle 1000 (174 cycles): its end is reported as without --no-end.
    const over = damflow('inspect', '--design', 'modified', '--n', '8', '--at', '1000', '--no-end');
    expect(over.stdout.trim().split('\n').at(-1)).toBe('run over: ok, 174 cycles');
  });

  // QKTExp's latency alone keeps the bound below 2^53 (about 9.007e15 + 2N^2), so --no-end lets the
  // session start; its first element is stamped its clock plus that latency, past 2^53, well before
  // cycle 20. A run refuses that in one line, exit 2 (README); the session had said the unit failed, exit 1.
  it('refuses a clock past 2^53 reached before an inspection as a run does: one line, exit 2, naming the unit', () => {
    const refusal =
      /^damflow: this run's clocks passed 2\^53, where they are no longer exact integers \(unit 'h0\/qktexp': .*\): lower the latencies or N$/;
    const args = ['inspect', '--design', 'naive', '--n', '8', '--latency', 'qktexp=9007199254740000'];
    for (const ran of [damflow(...args, '--at', '20', '--no-end'), damflow.withInput('until 20\n', ...args)]) {
      expect(ran.status, ran.stderr).toBe(2);
      expect(ran.stderr.trim().split('\n')).toEqual([expect.stringMatching(refusal)]);
    }
  });

  // V's source fills the simulator's ring (4,096 slots, below N^2 = 10,000) long before MatVec
  // reads V: it is held back by the simulator, not waiting in simulated time. Its buffer wait
  // had been read as a clock wait: 'waiting: clock of h0/matvec to reach 0 (h0/v)'.
  it("shows a producer held back by the simulator's buffer as 'held back', with no wait in simulated time", () => {
    const ran = damflow('inspect', '--design', 'naive', '--n', '100', '--at', '10', '--no-end', '--json');
    expect(ran.status).toBe(0);
    const units = (JSON.parse(ran.stdout) as { inspections: { units: { name: string; state: string; waits: { on: string }[] }[] }[] })
      .inspections[0]!.units;
    expect(units.find((u) => u.name === 'h0/source-v')).toMatchObject({ state: 'held back', waits: [] });
    // The SDPA units never peek by time: no unit waits on a clock.
    expect(units.flatMap((u) => u.waits).filter((w) => w.on === 'clock')).toEqual([]);
    expect(damflow('inspect', '--design', 'naive', '--n', '100', '--at', '10', '--no-end').stdout).not.toMatch(/clock of/);
  });

  // K's source runs on past the deadlock (at cycle 28) into a FIFO of N^2 whose receiver is
  // blocked for good: the elements it let go are counted, not kept. The listing had been
  // ', ...' alone, or the latest elements shown as if the FIFO's head.
  it('says how many elements of a deep FIFO were let go after a deadlock, and lists those kept after them', () => {
    const args = ['inspect', '--design', 'naive', '--n', '1024', '--depth', 'long=8', '--at', '100000', '--no-end'];
    const json = JSON.parse(damflow(...args, '--json').stdout) as {
      inspections: { channels: { name: string; held: number; letGo: number; elements: unknown[] }[] }[];
    };
    const k = json.inspections[0]!.channels.find((c) => c.name === 'h0/k')!;
    expect(k.letGo).toBeGreaterThan(0);
    expect(k.letGo + k.elements.length).toBeLessThanOrEqual(k.held);
    expect(damflow(...args).stdout).toMatch(/^h0\/k +1,048,576 +[\d,]+ +[\d,]+ +[\d,]+ let go \(never to be read, not kept\)/m);
  });

  it('reads prompt commands from a pipe; a deadlock exits 3 with the report', () => {
    const piped = damflow.withInput('until 20\nstep 2\nshow 1\nresume\n', 'inspect', '--design', 'naive', '--n', '8');
    expect(piped.status).toBe(0);
    expect(piped.stdout.match(/^cycle \d+/gm)).toHaveLength(3);
    expect(piped.stdout).toMatch(/run over: ok, 196 cycles/);
    const stuck = damflow.withInput('until 500\nquit\n', 'inspect', '--design', 'naive', '--n', '8', '--depth', 'long=4');
    expect(stuck.status).toBe(3);
    expect(stuck.stdout).toMatch(/\(deadlock\)/);
    expect(stuck.stderr).toMatch(/^deadlock: 5 context\(s\) can never proceed/);
  });

  it('bad input is one line and exit 2', () => {
    for (const [input, args] of [
      ['bogus\n', []],
      ['until x\n', []],
      ['until 50\nuntil 10\n', []],
      // A command that takes nothing takes no word after it (they had quit and resumed).
      ['quit now\n', []],
      ['resume extra\n', []],
      ['', ['--json']],
      ['', ['--at', '-3']],
      ['', ['--at', '5', '--design', 'naive']],
      ['quit\n', ['--no-end']],
      // Its end needs clocks past 2^53 (2N^2 cycles): refused before a session starts.
      ['', ['--ii', 'qktexp=200000000000000', '--at', '10']],
      ['resume\n', ['--ii', 'qktexp=200000000000000']],
    ] as [string, string[]][]) {
      const ran = damflow.withInput(input, 'inspect', '--design', 'naive', '--n', '8', ...args);
      expect(ran.status, `${JSON.stringify(input)} ${args.join(' ')}`).toBe(2);
      expect(ran.stderr.trim().split('\n'), ran.stderr).toHaveLength(1);
    }
  });

  it('SIGINT during --at stops the session: exit 130, one line, nothing left running', async () => {
    const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
    // After the inspection at cycle 10 it runs on to the end, which at this N is hours away.
    const child = spawn(process.execPath, [cli, 'inspect', '--design', 'modified', '--n', '1000000', '--at', '10']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    while (!stdout.includes('cycle 10')) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(stderr.trim()).toBe('damflow: interrupted; the run was stopped and nothing is left running');
  });

  // On a terminal the prompt reads Ctrl-C as a key (the terminal is raw), not as SIGINT: it had
  // been the end of the input, so Ctrl-C at the prompt quit with exit 0, and Ctrl-C during a
  // command was lost (the command ran on to its end, then the prompt waited for ever). `script`
  // gives the prompt a terminal.
  it.skipIf(!existsSync('/usr/bin/script'))(
    'Ctrl-C typed at the prompt or during a command stops the session: exit 130, one line',
    async () => {
      const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
      // `until` that far takes minutes at this N.
      for (const command of ['help', 'until 1000000000']) {
        const child = spawn('/usr/bin/script', ['-qfec', `${process.execPath} ${cli} inspect --design modified --n 4096`, '/dev/null']);
        let screen = '';
        child.stdout.on('data', (chunk) => (screen += String(chunk)));
        const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
        // A hang detector: the lost Ctrl-C had left the prompt waiting for ever.
        const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
        while (!screen.includes('damflow> ')) await new Promise((resolve) => setTimeout(resolve, 50));
        child.stdin.write(`${command}\r`);
        const prompts = (): number => screen.split('damflow> ').length;
        if (command === 'help') while (prompts() < 3) await new Promise((resolve) => setTimeout(resolve, 50));
        else await new Promise((resolve) => setTimeout(resolve, 1000));
        child.stdin.write('\x03');
        const code = await exited;
        clearTimeout(guard);
        expect(code, `${command}: ${screen}`).toBe(130);
        expect(screen.match(/damflow: interrupted[^\r\n]*/g), command).toEqual([
          'damflow: interrupted; the run was stopped and nothing is left running',
        ]);
      }
    },
  );
});

describe('occupancy counter', () => {
  it.each([0, 7, 300])('folds settled instants as they pile up and counts as if it had kept them all (lag %i)', (lag) => {
    // Irregular gaps, so that the instants make tens of thousands of runs and the counter folds.
    let seed = 12345 + lag;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
    let clock = 0;
    const enqueued: number[] = [];
    const dequeued: number[] = [];
    // The slowest unit trails the latest instant by `lag` cycles, as a settled bound may.
    const counter = new OccupancyCounter(new Set(), () => Math.max(0, clock - lag));
    const ch = { receiver: { name: 'x' } } as unknown as Channel;
    for (let step = 0; step < 200000; step++) {
      clock += Math.floor(random() * 4);
      if (random() < 0.5 || dequeued.length >= enqueued.length) {
        enqueued.push(clock);
        counter.enqueued(ch, clock);
      } else {
        dequeued.push(clock);
        counter.dequeued(ch, clock);
      }
      if (step % 50000 === 49999) {
        const cycle = Math.max(0, clock - lag);
        const before = (times: number[]) => times.filter((t) => t < cycle).length;
        expect(counter.occupancyBefore(ch, cycle)).toBe(before(enqueued) - before(dequeued));
      }
    }
  });
});
