import { extname } from 'node:path';
import { writeFileAtomically } from '../files/atomic-write.js';
import { drawChart } from './chart-thread.js';
import { escapeMarkup } from './markup.js';
import type { TopLevelSpec } from 'vega-lite';

/**
 * Writes a chart as .svg, or as .html: a self-contained page (the same SVG inline, no script,
 * nothing fetched) with the chart's data as a table below it.
 */
export async function writeChart(file: string, spec: TopLevelSpec, title: string, table: string): Promise<void> {
  const svg = await drawChart(spec);
  if (extname(file).toLowerCase() !== '.html') {
    writeFileAtomically(file, svg);
    return;
  }
  const page = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeMarkup(title)}</title>`,
    '<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style>',
    '</head><body>',
    `<h1>${escapeMarkup(title)}</h1>`,
    svg,
    `<pre>${escapeMarkup(table)}</pre>`,
    '</body></html>',
    '',
  ];
  writeFileAtomically(file, page.join('\n'));
}
