import { realpathSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The URL of the module a specifier names, as `import()` from this folder would load it; null
 * for Node's own modules and what cannot be resolved.
 */
export function moduleUrl(specifier: string): string | null {
  const url = fileUrl(specifier);
  if (url !== null || specifier.startsWith('node:')) return url;
  try {
    // A package name, resolved as import() would.
    return import.meta.resolve(specifier);
  } catch {
    return null;
  }
}

/** The URL a stack frame's file name or a module specifier gives directly (a URL, or an absolute path). */
function fileUrl(name: string): string | null {
  if (name.startsWith('file:')) return new URL(name).href;
  if (isAbsolute(name)) return pathToFileURL(name).href;
  return null;
}

/**
 * The modules with code on the current call stack, awaiting callers included (V8 keeps async
 * frames): each has started its top level, and may still be in it.
 */
export function modulesOnStack(): Set<string> {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  let frames: NodeJS.CallSite[];
  try {
    Error.stackTraceLimit = Infinity;
    Error.prepareStackTrace = (_error, callSites) => callSites;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder);
    // V8 formats the stack when it is first read, with the formatter of that moment.
    frames = holder.stack ?? [];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
  const urls = new Set<string>();
  for (const frame of frames) {
    const file = frame.getFileName();
    const url = file ? fileUrl(file) : null;
    if (url !== null) urls.add(url);
  }
  return urls;
}

/** The script Node was started with, as a module URL (symbolic links resolved, as Node does). */
export function entryModule(): string | null {
  const script = process.argv[1];
  if (script === undefined) return null;
  try {
    return pathToFileURL(realpathSync(script)).href;
  } catch {
    return null;
  }
}
