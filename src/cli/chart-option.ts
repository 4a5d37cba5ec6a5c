import { extname } from 'node:path';
import { UsageError } from './errors.js';

/** The chart files damflow writes, by extension. */
export const CHART_EXTENSIONS = ['.svg', '.html'];

/** Checks a --plot file name before anything runs. */
export function checkChartFile(file: string): string {
  if (!CHART_EXTENSIONS.includes(extname(file).toLowerCase()))
    throw new UsageError(`--plot must name a ${CHART_EXTENSIONS.join(' or ')} file, got '${file}'`);
  return file;
}
