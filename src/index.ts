/** damflow's library API. */
export { ProgramBuilder, validateProgram } from './kernel/program.js';
export type { Program, UnitSpec, ChannelSpec, PortRef, ChannelOptions } from './kernel/program.js';
export { registerUnitKind, unitKind, loadUnitModules } from './kernel/registry.js';
export type { UnitKind, UnitContext, UnitBody, Ports } from './kernel/unit-kind.js';
export { Input, Peek, type PeekResult } from './kernel/input.js';
export { Output } from './kernel/output.js';
export { ProgramError, UnitError, RunAborted } from './kernel/errors.js';
export type { Time } from './kernel/time.js';
export { SingleThreadExecutor, type Progress, type SingleThreadOptions } from './engines/actors/single-thread-executor.js';
export { describeDeadlock } from './engines/run-result.js';
export type { RunResult, ChannelStats, ContextStats, DeadlockReport, BlockedContext, BlockedWait } from './engines/run-result.js';
export * from './units/index.js';
export { sdpaProgram, DESIGNS, DESIGN_DEFS, headScoped, type SdpaConfig, type DesignName } from './designs/sdpa/design.js';
export { sdpaMatrix, referenceSdpa } from './designs/sdpa/data.js';
export { simulate, place, type SimulateOptions, type Simulation } from './engines/simulate.js';
export { partition, placement, cuttable, type Placement } from './engines/actors/partition.js';
export { runSdpa, ENGINES, type SdpaEngine, type SdpaRunConfig, type SdpaRunResult } from './designs/sdpa/run.js';
export { simulateScheduled, runScheduledHead, type ScheduledHead } from './designs/sdpa/schedule.js';
