/** damflow's library API: build a program, run it on an engine, or run the SDPA designs. */
export { ProgramBuilder, validateProgram } from './kernel/program.js';
export type { Program, UnitSpec, ChannelSpec, PortRef, ChannelOptions } from './kernel/program.js';
export { registerUnitKind, unitKind, loadUnitModules } from './kernel/registry.js';
export type { UnitKind, UnitContext, UnitBody, Ports } from './kernel/unit-kind.js';
export { Input, Peek, type PeekResult } from './kernel/input.js';
export { Output } from './kernel/output.js';
export { ProgramError, UnitError, RunAborted } from './kernel/errors.js';
export type { Time } from './kernel/time.js';
export * from './units/index.js';

export { simulate, ENGINE_CHOICES, type EngineChoice, type SimulateOptions, type Simulation } from './engines/simulate.js';
export { describeDeadlock } from './engines/run-result.js';
export type {
  RunResult,
  Progress,
  ChannelStats,
  ContextStats,
  UnitStats,
  DeadlockReport,
  BlockedContext,
  BlockedWait,
} from './engines/run-result.js';
export type { Placement } from './engines/actors/partition.js';
export type { CompiledExecution } from './engines/compiled/compiled-engine.js';
export { registerScheduleKind, type ScheduleKind, type RowOrder, type RowBody } from './engines/compiled/row-order.js';
export type { RowCode, HandoffCode, RingCode, CodeMode } from './engines/compiled/row-code.js';

export { sdpaProgram, resolveSdpaConfig, DESIGNS, DESIGN_DEFS, DEFAULT_SEED, headScoped } from './designs/sdpa/design.js';
export type { SdpaConfig, ResolvedSdpaConfig, DesignName } from './designs/sdpa/design.js';
export { sdpaMatrix, referenceSdpa, type Matrix, type MatrixName } from './designs/sdpa/data.js';
export {
  runSdpa,
  type SdpaRunResult,
  type SdpaRunOptions,
  type SdpaUnitReport,
  type SdpaChannelReport,
  type SdpaPlacement,
} from './designs/sdpa/run.js';
export { ENGINES, CONFIG_FIELDS, parseSdpaConfig, type SdpaEngine, type SdpaRunConfig } from './designs/sdpa/config.js';

export { openSession, type Session } from './session/open-session.js';
export type { Inspection, UnitInspection, ChannelInspection, ElementInspection, UnitState } from './session/inspection.js';
export { recordTimeline, DEFAULT_MAX_EVENTS, type TimelineBounds } from './engines/actors/record-timeline.js';
export { SPAN_KINDS, type Timeline, type TimelineUnit, type TimelineChannel, type SpanKind } from './engines/timeline.js';
