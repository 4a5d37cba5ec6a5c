/**
 * The units of a stalled run that can never act again: the greatest set of units that are
 * each blocked waiting only for data or room from units of the set. None can move before
 * another of them does, and nothing outside the set can wake one (only a channel's sender
 * brings it data, only its receiver room). `peersOf` gives the units a unit waits on, or null
 * for a unit not blocked so (running, parked, held back by the simulator, waiting on a clock,
 * finished): such a unit may act, and so may every unit that waits on it.
 */
export function deadUnits(units: Iterable<number>, peersOf: (unit: number) => readonly number[] | null): Set<number> {
  const peers = new Map<number, readonly number[]>();
  for (const unit of units) {
    const of = peersOf(unit);
    if (of !== null) peers.set(unit, of);
  }
  const waitedOnBy = new Map<number, number[]>();
  for (const [unit, of] of peers) for (const peer of of) (waitedOnBy.get(peer) ?? waitedOnBy.set(peer, []).get(peer)!).push(unit);
  // Units that may act: each takes out of the set every unit that waits on it.
  const free = [...peers].filter(([, of]) => of.some((peer) => !peers.has(peer))).map(([unit]) => unit);
  for (const unit of free) peers.delete(unit);
  while (free.length > 0) {
    for (const waiter of waitedOnBy.get(free.pop()!) ?? []) {
      if (peers.delete(waiter)) free.push(waiter);
    }
  }
  return new Set(peers.keys());
}
