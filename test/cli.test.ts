import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The compiled CLI (npm test builds first): exit codes and output streams as a user sees them.
const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const GOLDEN = fileURLToPath(new URL('./golden/published.json', import.meta.url));

function damflow(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempFile(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'damflow-')), name);
}

describe('damflow check', () => {
  it('reproduces every published reference point (both designs, modified bounded and unbounded)', () => {
    const r = damflow('check', GOLDEN);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const cases = (JSON.parse(readFileSync(GOLDEN, 'utf8')) as { cases: unknown[] }).cases;
    expect(r.stdout.trim().split('\n')).toHaveLength(cases.length);
    expect(r.stdout).not.toContain('FAIL');
  });

  it('exits 1 and names the case when a cycle count differs', () => {
    const file = tempFile('check.json');
    writeFileSync(file, JSON.stringify({ cases: [{ name: 'wrong', design: 'naive', n: 4, expectedCycles: 93 }] }));
    const r = damflow('check', file);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FAIL wrong: expected 93, got 92');
  });

  it.each([
    ['missing file', null],
    ['not JSON', '{'],
    ['no cases', '{}'],
    ['unknown field', JSON.stringify({ cases: [{ design: 'naive', n: 4, bogus: 1, expectedCycles: 92 }] })],
    ['bad design', JSON.stringify({ cases: [{ design: 'fast', n: 4, expectedCycles: 92 }] })],
  ])('exits 2 on a bad file: %s', (_label, content) => {
    const file = tempFile('check.json');
    if (content !== null) writeFileSync(file, content);
    const r = damflow('check', file);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('damflow run', () => {
  it('prints one JSON object with --json', () => {
    const r = damflow('run', '--design', 'modified', '--n', '8', '--workers', 'auto', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ design: 'modified', n: 8, d: 1, heads: 1, engine: 'static', workers: 1, status: 'ok', cycles: 174 });
    expect(out['intermediateMemory']).toEqual({ capacity: 44, peakOccupancy: expect.any(Number) });
    expect(out['maxError']).toBeLessThan(1e-12);
    expect(out).not.toHaveProperty('deadlock');
  });

  it('gives the same figures on either engine', () => {
    const run = (engine: string): Record<string, unknown> => {
      const r = damflow('run', '--design', 'naive', '--n', '16', '--d', '2', '--engine', engine, '--json');
      expect(r.status).toBe(0);
      const { wallSeconds: _wall, ...figures } = JSON.parse(r.stdout) as Record<string, unknown>;
      return figures;
    };
    const actors = run('actors');
    expect(actors['engine']).toBe('actors');
    expect({ ...run('static'), engine: 'actors' }).toEqual(actors);
  });

  it('shows the published reference in the readable summary', () => {
    const r = damflow('run', '--design', 'naive', '--n', '16');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/cycles: 596/);
    expect(r.stdout).toMatch(/published: 596 \(match\)/);
    expect(r.stdout).toMatch(/intermediate memory: capacity 96/);
  });

  it('dumps Q, K, V and the output indexed [head][row][column]', () => {
    const file = tempFile('dump.json');
    const r = damflow('run', '--design', 'modified', '--n', '4', '--d', '3', '--heads', '2', '--dump', file, '--json');
    expect(r.status).toBe(0);
    const dump = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number[][][]>;
    for (const m of ['q', 'k', 'v', 'o']) {
      expect(dump[m]).toHaveLength(2);
      expect(dump[m]![1]).toHaveLength(4);
      expect(dump[m]![1]![3]).toHaveLength(3);
    }
  });

  it('exits 3 and reports the long FIFO when the naive design cannot hold a score row', () => {
    const r = damflow('run', '--design', 'naive', '--n', '16', '--depth', 'long=8', '--json');
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^deadlock/);
    expect(r.stderr).toContain('long');
    const out = JSON.parse(r.stdout) as { status: string; deadlock: unknown; maxError: unknown };
    expect(out.status).toBe('deadlock');
    expect(out.maxError).toBeNull();
    expect(JSON.stringify(out.deadlock)).toContain('long');
  });

  it('runs when the long FIFO holds exactly one score row', () => {
    expect(damflow('run', '--design', 'naive', '--n', '16', '--depth', 'long=16').status).toBe(0);
  });

  const design = ['--design', 'naive', '--n', '4'];
  it.each([
    ['unknown flag', ['--bogus']],
    ['unknown design', ['--design', 'fast', '--n', '4']],
    ['missing design', ['--n', '4']],
    ['missing N', ['--design', 'naive']],
    ['zero N', ['--design', 'naive', '--n', '0']],
    ['non-integer N', ['--design', 'naive', '--n', '2.5']],
    ['zero d', [...design, '--d', '0']],
    ['negative heads', [...design, '--heads', '-1']],
    ['zero workers', [...design, '--workers', '0']],
    ['non-integer workers', [...design, '--workers', 'many']],
    ['unknown engine', [...design, '--engine', 'fast']],
    ['static engine on two workers', [...design, '--heads', '2', '--workers', '2', '--engine', 'static']],
    ['unknown channel', [...design, '--depth', 'nope=3']],
    ['zero capacity', [...design, '--depth', 'long=0']],
    ['zero uniform depth', [...design, '--uniform-depth', '0']],
    ['unknown unit', [...design, '--latency', 'zzz=3']],
    ['zero latency', [...design, '--latency', 'div=0']],
    ['non-integer II', [...design, '--ii', 'div=x']],
    ['zero II', [...design, '--ii', 'div=0']],
    ['malformed KEY=V', [...design, '--ii', 'div']],
  ])('exits 2 with one line on stderr: %s', (_label, args) => {
    const r = damflow('run', ...args);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^damflow: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('damflow demo', () => {
  it('is the default command and matches the published counts', () => {
    const r = damflow();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/naive\s+8,372\s+8,372\s+yes/);
    expect(r.stdout).toMatch(/modified\s+8,238\s+8,238\s+yes/);
  });
});
