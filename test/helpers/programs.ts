import { ProgramBuilder, UTILITY_UNITS_MODULE } from '../../dist/index.js';
import type { Program } from '../../dist/index.js';

/**
 * A program of utility units only: a generator broadcast to two paths of different depths,
 * merged back in time order by timed peeks, then collected by a sink.
 */
export function utilityProgram(count = 40): Program {
  return new ProgramBuilder()
    .module(UTILITY_UNITS_MODULE)
    .unit('source', 'generator', { count })
    .unit('fan', 'broadcast', { outputs: 2, latency: 3 })
    .unit('timed', 'generator', { values: [100, 200, 300], times: [5, 17, 60] })
    .unit('join', 'merge', { inputs: 2 })
    .unit('left', 'sink', { collect: true })
    .unit('right', 'sink', { collect: true })
    .channel('a', 'source.out', 'fan.in', { capacity: 2 })
    .channel('b', 'fan.out0', 'join.in0', { capacity: 1, latency: 2 })
    .channel('c', 'timed.out', 'join.in1', { capacity: 4 })
    .channel('d', 'join.out', 'left.in', { capacity: 3, responseLatency: 4 })
    .channel('e', 'fan.out1', 'right.in', { capacity: 2 })
    .build();
}
