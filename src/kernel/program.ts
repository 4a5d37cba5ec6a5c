import { messageOf, notPositiveInteger, ProgramError, show, unknownNames } from './errors.js';
import { loadUnitModules, unitKind } from './registry.js';
import { MAX_TIME } from './time.js';
import type { Ports } from './unit-kind.js';

export interface UnitSpec {
  readonly name: string;
  readonly kind: string;
  readonly params?: unknown;
  /** Units of one group (an attention head, say) are kept on one worker. */
  readonly group?: string;
}

export interface PortRef {
  readonly unit: string;
  readonly port: string;
}

export interface ChannelSpec {
  readonly name: string;
  readonly from: PortRef;
  readonly to: PortRef;
  /** Simulated FIFO depth; null when unbounded. */
  readonly capacity: number | null;
  readonly latency: number;
  readonly responseLatency: number;
  /** float64 words per token: 1 for scalars, d for d-vectors. */
  readonly width: number;
}

/**
 * A program as plain data: what any thread needs to rebuild any part of it, given the
 * modules (import specifiers) that register its unit kinds.
 */
export interface Program {
  readonly units: readonly UnitSpec[];
  readonly channels: readonly ChannelSpec[];
  readonly modules: readonly string[];
  /**
   * A compiled order that fits this program (a schedule kind registered by one of its
   * modules), which the compiled engine can run instead of scheduling every unit.
   */
  readonly schedule?: string;
}

export interface ChannelOptions {
  capacity?: number | null;
  latency?: number;
  responseLatency?: number;
  width?: number;
}

const CHANNEL_OPTIONS = ['capacity', 'latency', 'responseLatency', 'width'];

/** Wires units and channels into a validated Program. */
export class ProgramBuilder {
  private readonly units: UnitSpec[] = [];
  private readonly channels: ChannelSpec[] = [];
  private readonly modules = new Set<string>();
  private scheduleKind: string | undefined;

  /** Adds a module that registers unit kinds this program uses. */
  module(specifier: string): this {
    checkModule(specifier);
    this.modules.add(specifier);
    return this;
  }

  /** Names the compiled order (a registered schedule kind) that fits this program. */
  schedule(kind: string): this {
    this.scheduleKind = kind;
    return this;
  }

  unit(name: string, kind: string, params?: unknown, group?: string): this {
    this.units.push({ name, kind, params, ...(group === undefined ? {} : { group }) });
    return this;
  }

  /** Connects `from` ("unit.port") to `to`; unbounded unless a capacity is given. */
  channel(name: string, from: string | PortRef, to: string | PortRef, options: ChannelOptions = {}): this {
    // From JavaScript a misspelt option (`capacty: 2`) had made an unbounded channel without a word.
    const unknown = unknownNames(options, CHANNEL_OPTIONS, 'option');
    if (unknown !== null) throw new ProgramError(`channel '${name}': ${unknown}`);
    this.channels.push({
      name,
      from: portRef(from, name),
      to: portRef(to, name),
      capacity: options.capacity ?? null,
      latency: options.latency ?? 1,
      responseLatency: options.responseLatency ?? 1,
      width: options.width ?? 1,
    });
    return this;
  }

  build(): Program {
    // Frozen, down to each channel's ends: the program is validated once, here, and a change
    // made afterwards would run unchecked (a unit's params are the caller's own objects). The
    // specs are this builder's own, never changed by it, so they are frozen where they are.
    for (const unit of this.units) Object.freeze(unit);
    for (const ch of this.channels) {
      Object.freeze(ch.from);
      Object.freeze(ch.to);
      Object.freeze(ch);
    }
    const program: Program = Object.freeze({
      units: Object.freeze([...this.units]),
      channels: Object.freeze([...this.channels]),
      modules: Object.freeze([...this.modules]),
      ...(this.scheduleKind === undefined ? {} : { schedule: this.scheduleKind }),
    });
    validateProgram(program);
    built.add(program);
    return program;
  }
}

/** Programs ProgramBuilder built, and so validated. */
const built = new WeakSet<Program>();

/**
 * Loads the unit modules of a program an engine is given, and validates it unless
 * ProgramBuilder built it (validated then): one written as plain data ran unchecked (a latency
 * "5" or NaN gave a wrong 'ok', a capacity 0 a deadlock). Its units' kinds are known once their
 * modules are loaded. A built program is frozen.
 */
export async function checkProgram(program: Program): Promise<void> {
  checkShape(program);
  // Before they load: one thread had run a program without its list (loading none), where a
  // pool or a session failed on it as a TypeError.
  if (!built.has(program)) checkModules(program.modules);
  await loadUnitModules(program.modules);
  if (!built.has(program)) validateProgram(program);
}

