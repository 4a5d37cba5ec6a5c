/**
 * What a run's result must hold for `report` to draw it, field by field, as `run --json` and a
 * sweep's records write them: a file edited by hand (`"units": 5`, a channel `{ "x": 1 }`, a
 * `"deadlock": 5`) had ended in a TypeError and its stack trace, exit 1, where bad input gets
 * one line. Fields a report does without may be absent (older results lack some); those it
 * draws must have their types.
 */
type Shape = (value: unknown) => boolean;

const number: Shape = (v) => typeof v === 'number';
const text: Shape = (v) => typeof v === 'string';
const capacity: Shape = (v) => v === null || number(v);
const optional =
  (shape: Shape): Shape =>
  (v) =>
    v === undefined || shape(v);
const orNull =
  (shape: Shape): Shape =>
  (v) =>
    v === null || shape(v);
const object =
  (fields: Readonly<Record<string, Shape>>): Shape =>
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.entries(fields).every(([key, shape]) => shape((v as Record<string, unknown>)[key]));
const list =
  (shape: Shape): Shape =>
  (v) =>
    Array.isArray(v) && v.every(shape);

const WAIT = object({ on: (v) => v === 'data' || v === 'room' || v === 'clock', channel: text, peer: text, until: optional(number) });

const FIELDS: readonly (readonly [string, Shape, string])[] = [
  [
    'intermediateMemory',
    orNull(object({ capacity, peakOccupancy: number })),
    '{ capacity, peakOccupancy } (capacity null when unbounded), or null for a run without figures',
  ],
  [
    'units',
    list(object({ head: number, name: text, finalClock: number, busyCycles: number, inputStallCycles: number, roomStallCycles: number })),
    'a list of { head, name, finalClock, busyCycles, inputStallCycles, roomStallCycles }',
  ],
  [
    'channels',
    list(
      object({
        head: number,
        name: text,
        capacity,
        peakOccupancy: number,
        tokens: number,
        fullCycles: optional(number),
        emptyWaitCycles: optional(number),
        roomWaitCycles: optional(number),
      }),
    ),
    'a list of { head, name, capacity, peakOccupancy, tokens, ... } (capacity null when unbounded)',
  ],
  [
    'deadlock',
    orNull(object({ blocked: list(object({ unit: text, clock: number, waits: list(WAIT) })) })),
    "null, or { blocked: [{ unit, clock, waits }] } as 'run --json' writes it",
  ],
  ['maxError', orNull(number), 'a number, or null'],
  ['wallSeconds', number, 'a number of seconds'],
  ['engine', text, "'compiled' or 'actors'"],
  ['workers', number, 'a count'],
];

/** Why a run's field cannot be drawn ('units must be ...'), or null; `sweep`: intermediateMemory is required. */
export function runShapeError(run: Readonly<Record<string, unknown>>, sweep: boolean): string | null {
  if (sweep && run['intermediateMemory'] === undefined) return `intermediateMemory must be ${FIELDS[0]![2]}`;
  for (const [field, shape, what] of FIELDS) if (run[field] !== undefined && !shape(run[field])) return `${field} must be ${what}`;
  return null;
}
