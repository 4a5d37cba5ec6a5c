import { loadUnitModules } from '../kernel/registry.js';
import { SingleThreadExecutor } from './single-thread-executor.js';
import type { Program } from '../kernel/program.js';
import type { RunResult } from './run-result.js';
import type { Progress } from './single-thread-executor.js';

export interface SimulateOptions {
  /** Worker threads; 1 runs on the calling thread. */
  workers?: number;
  onProgress?: (progress: Progress) => void;
  progressEveryMs?: number;
}

/** Runs a program with the executor the options ask for. */
export async function simulate(program: Program, options: SimulateOptions = {}): Promise<RunResult> {
  await loadUnitModules(program.modules);
  return new SingleThreadExecutor(program, options).run();
}
