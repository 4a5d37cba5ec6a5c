import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { ProgramBuilder, ProgramError, UTILITY_UNITS_MODULE, openSession, registerUnitKind, simulate } from '../dist/index.js';
import { removeScriptPackages, runScript, scriptPackage } from './helpers/scripts.js';

afterAll(removeScriptPackages);

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The README's library example: each ```ts block of its Library section opening with `// FILE.ts`. */
function readmeExample(): Record<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Library\n'), readme.indexOf('\n## Design\n'));
  const files: Record<string, string> = {};
  for (const [, text] of section.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const name = /^\/\/ (\S+\.ts):/.exec(text!)?.[1];
    if (name !== undefined) files[name] = text!;
  }
  return files;
}

/** Type-checks and compiles the TypeScript files of `dir` as a user would (strict, nodenext); returns the errors. */
function compile(dir: string, names: readonly string[]): string[] {
  const program = ts.createProgram(
    names.map((name) => join(dir, name)),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      skipLibCheck: true,
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      types: ['node'],
    },
  );
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  return diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe("the README's library example", () => {
  const files = readmeExample();
  const workers = "{ workers: 'auto' }";

  it('is two files, the unit kind apart from the run, and runs as written at 1 and 2 workers', () => {
    expect(Object.keys(files).sort()).toEqual(['double.ts', 'main.ts']);
    expect(files['main.ts']!.split(workers)).toHaveLength(2);
    const dir = scriptPackage({
      ...files,
      'main1.ts': files['main.ts']!.replace(workers, '{ workers: 1 }'),
      'main2.ts': files['main.ts']!.replace(workers, '{ workers: 2 }'),
    });
    expect(compile(dir, ['main.ts', 'main1.ts', 'main2.ts'])).toEqual([]);
    const asWritten = runScript(dir, 'main.js');
    expect(asWritten.stderr).toBe('');
    expect(asWritten.status).toBe(0);
    // 1000 elements doubled: the last is 2 * 999.
    expect(asWritten.stdout).toMatch(/^ok: \d+ cycles on \d thread\(s\), last value 1998\n$/);
    const one = runScript(dir, 'main1.js');
    const two = runScript(dir, 'main2.js');
    expect([one.status, two.status]).toEqual([0, 0]);
    expect(one.stdout).toContain('on 1 thread(s)');
    expect(two.stdout).toBe(one.stdout.replace('on 1 thread(s)', 'on 2 thread(s)'));
  });
});

// The types of what the documented functions return had been missing from the entry point
// (`import type { UnitStats } from 'damflow'` failed with TS2724).
describe('the entry point', () => {
  it('exports the types of what the documented functions return', () => {
    const dir = scriptPackage({
      'types.ts': `
import { runSdpa, sdpaMatrix, simulate, sdpaProgram } from 'damflow';
import type { Matrix, MatrixName, SdpaChannelReport, SdpaPlacement, SdpaUnitReport, UnitStats } from 'damflow';
const name: MatrixName = 'q';
const m: Matrix = sdpaMatrix(1, 0, name, 4, 1);
const r = await runSdpa({ design: 'modified', n: 4 });
const units: readonly SdpaUnitReport[] = r.units;
const channels: readonly SdpaChannelReport[] = r.channels;
const placement: SdpaPlacement | null = r.placement;
const stats: readonly UnitStats[] = (await simulate(sdpaProgram({ design: 'modified', n: 4 }))).contexts;
console.log(m.length, units.length, channels.length, placement, stats.length);
`,
    });
    expect(compile(dir, ['types.ts'])).toEqual([]);
  });
});

