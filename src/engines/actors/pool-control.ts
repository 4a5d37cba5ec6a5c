import { availableParallelism } from 'node:os';
import type { Context } from '../../kernel/context.js';

/**
 * The shared control block of a pool run: per worker, a doorbell peers ring when they
 * publish something it may wait for, plus idle/sleeping flags; globally, the command word,
 * the clock-bound epoch and a generation counter that makes stall detection race-free.
 */
const STRIDE = 8;
const DOORBELL = 0;
const SEEN = 1;
const IDLE = 2;
const SLEEPING = 3;
const DONE = 4;
/**
 * How long a worker polls its doorbell before it really sleeps: a peer often answers within
 * microseconds, and a sleep and wake-up on a futex costs several of them. With more workers
 * than cores a spinning worker would hold back the very peer it waits for: it sleeps at once.
 */
const SPIN_MS = 0.05;
/** Doorbell polls between two looks at the clock while spinning. */
const POLLS_PER_CLOCK_READ = 64;

export const Command = { Run: 0, Stop: 1 } as const;

/**
 * The rounds the coordinator publishes at a global stall, each a counter word that every
 * worker compares with the value it last acted on: a clock bound (stall resolution step 4),
 * dead units found (step 3, WaitBoard), and, once deadlocked, held-back producers let run on
 * (strandHeldBack).
 */
export const Round = { Bound: 2, Dead: 6, Strand: 5 } as const;
export type Round = (typeof Round)[keyof typeof Round];

/** The machine's cores: the most workers that can all run at once. */
export function coreCount(): number {
  return availableParallelism();
}

export interface ControlMemory {
  readonly workers: number;
  readonly words: SharedArrayBuffer;
  readonly numbers: SharedArrayBuffer;
  /** Each unit's clock, by unit index, as its worker last wrote it: what progress is read from. */
  readonly clocks: SharedArrayBuffer;
}

export function createControlMemory(workers: number, units: number): ControlMemory {
  return {
    workers,
    words: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (workers * STRIDE + 8)),
    // [bound, leastTarget per worker]
    numbers: new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT * (1 + workers)),
    clocks: new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT * units),
  };
}

export class PoolControl {
  readonly workers: number;
  private readonly words: Int32Array;
  /** [bound, leastTarget per worker]: written before the flags that cover them. */
  private readonly numbers: Float64Array;
  /** Each unit's clock, written by its worker only: read for progress, never for a decision. */
  readonly clocks: Float64Array;
  private readonly global: number;

  private readonly spinMs: number;

  constructor(memory: ControlMemory) {
    this.workers = memory.workers;
    this.spinMs = memory.workers <= coreCount() ? SPIN_MS : 0;
    this.words = new Int32Array(memory.words);
    this.numbers = new Float64Array(memory.numbers);
    this.clocks = new Float64Array(memory.clocks);
    this.global = memory.workers * STRIDE;
  }

  doorbell(w: number): number {
    return Atomics.load(this.words, w * STRIDE + DOORBELL);
  }

  /** Tells worker w something it may wait for was published; wakes it only if it sleeps. */
  ring(w: number): void {
    Atomics.add(this.words, w * STRIDE + DOORBELL, 1);
    if (Atomics.load(this.words, w * STRIDE + SLEEPING) === 1) Atomics.notify(this.words, w * STRIDE + DOORBELL);
  }

  ringAll(): void {
    for (let w = 0; w < this.workers; w++) this.ring(w);
  }

  /**
   * Declares worker w idle having seen doorbell value `seen`, with its least clock target.
   * Only the last worker to go idle wakes the coordinator (the flags are sequentially
   * consistent, so of two going idle at once at least one sees the other): a worker that
   * waits for a busy peer every few microseconds must not wake the main thread each time.
   */
  goIdle(w: number, seen: number, leastTarget: number): void {
    this.numbers[1 + w] = leastTarget;
    Atomics.store(this.words, w * STRIDE + SEEN, seen);
    Atomics.store(this.words, w * STRIDE + IDLE, 1);
    for (let other = 0; other < this.workers; other++) {
      if (Atomics.load(this.words, other * STRIDE + IDLE) !== 1) return;
    }
    this.notifyCoordinator();
  }

