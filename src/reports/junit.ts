import { escapeMarkup } from './markup.js';
import type { SdpaRunResult } from '../designs/sdpa/run.js';

/** What one check case gave. */
export interface CaseOutcome {
  readonly index: number;
  readonly name: string;
  /** pass; fail (the figures differ, or the run failed); invalid (the case cannot run as written). */
  readonly verdict: 'pass' | 'fail' | 'invalid';
  readonly message: string;
  readonly wallSeconds: number;
  readonly result: SdpaRunResult | null;
}

/**
 * JUnit XML, the report format CI systems read (GitLab, Jenkins, GitHub test reporters): one
 * testsuite per check file, one testcase per case, a failure per differing case and an error
 * per case that cannot run. A handful of elements: written here rather than with a library.
 */
export function junitXml(file: string, outcomes: readonly CaseOutcome[], wallSeconds: number): string {
  const failures = outcomes.filter((o) => o.verdict === 'fail').length;
  const errors = outcomes.filter((o) => o.verdict === 'invalid').length;
  const counts = `tests="${outcomes.length}" failures="${failures}" errors="${errors}" time="${wallSeconds.toFixed(3)}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="damflow check" ${counts}>`,
    `  <testsuite name="${escapeMarkup(file)}" ${counts}>`,
  ];
  for (const o of outcomes) {
    const open = `    <testcase classname="damflow.check" name="${escapeMarkup(`[${o.index}] ${o.name}`)}" time="${o.wallSeconds.toFixed(3)}"`;
    if (o.verdict === 'pass') {
      lines.push(`${open}/>`);
      continue;
    }
    const tag = o.verdict === 'fail' ? 'failure' : 'error';
    lines.push(`${open}>`, `      <${tag} message="${escapeMarkup(o.message)}">${escapeMarkup(o.message)}</${tag}>`, '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
