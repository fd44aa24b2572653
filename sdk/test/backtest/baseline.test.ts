import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffTrades, readBaselineTrades } from '../../src/backtest/baseline.js';
import type { TradeRecord } from '../../src/backtest/trades.js';
import { tempDir } from '../trading/helpers.js';

const t = (id: string, over: Partial<TradeRecord> = {}): TradeRecord => ({
  tradeId: id,
  symbol: 'BTC/USDT:USDT',
  side: 'long',
  strategy: 'breakout',
  regime: 'trend',
  openedAtMs: 1_000,
  closedAtMs: 2_000,
  holdMs: 1_000,
  entryPrice: 100,
  exitPrice: 101,
  sizeBase: 1,
  notionalUsd: 100,
  grossPnlUsd: 1,
  feesUsd: 0.1,
  fundingUsd: 0,
  netPnlUsd: 0.9,
  returnPct: 0.9,
  rMultiple: 0.5,
  exitReason: 'tp1',
  ...over,
});

describe('baseline regression (trades diff)', () => {
  const tmp = tempDir('perpscope-baseline-');
  afterAll(() => tmp.cleanup());

  it('equal trades (up to float noise) give no difference', () => {
    expect(diffTrades([t('a'), t('b')], [t('b'), t('a', { netPnlUsd: 0.9 + 1e-13 })])).toEqual([]);
  });

  it('names gone, new and changed trades field by field', () => {
    const diff = diffTrades([t('a'), t('b'), t('c')], [t('a', { exitPrice: 99.5, exitReason: 'sl' }), t('c'), t('d', { side: 'short' })]);
    expect(diff).toEqual([
      '~ a exitPrice: - 101 + 99.5',
      '~ a exitReason: - tp1 + sl',
      '- b: trade gone (was long BTC/USDT:USDT, net 0.9000 USD)',
      '+ d: new trade (short BTC/USDT:USDT, net 0.9000 USD)',
    ]);
  });

  it('reads a result.json or a bare array; a file without trades is refused with the reason', () => {
    const result = join(tmp.dir, 'result.json');
    writeFileSync(result, JSON.stringify({ metrics: {}, trades: [t('a')] }));
    expect(readBaselineTrades(result).map((x) => x.tradeId)).toEqual(['a']);
    const bare = join(tmp.dir, 'trades.json');
    writeFileSync(bare, JSON.stringify([t('b')]));
    expect(readBaselineTrades(bare).map((x) => x.tradeId)).toEqual(['b']);
    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ metrics: {} }));
    expect(() => readBaselineTrades(bad)).toThrow(/baseline: got .*bad\.json, expected a backtest result\.json/);
    expect(() => readBaselineTrades(join(tmp.dir, 'missing.json'))).toThrow(/baseline: got .*missing\.json, expected a readable JSON file/);
  });
});
