import { describe, expect, it } from 'vitest';
import type { HistoryRowView } from '@perpscope/shared';
import { HISTORY_CSV_HEADER, historyCsv, historyCsvName } from '../../src/renderer/lib/historyCsv.js';

const fill: HistoryRowView = {
  id: 'f1', kind: 'fill', atMs: Date.UTC(2025, 0, 15, 14, 0, 0), symbol: 'BTC/USDT:USDT', side: 'sell', price: 101_000.5, amountBase: 0.002, notionalUsd: 202.001,
  feeUsd: 0.1212006, fundingUsd: 0, realizedPnlUsd: 2.001, liquidity: 'taker', source: 'manual', exitReason: 'manual', orderId: 'ps1',
};
const funding: HistoryRowView = { ...fill, id: 'funding_9', kind: 'funding', side: null, amountBase: null, notionalUsd: null, feeUsd: 0, fundingUsd: -0.05, realizedPnlUsd: null, liquidity: null, source: 'external', exitReason: null, orderId: null };

describe('renderer: the history CSV', () => {
  it('has one header naming units, then exactly one line per row, numbers at full precision', () => {
    const lines = historyCsv([fill, funding]).split('\r\n');
    expect(lines.at(-1), 'ends with a line break').toBe('');
    expect(lines[0]).toBe(HISTORY_CSV_HEADER.join(','));
    expect(lines[0], 'units in the header').toMatch(/price_usd.*fee_usd.*funding_usd.*realized_pnl_usd/);
    expect(lines.length - 2, 'one line per row').toBe(2);
    expect(lines[1]).toBe('2025-01-15T14:00:00.000Z,fill,BTC/USDT:USDT,sell,101000.5,0.002,202.001,0.1212006,0,2.001,taker,manual,manual,ps1,f1');
    expect(lines[2], 'empty cells for what funding lacks').toBe('2025-01-15T14:00:00.000Z,funding,BTC/USDT:USDT,,101000.5,,,0,-0.05,,,external,,,funding_9');
  });

  it('quotes cells holding a comma or a quote', () => {
    const csv = historyCsv([{ ...fill, exitReason: 'odd, "reason"' }]);
    expect(csv.split('\r\n')[1]).toContain('"odd, ""reason"""');
  });

  it('names the file by the UTC time of the export', () => {
    expect(historyCsvName(Date.UTC(2025, 0, 15, 14, 3, 4, 567))).toBe('perpscope-history-2025-01-15T14-03-04Z.csv');
  });
});
