/** Importing this module registers the utility unit kinds. */
export { generator, type GeneratorParams } from './generator.js';
export { sink, type SinkParams, type SinkReport } from './sink.js';
export { checker, type CheckerParams } from './checker.js';
export { broadcast, type BroadcastParams } from './broadcast.js';
export { merge, type MergeParams } from './merge.js';

/** Import specifier of this module, for programs that use the utility units. */
export const UTILITY_UNITS_MODULE = import.meta.url;
