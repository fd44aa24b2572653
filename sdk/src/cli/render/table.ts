import Table from 'cli-table3';

export interface Column<Row> {
  header: string;
  align?: 'left' | 'right';
  cell(row: Row): string;
}

/** Renders rows as a boxed terminal table. */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const table = new Table({
    head: columns.map((c) => c.header),
    colAligns: columns.map((c) => c.align ?? 'right'),
    style: { head: ['cyan'], border: ['grey'] },
    // No rule between body rows: a dense table reads faster.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) table.push(columns.map((c) => c.cell(row)));
  return table.toString();
}

/** Formats a number with a sensible number of significant digits for a price. */
export function fmtPrice(x: number): string {
  if (!Number.isFinite(x)) return '-';
  const abs = Math.abs(x);
  const digits = abs >= 1000 ? 2 : abs >= 1 ? 4 : abs >= 0.01 ? 6 : 8;
  return x.toFixed(digits);
}

/** `12.3M`, `4.5B`. */
export function fmtUsd(x: number): string {
  if (!Number.isFinite(x)) return '-';
  const units: [number, string][] = [[1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
  for (const [v, s] of units) if (Math.abs(x) >= v) return `${(x / v).toFixed(1)}${s}`;
  return x.toFixed(0);
}

export function fmtNum(x: number | undefined, digits = 2): string {
  return x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);
}
