import { describe, expect, it } from 'vitest';
import type { RankingRowView } from '@perpscope/shared';
import { passesBounds, viewRows, type RankFilter } from '../../src/renderer/lib/rankingView.js';
import { parseHiddenColumns, toggleColumn } from '../../src/renderer/lib/rankColumns.js';
import { rankingRow } from '../support/fakes.js';
import { bookText, explainBias, explainScore, inputsText } from '../../src/renderer/lib/rankExplain.js';

/** The shared neutral row with the figures these tests read pinned. */
function row(symbol: string, over: Partial<RankingRowView> = {}): RankingRowView {
  return rankingRow(symbol, 1, { score: 1, lastPrice: 100, change24hPct: 1, quoteVolume24hUsd: 10_000_000, atrPct: 1.5, ...over });
}
const none: RankFilter = { search: '', symbols: null, maxManipScore: null };

describe('renderer: rankings volume and ATR% filters', () => {
  const rows = [
    row('A/USDT:USDT', { quoteVolume24hUsd: 5e6, atrPct: 0.8 }),
    row('B/USDT:USDT', { quoteVolume24hUsd: 50e6, atrPct: 2.5 }),
    row('C/USDT:USDT', { quoteVolume24hUsd: null, atrPct: null }),
    row('D/USDT:USDT', { quoteVolume24hUsd: 200e6, atrPct: 6 }),
  ];
  const kept = (f: Partial<RankFilter>) => viewRows(rows, { ...none, ...f }, 'symbol', 'asc').map((r) => r.symbol[0]);

  it('no bound keeps every row, unknown figures included', () => {
    expect(kept({})).toEqual(['A', 'B', 'C', 'D']);
  });
  it('a volume floor drops thinner rows and rows of unknown volume', () => {
    expect(kept({ minVolumeUsd: 10e6 })).toEqual(['B', 'D']);
  });
  it('an ATR% range keeps rows inside it, bounds inclusive', () => {
    expect(kept({ minAtrPct: 0.8, maxAtrPct: 2.5 })).toEqual(['A', 'B']);
    expect(kept({ maxAtrPct: 5 })).toEqual(['A', 'B']);
    expect(kept({ minAtrPct: 3 })).toEqual(['D']);
  });
  it('bounds combine with each other', () => {
    expect(kept({ minVolumeUsd: 10e6, maxAtrPct: 3 })).toEqual(['B']);
    expect(passesBounds(rows[3]!, { ...none, minVolumeUsd: 10e6, minAtrPct: 1 })).toBe(true);
  });
});

describe('renderer: rankings column chooser', () => {
  it('toggles a column off and on again, keeping the table order in the stored list', () => {
    const off = toggleColumn(toggleColumn([], 'funding'), 'spread');
    expect(off).toEqual(['spread', 'funding']);
    expect(toggleColumn(off, 'funding')).toEqual(['spread']);
  });
  it('never hides the rank or the symbol', () => {
    expect(toggleColumn([], 'symbol')).toEqual([]);
    expect(toggleColumn([], 'rank')).toEqual([]);
  });
  it('a stored list is validated: unknown ids, locked ids, duplicates and garbage are dropped', () => {
    expect(parseHiddenColumns(['book', 'nope', 'symbol', 'book', 3, 'atr'])).toEqual(['book', 'atr']);
    expect(parseHiddenColumns('book')).toEqual([]);
    expect(parseHiddenColumns(null)).toEqual([]);
  });
});

describe('renderer: score and bias explanation', () => {
  const components = { momentumEdge: 1.2, liquidityEdge: 0.4, volatilityEdge: -0.9, carryEdge: 0.1, costPenalty: 0.3, manipPenalty: 0.05 };

  it('with the profile weights, each edge shows its contribution, largest first, penalties last and subtracted', () => {
    const lines = explainScore(components, { momentum: 1, liquidity: 0.5, volatility: 0.2, carry: 0, microstructure: 1, anomaly: 1, cost: 1, manip: 1 });
    expect(lines.map((l) => [l.key, l.contribution === null ? null : +l.contribution.toFixed(10)])).toEqual([
      ['momentumEdge', 1.2],
      ['liquidityEdge', 0.2],
      ['volatilityEdge', -0.18],
      ['carryEdge', 0],
      ['costPenalty', -0.3],
      ['manipPenalty', -0.05],
    ]);
    expect(lines[0]!.label).toBe('Momentum');
  });
  it('without weights, contributions are unknown and edges sort by size', () => {
    const lines = explainScore(components, null);
    expect(lines.slice(0, 4).map((l) => [l.key, l.contribution])).toEqual([
      ['momentumEdge', null],
      ['volatilityEdge', null],
      ['liquidityEdge', null],
      ['carryEdge', null],
    ]);
  });
  it('an edge it has no words for is labelled from its name', () => {
    expect(explainScore({ newThingEdge: 1 })[0]!.label).toBe('New Thing Edge');
  });
  it('the bias follows the side rule', () => {
    expect(explainBias('long', { basis: 'momentum', horizonBars: null, timeframe: null, evidence: [] })).toMatch(/^LONG: follows the trend/);
    expect(explainBias('short', { basis: 'reversal', horizonBars: 4, timeframe: '1h', evidence: [] })).toMatch(/^SHORT: fades the trend/);
    expect(explainBias('neutral', null)).toMatch(/^Flat/);
  });
  it('book provenance and inputs in words; an older host says it did not report them', () => {
    expect(bookText('exchange').badge).toBe('live');
    expect(bookText('synthetic').title).toMatch(/synthetic/);
    expect(bookText('none').title).toMatch(/not scored/);
    expect(bookText(undefined).badge).toBe('?');
    expect(inputsText({ funding: 'current', openInterest: 'none', listing: 'unknown' })).toEqual([
      'funding: current rate only (no funding divergence check)',
      'open interest: none (no OI divergence check)',
      'listing age: unknown (no fresh-listing check)',
    ]);
    expect(inputsText(undefined)).toEqual([]);
  });
});
