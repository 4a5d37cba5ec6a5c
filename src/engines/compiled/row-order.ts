import { ProgramError } from '../../kernel/errors.js';
import type { ChannelSpec, Program, UnitSpec } from '../../kernel/program.js';
import type { RowCode } from './row-code.js';

/**
 * What a design hands the compiled engine for one group of its program (an attention head):
 * its order of operations as the code of one row. The engine compiles it in whatever mode it
 * needs (timing alone, in verify mode, or values alone), fast-forwards the timing where it
 * repeats, and splits the values by rows across workers, knowing nothing of the design.
 *
 * Contract: row i's values depend only on i (no value crosses a row), and the timing never
 * depends on a value; the row's code writes output row i at `output[(i - firstRow) * width]`.
 */
export interface RowOrder {
  readonly rows: number;
  /** The unit whose report is the output (rows x width words, row-major). */
  readonly output: { readonly unit: string; readonly width: number };
  /**
   * The row's code in `code`'s mode: its statements, and the names and values of the
   * parameters they use besides the channels, the clocks, `i`, `output` and `firstRow`.
   */
  emit(code: RowCode): RowBody;
  /**
   * Compares output rows [from, to) with a reference computed apart from the order; returns
   * the largest absolute error, throws a UnitError naming the output unit beyond tolerance.
   */
  check?(from: number, to: number, output: Float64Array): number;
}

export interface RowBody {
  readonly body: string;
  readonly params: readonly string[];
  readonly args: readonly unknown[];
}

/**
 * A kind of compiled order, registered by the module that defines a design (like unit kinds,
 * so that a worker thread gets it by importing the program's modules). A program names the
 * kind that fits it in `schedule`; the kind builds the order of each of its groups.
 */
export interface ScheduleKind {
  readonly kind: string;
  order(program: Program, group: string): RowOrder;
}

const kinds = new Map<string, ScheduleKind>();

export function registerScheduleKind(kind: ScheduleKind): ScheduleKind {
  const existing = kinds.get(kind.kind);
  if (existing !== undefined && existing !== kind) throw new ProgramError(`schedule kind '${kind.kind}' is already registered`);
  kinds.set(kind.kind, kind);
  return kind;
}

export function scheduleKind(name: string): ScheduleKind {
  const kind = kinds.get(name);
  if (kind === undefined)
    throw new ProgramError(`unknown schedule kind '${name}' (registered: ${[...kinds.keys()].sort().join(', ') || 'none'})`);
  return kind;
}

/**
 * In a worker thread, once the program's modules are imported: refuses a program whose schedule
 * kind only a module it does not list registers (the script that runs it, say), known in the
 * calling thread alone. A worker that took a job had failed on it as 'unknown schedule kind', and
 * one that took none had not, so the same run passed or failed by how the threads ran. A thread
 * keeps what earlier programs' modules registered: one that ran a program listing the module
 * knows the kind for a later program that does not (README, "A compiled order of your own").
 */
export function refuseUnlistedScheduleKind(name: string, modules: readonly string[]): void {
  if (kinds.has(name)) return;
  throw new ProgramError(
    `schedule kind '${name}' is not registered in the worker threads, which import only the program's modules ` +
      `(${modules.join(', ') || 'none'}): add .module(specifier) for the module that registers it`,
  );
}

/** A group's units and the channels they send on, in the program's order. */
export interface GroupParts {
  readonly units: readonly UnitSpec[];
  readonly channels: readonly ChannelSpec[];
}

const indexes = new WeakMap<Program, ReadonlyMap<string, GroupParts>>();

/**
 * The groups a compiled order covers, with their parts, indexed once per program (a program
 * of 100,000 heads is looked up head by head). Every unit must be in a group: the units of a
 * group run as one order.
 */
export function scheduleGroups(program: Program): ReadonlyMap<string, GroupParts> {
  let groups = indexes.get(program);
  if (groups !== undefined) return groups;
  const parts = new Map<string, { units: UnitSpec[]; channels: ChannelSpec[] }>();
  const groupOf = new Map<string, string>();
  for (const unit of program.units) {
    if (unit.group === undefined) throw new ProgramError(`unit '${unit.name}' is in no group: a compiled order covers whole groups`);
    let part = parts.get(unit.group);
    if (part === undefined) parts.set(unit.group, (part = { units: [], channels: [] }));
    part.units.push(unit);
    groupOf.set(unit.name, unit.group);
  }
  for (const ch of program.channels) {
    const group = groupOf.get(ch.from.unit)!;
    if (groupOf.get(ch.to.unit) !== group)
      throw new ProgramError(`channel '${ch.name}' joins two groups: a compiled order covers whole groups`);
    parts.get(group)!.channels.push(ch);
  }
  groups = parts;
  indexes.set(program, groups);
  return groups;
}
