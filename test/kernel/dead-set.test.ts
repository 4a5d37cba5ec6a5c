import { describe, expect, it } from 'vitest';
import { deadUnits } from '../../dist/engines/actors/dead-set.js';

/** deadUnits over a table of who waits on whom (null: may act). */
function dead(waits: Record<number, number[] | null>): number[] {
  return [...deadUnits(Object.keys(waits).map(Number), (u) => waits[u] ?? null)].sort();
}

describe('dead units: those that wait only on one another', () => {
  it('two units each waiting on the other are dead, and so is one waiting on them', () => {
    expect(dead({ 0: [1], 1: [0] })).toEqual([0, 1]);
    expect(dead({ 0: [1], 1: [0], 2: [0] })).toEqual([0, 1, 2]);
  });

  it('a chain that ends at a unit that may act is not', () => {
    expect(dead({ 0: [1], 1: [2], 2: null })).toEqual([]);
    // A peer not among the units (finished, or unknown) may act too.
    expect(dead({ 0: [1], 1: [7] })).toEqual([]);
  });

  it('a unit waiting on several peers is dead only if all of them are', () => {
    expect(dead({ 0: [1, 2], 1: [0], 2: null })).toEqual([]);
    expect(dead({ 0: [1, 2], 1: [0], 2: [1] })).toEqual([0, 1, 2]);
  });

  it('a ring stays dead beside a live part', () => {
    expect(dead({ 0: [1], 1: [2], 2: [0], 3: [4], 4: null, 5: [3] })).toEqual([0, 1, 2]);
  });
});