/** Something with units and channels, said plainly when it is not (a builder not built, null, {}). */
function checkShape(program: Program): void {
  // A builder passed as it stands (no .build()) had been told its modules were not an array.
  if (program instanceof ProgramBuilder)
    throw new ProgramError('got a ProgramBuilder, not a program: call its .build() and pass what that returns');
  if (typeof program !== 'object' || program === null || !Array.isArray(program.units) || !Array.isArray(program.channels))
    throw new ProgramError(`a program has units and channels (ProgramBuilder builds one), got ${showShort(program)}`);
}

/** What was given for a program, in a line: `{}` or `{"unit":...}` rather than [object Object]. */
function showShort(value: unknown): string {
  const shown = show(value);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}

/** A plain-data program's `modules`: as ProgramBuilder.module() takes each, and a list even when empty. */
function checkModules(modules: readonly string[]): void {
  if (!Array.isArray(modules))
    throw new ProgramError(
      `a program's modules must be an array of the URLs or package names of its unit modules, as ProgramBuilder.module() lists them ([] for none), got ${show(modules)}`,
    );
  modules.forEach(checkModule);
}

/** A unit module is loaded by damflow's own modules, and by threads: a relative path would be read from there. */
function checkModule(specifier: string): void {
  if (typeof specifier !== 'string' || /^\.\.?\//.test(specifier))
    throw new ProgramError(
      `a unit module is a URL or a package name, not ${show(specifier)}: give new URL(${show(specifier)}, import.meta.url).href`,
    );
}

function portRef(ref: string | PortRef, channel: string): PortRef {
  // A copy: the built program freezes its own, not the caller's.
  if (typeof ref !== 'string') return { unit: ref?.unit, port: ref?.port };
  const dot = ref.lastIndexOf('.');
  if (dot <= 0 || dot === ref.length - 1) {
    throw new ProgramError(`channel '${channel}': endpoint '${ref}' must be written 'unit.port'`);
  }
  return { unit: ref.slice(0, dot), port: ref.slice(dot + 1) };
}

/** Index of each unit, by name. */
export function unitIndex(program: Program): Map<string, number> {
  return new Map(program.units.map((unit, i) => [unit.name, i]));
}

/** Sender and receiver unit index of each channel, by channel index. */
export function channelEnds(program: Program): (readonly [number, number])[] {
  const index = unitIndex(program);
  return program.channels.map((ch) => [index.get(ch.from.unit)!, index.get(ch.to.unit)!] as const);
}

/** Checks wiring and parameters; throws a ProgramError naming the unit or channel at fault. */
export function validateProgram(program: Program): void {
  checkShape(program);
  const ports = new Map<string, UnitPorts>();
  for (const unit of program.units) {
    if (typeof unit.name !== 'string' || unit.name === '') throw new ProgramError('a unit has no name');
    if (ports.has(unit.name)) throw new ProgramError(`unit name '${unit.name}' is used twice`);
    let unitPorts: Ports;
    try {
      unitPorts = unitKind(unit.kind).ports(unit.params as never);
    } catch (error) {
      throw new ProgramError(`unit '${unit.name}': ${messageOf(error)}`);
    }
    // What a kind's ports() gives comes from user code: a null failed later as a TypeError naming no unit.
    if (typeof unitPorts !== 'object' || unitPorts === null || !portNames(unitPorts.inputs) || !portNames(unitPorts.outputs))
      throw new ProgramError(
        `unit '${unit.name}': its kind's ports() must give { inputs: string[], outputs: string[] }, got ${show(unitPorts)}`,
      );
    for (const list of [unitPorts.inputs, unitPorts.outputs]) {
      if (list.some((port, i) => list.indexOf(port) !== i))
        throw new ProgramError(`unit '${unit.name}': its kind's ports() names a port twice: ${show(list)}`);
      // A channel's end is written 'unit.port', split at the last '.': such a port could not be named.
      const dotted = list.find((port) => port === '' || port.includes('.'));
      if (dotted !== undefined)
        throw new ProgramError(
          `unit '${unit.name}': its kind's ports() names a port ${show(dotted)}: a port name is not empty and has no '.'`,
        );
    }
    ports.set(unit.name, { ports: unitPorts, inputs: [], outputs: [] });
  }

  const names = new Set<string>();
  for (const ch of program.channels) {
    if (typeof ch.name !== 'string' || ch.name === '') throw new ProgramError('a channel has no name');
    if (names.has(ch.name)) throw new ProgramError(`channel name '${ch.name}' is used twice`);
    names.add(ch.name);
    checkNumber(ch, 'capacity', ch.capacity, true);
    checkNumber(ch, 'latency', ch.latency, false);
    checkNumber(ch, 'response latency', ch.responseLatency, false);
    checkNumber(ch, 'width', ch.width, false);
    bindPort(ch, 'sender', ch.from, ports, 'outputs');
    bindPort(ch, 'receiver', ch.to, ports, 'inputs');
  }

  const widthOf = new Map(program.channels.map((ch) => [ch.name, ch.width]));
  for (const [unit, { ports: unitPorts, inputs, outputs }] of ports) {
    unitPorts.inputs.forEach((port, i) => {
      if (inputs[i] === undefined) throw new ProgramError(`unit '${unit}': input port '${port}' is not connected`);
    });
    unitPorts.outputs.forEach((port, i) => {
      if (outputs[i] === undefined) throw new ProgramError(`unit '${unit}': output port '${port}' is not connected`);
    });
    const channelOf = new Map([
      ...unitPorts.inputs.map((port, i) => [port, inputs[i]!] as const),
      ...unitPorts.outputs.map((port, i) => [port, outputs[i]!] as const),
    ]);
    checkWidths(unit, unitPorts, channelOf, widthOf);
  }
}

/**
 * Refuses channels whose widths a unit's ports() says cannot work (Ports.widths, sameWidth): a
 * vector into a scalar channel, or a broadcast between widths, had failed at the first element,
 * once the run was under way.
 */
function checkWidths(unit: string, ports: Ports, channelOf: ReadonlyMap<string, string>, widthOf: ReadonlyMap<string, number>): void {
  const channel = (port: unknown): string => {
    const name = typeof port === 'string' ? channelOf.get(port) : undefined;
    if (name === undefined)
      throw new ProgramError(`unit '${unit}': its kind's ports() names ${show(port)} in widths or sameWidth, which is none of its ports`);
    return name;
  };
  const { widths, sameWidth } = ports;
  if (widths !== undefined) {
    if (typeof widths !== 'object' || widths === null)
      throw new ProgramError(`unit '${unit}': its kind's ports() gives widths ${show(widths)}, not { port: width }`);
    for (const [port, width] of Object.entries(widths)) {
      const ch = channel(port);
      if (widthOf.get(ch) !== width)
        throw new ProgramError(
          `unit '${unit}': port '${port}' carries width ${show(width)} (its parameters), but channel '${ch}' has width ${widthOf.get(ch)}`,
        );
    }
  }
  if (sameWidth !== undefined) {
    if (!Array.isArray(sameWidth) || !sameWidth.every((group) => Array.isArray(group)))
      throw new ProgramError(`unit '${unit}': its kind's ports() gives sameWidth ${show(sameWidth)}, not a list of port lists`);
    for (const group of sameWidth) {
      const channels = group.map(channel);
      const other = channels.find((ch) => widthOf.get(ch) !== widthOf.get(channels[0]!));
      if (other !== undefined)
        throw new ProgramError(
          `unit '${unit}': ports ${group.join(', ')} carry one width, but channel '${channels[0]}' has width ${widthOf.get(channels[0]!)} and channel '${other}' width ${widthOf.get(other)}`,
        );
    }
  }
}

/** A list of port names, as a kind's ports() must give. */
function portNames(list: unknown): boolean {
  return Array.isArray(list) && list.every((port) => typeof port === 'string');
}

/** A unit's ports and, by port index, the channel bound to each so far. */
interface UnitPorts {
  readonly ports: Ports;
  readonly inputs: string[];
  readonly outputs: string[];
}

function checkNumber(ch: ChannelSpec, what: string, value: number | null, nullable: boolean): void {
  if (value === null && nullable) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TIME) {
    throw new ProgramError(`channel '${ch.name}': ${notPositiveInteger(what, value)}`);
  }
}

