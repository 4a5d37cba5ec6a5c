/**
 * The units of a stalled run that can never act again: the greatest set of units that are
 * each blocked waiting only for data or room from units of the set. None can move before
 * another of them does, and nothing outside the set can wake one (only a channel's sender
 * brings it data, only its receiver room). `peersOf` gives the units a unit waits on, or null
 * for a unit not blocked so (running, parked, held back by the simulator, waiting on a clock,
 * finished): such a unit may act, and so may every unit that waits on it.
 */
export function deadUnits(units: Iterable<number>, peersOf: (unit: number) => ArrayLike<number> | null): Set<number> {
  const peers = new Map<number, ArrayLike<number>>();
  for (const unit of units) {
    const of = peersOf(unit);
    if (of !== null) peers.set(unit, of);
  }
  const waitedOnBy = new Map<number, number[]>();
  const free: number[] = [];
  for (const [unit, of] of peers) {
    for (let i = 0; i < of.length; i++) {
      const peer = of[i]!;
      const waiters = waitedOnBy.get(peer);
      if (waiters === undefined) waitedOnBy.set(peer, [unit]);
      else waiters.push(unit);
      if (!peers.has(peer)) free.push(unit);
    }
  }
  // Units that may act: each takes out of the set every unit that waits on it.
  for (const unit of free) peers.delete(unit);
  while (free.length > 0) {
    for (const waiter of waitedOnBy.get(free.pop()!) ?? []) {
      if (peers.delete(waiter)) free.push(waiter);
    }
  }
  return new Set(peers.keys());
}
