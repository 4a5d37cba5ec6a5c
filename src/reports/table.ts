/** Left-aligned first column, right-aligned others: numbers line up. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  // A loop, not Math.max(...column): a table of many heads has more rows than a call takes arguments.
  const widths = header.map((h) => h.length);
  for (const row of rows) for (let c = 0; c < widths.length; c++) widths[c] = Math.max(widths[c]!, (row[c] ?? '').length);
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * A count with its thousands grouped (1,234,567), or 'unbounded'. Grouped by hand for integers:
 * toLocaleString's first call loads ICU, 25-35 ms of every command that prints a table.
 */
export function formatCount(value: number | null): string {
  if (value === null) return 'unbounded';
  if (!Number.isSafeInteger(value)) return value.toLocaleString('en-US');
  const digits = String(Math.abs(value));
  const head = digits.length % 3 || 3;
  let grouped = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`;
  return value < 0 || Object.is(value, -0) ? `-${grouped}` : grouped;
}
