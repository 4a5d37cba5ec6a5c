import { RowCode, VALUES, writesNumbers } from './row-code.js';
import type { RowOrder } from './row-order.js';

/** Output rows [from, to) of one group computed, and their largest error against the reference when checked. */
export interface GroupValues {
  readonly group: string;
  readonly from: number;
  readonly to: number;
  readonly maxError: number | null;
}

/** Rows checked at once: the reference needs a row of scores each time, kept for a batch. */
const CHECKED_TOGETHER = 32;

/** Units of work a values job yields in all: a row computed, and a row checked. */
export function valuesWork(from: number, to: number, check: boolean): number {
  return (to - from) * (check ? 2 : 1);
}

/**
 * Computes output rows [from, to) of a group with the order's values alone (no timing: no
 * value crosses a row, and none depends on a time), the same operations in the same order as
 * a full run, so bit for bit the same rows; then checks them against the order's reference.
 * The rows go into `output`, the whole group's (row i at i x width), or, when it is null, into
 * an array of the block's own that is dropped once checked. Yields the work done so far
 * (valuesWork) after each row and each batch checked.
 */
export function* groupValues(
  group: string,
  order: RowOrder,
  from: number,
  to: number,
  check: boolean,
  output: Float64Array | null,
): Generator<number, GroupValues> {
  const code = new RowCode(
    VALUES,
    () => {
      throw new Error('values need no channel');
    },
    null,
    // Blocks of a group share the code: whether it pays for its numbers is the whole group's question.
    writesNumbers(order.rows * order.rows),
  );
  const { body, params, args } = order.emit(code);
  const rows = code.compile(['output', 'firstRow', ...params], body);
  const width = order.output.width;
  const firstRow = output === null ? from : 0;
  const into = output ?? new Float64Array((to - from) * width);
  const rowArgs = [into, firstRow, ...args];
  for (let i = from; i < to; i++) {
    rows.row(i, rowArgs);
    yield i + 1 - from;
  }
  if (!check || order.check === undefined) return { group, from, to, maxError: null };
  let maxError = 0;
  for (let i = from; i < to; i += CHECKED_TOGETHER) {
    const end = Math.min(to, i + CHECKED_TOGETHER);
    maxError = Math.max(maxError, order.check(i, end, into.subarray((i - firstRow) * width, (end - firstRow) * width)));
    yield to - from + end - from;
  }
  return { group, from, to, maxError };
}
