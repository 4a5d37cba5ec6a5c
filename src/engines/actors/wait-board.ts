import { deadUnits } from './dead-set.js';
import { deadPeer } from './stall.js';
import type { Context } from '../../kernel/context.js';

/** Words per unit: how many peers it waits on for data or room (-1: none that way), then those peers. */
const ROW = 8;

/** Shared memory of a pool run: what each unit waits on, and which units are dead. */
export interface WaitMemory {
  readonly waits: SharedArrayBuffer;
  readonly dead: SharedArrayBuffer;
}

export function createWaitMemory(units: number): WaitMemory {
  const waits = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * ROW * Math.max(1, units));
  // A row no thread has written yet reads as "waits on nothing that way", never as dead.
  new Int32Array(waits).fill(-1);
  return { waits, dead: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * Math.max(1, units)) };
}

/**
 * Each unit's waits for data or room, as its thread last went idle, for the coordinator to find
 * the units that wait only on one another across threads (deadUnits), and the dead ones it
 * found. A thread writes its rows before it declares itself idle, so that the coordinator,
 * which reads them only once every thread is idle, reads them whole.
 */
export class WaitBoard {
  private readonly waits: Int32Array;
  private readonly dead: Int32Array;

  constructor(memory: WaitMemory) {
    this.waits = new Int32Array(memory.waits);
    this.dead = new Int32Array(memory.dead);
  }

  /** Writes what `ctx` waits on (by this thread, for a unit it runs; each time it goes idle, so allocating nothing). */
  write(ctx: Context): void {
    const base = ctx.index * ROW;
    const waits = this.waits;
    waits[base] = -1;
    if (ctx.finished || !ctx.blocked || ctx.waitCount >= ROW) return;
    for (let i = 0; i < ctx.waitCount; i++) {
      const peer = deadPeer(ctx, i);
      if (peer < 0) return;
      waits[base + 1 + i] = peer;
    }
    waits[base] = ctx.waitCount;
  }

  /** (Coordinator, every thread idle.) Marks the units that can never act again; true when some were not marked yet. */
  markDead(units: number): boolean {
    const dead = deadUnits(
      Array.from({ length: units }, (_, u) => u),
      (u) => {
        const count = this.waits[u * ROW]!;
        return count < 0 ? null : this.waits.subarray(u * ROW + 1, u * ROW + 1 + count);
      },
    );
    let marked = false;
    for (const u of dead) {
      if (this.dead[u] === 1) continue;
      this.dead[u] = 1;
      marked = true;
    }
    return marked;
  }

  /** The dead units among `units`. */
  deadAmong(units: readonly Context[]): Set<number> {
    return new Set(units.filter((ctx) => this.dead[ctx.index] === 1).map((ctx) => ctx.index));
  }
}
