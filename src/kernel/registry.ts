import { messageOf, ProgramError, show } from './errors.js';
import { entryModule, moduleUrl, modulesOnStack } from './running-modules.js';
import type { UnitKind } from './unit-kind.js';

const kinds = new Map<string, UnitKind<never>>();

/**
 * Registers a unit kind. Modules that define kinds register them when imported, so a
 * worker thread gets the same kinds by importing the modules a program lists.
 */
export function registerUnitKind<P>(kind: UnitKind<P>): UnitKind<P> {
  // Refused here, the same at any worker count: a kind with no run had failed as a UnitError in
  // one thread and as a ProgramError on a pool, naming an internal call.
  const given = kind as Partial<UnitKind<P>> | null;
  if (typeof given?.kind !== 'string' || given.kind === '')
    throw new ProgramError(`a unit kind needs a name (kind: 'my.unit'), got ${show(given?.kind)}`);
  for (const member of ['ports', 'run'] as const)
    if (typeof given[member] !== 'function')
      throw new ProgramError(
        `unit kind '${given.kind}': ${member} must be a function${member === 'run' ? ' (a generator function, function*)' : ''}, got ${show(given[member])}`,
      );
  const existing = kinds.get(kind.kind);
  if (existing !== undefined && existing !== (kind as UnitKind<never>)) {
    throw new ProgramError(`unit kind '${kind.kind}' is already registered`);
  }
  kinds.set(kind.kind, kind as UnitKind<never>);
  return kind;
}

export function unitKind(name: string): UnitKind<unknown> {
  const kind = kinds.get(name);
  if (kind === undefined) {
    const known = [...kinds.keys()].sort().join(', ');
    throw new ProgramError(`unknown unit kind '${name}' (registered: ${known || 'none'})`);
  }
  return kind as UnitKind<unknown>;
}

/** How to list unit kinds for worker threads, for every error that is about it. */
const KEEP_KINDS_APART = 'keep unit kinds in a module without top-level runs, and list that module with .module(specifier)';

/**
 * Set in a pool worker, for the thread's life: nothing there may start a run. `importing` is
 * the module being imported for its unit kinds; a run it starts is refused, and `refused`
 * keeps the refusal in case the module catches it.
 */
let worker: { importing: string | null; refused: ProgramError | null } | null = null;

/** Modules the calling thread has imported, or seen running, for unit kinds: nothing more to import. */
const loaded = new Set<string>();

/**
 * Imports the modules a program needs for its unit kinds, in the calling thread. A module
 * with code on the call stack has started its top level already, so importing it again adds
 * no kind; and while that top level still awaits this run (the script that calls
 * `simulate()`), importing it would never settle: those are skipped.
 */
export async function loadUnitModules(modules: readonly string[]): Promise<void> {
  refuseRunInWorker();
  const pending = modules.filter((specifier) => !loaded.has(specifier));
  if (pending.length === 0) return;
  const running = modulesOnStack();
  for (const specifier of pending) {
    const url = moduleUrl(specifier);
    if (url === null || !running.has(url)) {
      try {
        await import(specifier);
      } catch (error) {
        // The program names a module that is not there, or one that fails as it loads: bad input, not a crash of ours.
        const failed = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' ? 'cannot be loaded' : 'failed as it loaded';
        throw new ProgramError(`the program's unit module '${specifier}' ${failed}: ${messageOf(error)}`, { cause: error });
      }
    }
    loaded.add(specifier);
  }
}

/**
 * In the calling thread, before a pool run: refuses modules that would start this run again
 * in every worker. A worker imports each module, top level and all, so the entry script with
 * its code on the stack (the script that started this run) would start it again there.
 */
export function checkWorkerModules(modules: readonly string[]): void {
  refuseRunInWorker();
  const entry = entryModule();
  if (entry === null || !modules.some((specifier) => moduleUrl(specifier) === entry) || !modulesOnStack().has(entry)) return;
  throw new ProgramError(
    `the program lists the script that runs it ('${entry}') as a module of unit kinds, and every worker thread ` +
      `would import it and start the run again: ${KEEP_KINDS_APART}`,
  );
}

/**
 * In a pool worker: imports the program's modules, then checks that every unit kind the
 * worker runs is registered. From here on, this thread refuses to start a run.
 */
export async function importWorkerModules(modules: readonly string[], needed: Iterable<string>): Promise<void> {
  worker ??= { importing: null, refused: null };
  for (const specifier of modules) {
    worker.importing = specifier;
    try {
      await import(specifier);
    } catch (error) {
      if (worker.refused !== null) throw worker.refused;
      const reason = messageOf(error);
      throw new ProgramError(`worker thread cannot import module '${specifier}': ${reason}`, { cause: error });
    } finally {
      worker.importing = null;
    }
    if (worker.refused !== null) throw worker.refused;
  }
  for (const name of needed) {
    if (kinds.has(name)) continue;
    throw new ProgramError(
      `unit kind '${name}' is not registered in the worker threads, which import only the program's modules ` +
        `(${modules.join(', ') || 'none'}): add .module(specifier) for the module that registers it`,
    );
  }
}

/** A pool worker imported a module whose top-level code starts a run: refuse it, naming the module. */
function refuseRunInWorker(): void {
  if (worker === null) return;
  const culprit = worker.importing === null ? 'a module it imported' : `module '${worker.importing}'`;
  const refusal = new ProgramError(
    `${culprit} starts a run in a damflow worker thread, which imports it for its unit kinds ` +
      `(each worker would start a run of its own): ${KEEP_KINDS_APART}`,
  );
  if (worker.importing !== null) worker.refused ??= refusal;
  throw refusal;
}
