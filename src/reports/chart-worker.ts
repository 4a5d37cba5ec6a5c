/**
 * The chart thread's entry (chart-thread.ts), a module of its own: piscina loads it by file name
 * in that thread (compiled, from dist/), and with it Vega, which then loads in no other thread.
 */
export { chartSvg as default } from './chart-svg.js';