/** A script that registers a unit kind of its own and runs it with `options` (a program listing `modules`). */
function script(modules: string, options: string): string {
  return `
import { ProgramBuilder, UTILITY_UNITS_MODULE, registerUnitKind, simulate } from 'damflow';
registerUnitKind({
  kind: 'my.drain',
  ports: () => ({ inputs: ['in'], outputs: [] }),
  *run(ctx) {
    const input = ctx.input('in');
    for (;;) {
      while (!input.ready()) yield;
      if (input.ended) return;
      input.dequeue();
    }
  },
});
const program = new ProgramBuilder()
  .module(UTILITY_UNITS_MODULE)
  ${modules}
  .unit('source', 'generator', { count: 10 })
  .unit('drain', 'my.drain')
  .channel('a', 'source.out', 'drain.in', { capacity: 2 })
  .build();
const result = await simulate(program, ${options});
console.log(result.status, result.cycles, result.placement.workers);
`;
}

/** One line of advice, with no stack trace of ours: a ProgramError the script did not catch. */
function expectRefusal(stderr: string, ...names: string[]): void {
  expect(stderr).toMatch(
    /ProgramError: .*keep unit kinds in a module without top-level runs, and list that module with \.module\(specifier\)/,
  );
  for (const name of names) expect(stderr).toContain(name);
}

describe('setting up unit kinds for worker threads', () => {
  it('a script that lists itself runs in the calling thread (its own import would never settle)', () => {
    const dir = scriptPackage({ 'self.mjs': script('.module(import.meta.url)', '{ workers: 1 }') });
    const r = runScript(dir, 'self.mjs');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok 10 1\n');
  });

  it('a script that lists itself is refused up front on worker threads: each would start the run again', () => {
    const dir = scriptPackage({ 'self.mjs': script('.module(import.meta.url)', '{ placement: [0, 1] }') });
    const started = performance.now();
    const r = runScript(dir, 'self.mjs');
    expect(r.status).toBe(1);
    expectRefusal(r.stderr, `the program lists the script that runs it ('${pathToFileURL(join(dir, 'self.mjs')).href}')`);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('a module whose top level runs the program fails at once in a worker, naming the module', () => {
    const dir = scriptPackage({
      'kinds-and-run.mjs': script('.module(import.meta.url)', '{ placement: [0, 1] }'),
      'main.mjs': "import './kinds-and-run.mjs';\n",
    });
    const started = performance.now();
    const r = runScript(dir, 'main.mjs');
    expect(r.status).toBe(1);
    expectRefusal(r.stderr, `module '${pathToFileURL(join(dir, 'kinds-and-run.mjs')).href}' starts a run in a damflow worker thread`);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('a unit kind no listed module registers: the worker says which, and to add .module()', async () => {
    registerUnitKind({ kind: 'test.unlisted', ports: () => ({ inputs: ['in'], outputs: [] }), *run() {} });
    const program = new ProgramBuilder()
      .module(UTILITY_UNITS_MODULE)
      .unit('source', 'generator', { count: 3 })
      .unit('unlisted', 'test.unlisted')
      .channel('a', 'source.out', 'unlisted.in', { capacity: 2 })
      .build();
    const unlisted =
      /^unit kind 'test.unlisted' is not registered in the worker threads, .*: add \.module\(specifier\) for the module that registers it$/;
    const run = simulate(program, { placement: [0, 1] });
    await expect(run).rejects.toThrow(ProgramError);
    await expect(run).rejects.toThrow(unlisted);
  });

  // With no module to import, the thread's set-up fails before the first call comes: unhandled
  // until then, it had ended the thread, and the call said 'the session's worker thread exited
  // (code 1): ProgramError: ...'.
  it("a session's thread that cannot set up answers the first call with why", async () => {
    const program = new ProgramBuilder()
      .module(UTILITY_UNITS_MODULE)
      .unit('source', 'generator', { count: 3 })
      .unit('sink', 'sink')
      .channel('a', 'source.out', 'sink.in', { capacity: 2 })
      .build();
    const session = await openSession({ ...program, modules: [] });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expect(session.runUntil(2)).rejects.toThrow(
        /^unit kind 'generator' is not registered in the worker threads, which import only the program's modules \(none\)/,
      );
    } finally {
      await session.close();
    }
  });
});
