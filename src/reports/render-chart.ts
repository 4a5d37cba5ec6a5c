import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/**
 * Renders a Vega-Lite chart to SVG in Node, without a browser: Vega's scenegraph through its
 * SVG string renderer (no canvas, no DOM). Every mark gets an aria-label (from the
 * `description` channel where the chart gives one), so a point's figures can be read back from
 * the file.
 */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Writes a chart as .svg, or as .html: a self-contained page (the same SVG inline, no script,
 * nothing fetched) with the chart's data as a table below it.
 */
export async function writeChart(file: string, spec: TopLevelSpec, title: string, table: string): Promise<void> {
  const svg = await chartSvg(spec);
  if (extname(file).toLowerCase() !== '.html') {
    writeFileSync(file, svg);
    return;
  }
  const page = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style>',
    '</head><body>',
    `<h1>${escapeHtml(title)}</h1>`,
    svg,
    `<pre>${escapeHtml(table)}</pre>`,
    '</body></html>',
    '',
  ];
  writeFileSync(file, page.join('\n'));
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
