import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { MAIN, damflow } from '../helpers/cli.js';
import { byHash, records, sweepDir } from '../helpers/sweep.js';

const MANIFEST = fileURLToPath(new URL('../../scripts/sweep-job.yaml', import.meta.url));

/** A Job of the manifest, as far as this test reads it. */
interface ManifestJob {
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    template: {
      spec: { containers: { command: string[]; args: string[] }[]; volumes: { persistentVolumeClaim?: { claimName: string } }[] };
    };
  };
}

describe('the Kubernetes example (scripts/sweep-job.yaml)', () => {
  it("is two Jobs, the sweep's and its merge, whose commands give the sweep's results when run here", () => {
    const docs = parseAllDocuments(readFileSync(MANIFEST, 'utf8')).map((doc) => {
      expect(doc.errors).toEqual([]);
      return doc.toJS() as ManifestJob;
    });
    // Applied apart (kubectl apply -l damflow-step=...), the merge once the sweep has ended.
    expect(docs.map((d) => [d.kind, d.metadata.name, d.metadata.labels['damflow-step']])).toEqual([
      ['Job', 'damflow-sweep', 'run'],
      ['Job', 'damflow-sweep-merge', 'merge'],
    ]);
    const claims = docs.map((d) => d.spec.template.spec.volumes.flatMap((v) => v.persistentVolumeClaim?.claimName ?? []));
    expect(claims).toEqual([['damflow-results'], ['damflow-results']]);
    const [run, merge] = docs.map((d) => {
      const [container] = d.spec.template.spec.containers;
      expect(container!.command).toEqual(['sh', '-c']);
      return container!.args[0]!;
    }) as [string, string];

    // The pods' paths here: the volume and the config map a folder, the image's damflow this build.
    const { dir, file } = sweepDir('sweep.yaml', 'base: { design: modified, n: 8 }\ngrid:\n  n: [8, 12, 16]\n');
    const here = (line: string): string =>
      line
        .replaceAll('/sweep/sweep.yaml', file)
        .replaceAll('/results', dir)
        .replaceAll('node dist/cli/main.js', `"${process.execPath}" "${MAIN}"`);
    const sh = (line: string, env: Record<string, string> = {}) =>
      spawnSync('sh', ['-c', here(line)], { encoding: 'utf8', env: { ...process.env, ...env } });
    const none = sh(merge);
    expect([none.status, none.stderr]).toEqual([
      1,
      'no part in /results: no index of the sweep wrote its results\n'.replace('/results', dir),
    ]);
    for (const index of [0, 1, 2]) {
      const task = sh(run, { JOB_COMPLETION_INDEX: String(index) });
      expect(task.status, task.stderr).toBe(0);
    }
    const merged = sh(merge);
    expect(merged.status, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/^merged 3 file\(s\): 3 job\(s\) added, 0 already there; 3 in /);
    const local = damflow('sweep', file, '--results', join(dir, 'local.jsonl'), '--quiet');
    expect(local.status, local.stderr).toBe(0);
    expect(byHash(records(join(dir, 'sweep.results.jsonl')))).toEqual(byHash(records(join(dir, 'local.jsonl'))));
  });
});