  /**
   * Waits until the doorbell moves past `seen`, or `ms` pass: a missed wake-up only costs
   * time. It polls briefly first, since a peer often answers within microseconds and a real
   * sleep and wake-up costs tens of them.
   */
  sleep(w: number, seen: number, ms: number): void {
    const until = performance.now() + this.spinMs;
    do {
      for (let i = 0; i < POLLS_PER_CLOCK_READ; i++) if (Atomics.load(this.words, w * STRIDE + DOORBELL) !== seen) return;
    } while (performance.now() < until);
    Atomics.store(this.words, w * STRIDE + SLEEPING, 1);
    Atomics.wait(this.words, w * STRIDE + DOORBELL, seen, ms);
    Atomics.store(this.words, w * STRIDE + SLEEPING, 0);
  }

  wakeUp(w: number): void {
    Atomics.add(this.words, this.global + 0, 1);
    Atomics.store(this.words, w * STRIDE + IDLE, 0);
  }

  finishWorker(w: number): void {
    Atomics.store(this.words, w * STRIDE + DONE, 1);
    Atomics.store(this.words, w * STRIDE + IDLE, 1);
    this.notifyCoordinator();
  }

  isDone(w: number): boolean {
    return Atomics.load(this.words, w * STRIDE + DONE) === 1;
  }

  get command(): number {
    return Atomics.load(this.words, this.global + 1);
  }

  stop(): void {
    Atomics.store(this.words, this.global + 1, Command.Stop);
    this.ringAll();
  }

  get bound(): number {
    return this.numbers[0]!;
  }

  /** Rounds of this kind published so far. */
  rounds(round: Round): number {
    return Atomics.load(this.words, this.global + round);
  }

  /** Publishes a round to every worker. */
  publishRound(round: Round): void {
    Atomics.add(this.words, this.global + round, 1);
    this.ringAll();
  }

  /** Publishes a global clock bound (stall resolution step 4) to every worker. */
  publishBound(bound: number): void {
    this.numbers[0] = bound;
    this.publishRound(Round.Bound);
  }

  leastTarget(w: number): number {
    return this.numbers[1 + w]!;
  }

  /** Records that a worker just ran slices. */
  ranSlices(): void {
    Atomics.add(this.words, this.global + 4, 1);
  }

  /** Writes the clocks of a worker's own contexts, after slices ran (a unit's clock moves in none else). */
  writeClocks(contexts: readonly Context[]): void {
    const clocks = this.clocks;
    for (const ctx of contexts) clocks[ctx.index] = ctx.time;
  }

  /** Changes whenever some worker ran a slice: tells a repeated stall from progress. */
  get activity(): number {
    return Atomics.load(this.words, this.global + 4);
  }

  /** True when every worker is idle or done and none has an unseen doorbell. */
  stalled(): boolean {
    const before = Atomics.load(this.words, this.global + 0);
    for (let w = 0; w < this.workers; w++) {
      const base = w * STRIDE;
      if (Atomics.load(this.words, base + DONE) === 1) continue;
      if (Atomics.load(this.words, base + IDLE) !== 1) return false;
      if (Atomics.load(this.words, base + DOORBELL) !== Atomics.load(this.words, base + SEEN)) return false;
    }
    return Atomics.load(this.words, this.global + 0) === before;
  }

  /** The word the coordinator waits on, and its current value. */
  coordinatorTicket(): { words: Int32Array; index: number; value: number } {
    const index = this.global + 3;
    return { words: this.words, index, value: Atomics.load(this.words, index) };
  }

  private notifyCoordinator(): void {
    Atomics.add(this.words, this.global + 3, 1);
    Atomics.notify(this.words, this.global + 3);
  }
}
