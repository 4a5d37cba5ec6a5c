import type { Input } from './input.js';
import type { Output } from './output.js';
import type { Time } from './time.js';

/** What a unit's code sees of its context. */
export interface UnitContext {
  readonly name: string;
  /** The local clock. */
  readonly time: Time;
  incr(cycles: Time): void;
  advance(to: Time): void;
  input(port: string): Input;
  output(port: string): Output;
  /** Plain data handed back in the run result under this unit's name. */
  report(value: unknown): void;
}

/** A unit's body: straight-line code that yields only when a channel operation must wait. */
export type UnitBody = Generator<void, void, void>;

export interface Ports {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /**
   * Widths its parameters fix, by port (a generator of 3-vectors sends width 3): build() refuses
   * a channel of another width there, where the run would fail at the first element.
   */
  readonly widths?: Readonly<Record<string, number>>;
  /** Groups of ports whose channels must carry one width (a broadcast's input and outputs). */
  readonly sameWidth?: readonly (readonly string[])[];
}

/**
 * A kind of unit. Programs name kinds, never functions, so that any thread can rebuild a
 * program from plain data after importing the modules that register the kinds it uses.
 */
export interface UnitKind<P = unknown> {
  readonly kind: string;
  /** Ports the unit uses for these parameters; throws (with a reason) on bad parameters. */
  ports(params: P): Ports;
  run(ctx: UnitContext, params: P): UnitBody;
}