function bindPort(
  ch: ChannelSpec,
  end: 'sender' | 'receiver',
  ref: PortRef,
  ports: Map<string, UnitPorts>,
  side: 'inputs' | 'outputs',
): void {
  const unit = ports.get(ref?.unit);
  if (unit === undefined) throw new ProgramError(`channel '${ch.name}': ${end} unit '${ref?.unit}' does not exist`);
  const index = unit.ports[side].indexOf(ref.port);
  if (index < 0) {
    const kind = side === 'inputs' ? 'input' : 'output';
    throw new ProgramError(
      `channel '${ch.name}': unit '${ref.unit}' has no ${kind} port '${ref.port}' (it has: ${unit.ports[side].join(', ') || 'none'})`,
    );
  }
  const other = unit[side][index];
  if (other !== undefined) {
    throw new ProgramError(`channel '${ch.name}': port '${ref.unit}.${ref.port}' is already connected to channel '${other}'`);
  }
  unit[side][index] = ch.name;
}

/**
 * Refuses, before any thread starts, a program whose units' params cannot be sent to another
 * thread (a generator's `fn`): it failed there as a DataCloneError naming no unit. `instead`
 * says what to do.
 */
export function refuseParamsThreadsCannotTake(program: Program, instead: string): void {
  for (const unit of program.units) {
    try {
      structuredClone(unit.params);
    } catch (error) {
      throw new ProgramError(`unit '${unit.name}': its params cannot be sent to another thread (${messageOf(error)}): ${instead}`, {
        cause: error,
      });
    }
  }
}
