import Table from 'cli-table3';

export interface Column<Row> {
  header: string;
  align?: 'left' | 'right';
  cell(row: Row): string;
  /** When the table is wider than the terminal, columns with a `drop` go first, highest first. */
  drop?: number;
  /** The one column cut (with an ellipsis) when dropping was not enough; at most one per table. */
  flex?: boolean;
}

export interface TableOptions {
  /** Terminal width in characters; absent: no limit. */
  maxWidth?: number;
}

/** Narrowest a flex column is cut to before the table is left wider than the terminal. */
const MIN_FLEX_WIDTH = 8;

/** Width of a rendered table whose columns hold at most `widths` characters: padding 1+1, borders. */
const tableWidth = (widths: readonly number[]): number => widths.reduce((sum, w) => sum + w + 2, 0) + widths.length + 1;

/**
 * Renders rows as a boxed terminal table with a rule under the header. With `maxWidth`, it fits
 * the terminal instead of wrapping: `drop` columns are removed (highest first) until it fits, then
 * the `flex` column is cut.
 */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], options: TableOptions = {}): string {
  let shown = [...columns];
  let cells = rows.map((r) => shown.map((c) => c.cell(r)));
  const widths = (): number[] => shown.map((c, i) => Math.max(c.header.length, ...cells.map((row) => (row[i] ?? '').length)));
  const max = options.maxWidth;
  if (max !== undefined) {
    const droppable = columns.filter((c) => c.drop !== undefined).sort((a, b) => (b.drop ?? 0) - (a.drop ?? 0));
    for (const victim of droppable) {
      if (tableWidth(widths()) <= max) break;
      const k = shown.indexOf(victim);
      shown = shown.filter((_, i) => i !== k);
      cells = cells.map((row) => row.filter((_, i) => i !== k));
    }
  }
  const w = widths();
  const flex = shown.findIndex((c) => c.flex);
  const colWidths: (number | null)[] = shown.map(() => null);
  if (max !== undefined && flex >= 0 && tableWidth(w) > max) {
    // cli-table3 counts padding inside colWidths and cuts longer content with an ellipsis.
    colWidths[flex] = Math.max(MIN_FLEX_WIDTH, (w[flex] ?? 0) - (tableWidth(w) - max)) + 2;
  }
  const table = new Table({
    head: shown.map((c) => c.header),
    colAligns: shown.map((c) => c.align ?? 'right'),
    colWidths,
    wordWrap: false,
    style: { head: ['cyan'], border: ['grey'] },
    // No rule between body rows: a dense table reads faster.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of cells) table.push(row);
  // Blanking the body rules blanks cli-table3's header rule too; it is drawn back from the top
  // border, so the header stands apart while the body stays dense.
  const [top, head, ...body] = table.toString().split('\n');
  if (top === undefined || head === undefined) return table.toString();
  const rule = top.replace('┌', '├').replace(/┬/g, '┼').replace('┐', '┤');
  return [top, head, rule, ...body].join('\n');
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
