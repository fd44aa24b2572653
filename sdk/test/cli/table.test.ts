import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderTable, type Column } from '../../src/cli/render/table.js';

interface Row {
  sym: string;
  px: number;
  note: string;
  extra: string;
}

const rows: Row[] = [
  { sym: 'BTC/USDT:USDT', px: 97_000.5, note: 'HIGH 72 (post surge reversal, scam wick, exhausted spike)', extra: '1h long 3.20; 15m long 1.10' },
  { sym: 'ETH/USDT:USDT', px: 3_400.25, note: 'low 3', extra: '-' },
];
const columns: Column<Row>[] = [
  { header: 'symbol', align: 'left', cell: (r) => r.sym },
  { header: 'last', cell: (r) => r.px.toFixed(2) },
  { header: 'manipulation', align: 'left', cell: (r) => r.note, flex: true },
  { header: 'signals', align: 'left', cell: (r) => r.extra, drop: 1 },
];
const lines = (s: string): string[] => stripVTControlCharacters(s).split('\n');

describe('renderTable', () => {
  it('without a width every column and cell is whole, with a rule under the header', () => {
    const out = lines(renderTable(rows, columns));
    expect(out[1]).toMatch(/^│ symbol +│ +last │ manipulation +│ signals +│$/);
    expect(out[2], 'the header rule').toMatch(/^├─+┼─+┼─+┼─+┤$/);
    expect(out.join('\n')).toContain('HIGH 72 (post surge reversal, scam wick, exhausted spike)');
    expect(out.join('\n')).toContain('1h long 3.20; 15m long 1.10');
  });

  it('fits the terminal: drops the droppable column first, then cuts the flex column with an ellipsis', () => {
    const full = Math.max(...lines(renderTable(rows, columns)).map((l) => l.length));
    for (const width of [full - 5, 70, 50]) {
      const out = lines(renderTable(rows, columns, { maxWidth: width }));
      for (const l of out) expect(l.length, `width ${width}: ${l}`).toBeLessThanOrEqual(width);
      expect(out[1], 'signals went first').not.toContain('signals');
      expect(out.join('\n'), 'the essential columns stay whole').toContain('BTC/USDT:USDT');
      expect(out.join('\n')).toContain('97000.50');
    }
    expect(lines(renderTable(rows, columns, { maxWidth: 50 })).join('\n'), 'a cut cell ends in an ellipsis').toMatch(/HIGH 72 \(post[^│]*…/);
    expect(lines(renderTable(rows, columns, { maxWidth: full })).join('\n'), 'a table that fits is unchanged').toBe(lines(renderTable(rows, columns)).join('\n'));
  });
});
