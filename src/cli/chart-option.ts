import { extname } from 'node:path';
import { UsageError } from './errors.js';
import { checkWritable } from './output-file.js';

/** The chart files damflow writes, by extension. */
export const CHART_EXTENSIONS = ['.svg', '.html'];

/** Checks a --plot file before anything runs: its kind, and that it can be written (a sweep's chart is drawn at its end). */
export function checkChartFile(file: string): string {
  if (!CHART_EXTENSIONS.includes(extname(file).toLowerCase()))
    throw new UsageError(`--plot must name a ${CHART_EXTENSIONS.join(' or ')} file, got '${file}'`);
  checkWritable(file, '--plot');
  return file;
}
