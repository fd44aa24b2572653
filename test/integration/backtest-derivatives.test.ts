import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { usdtSwapMarket } from '@perpscope/shared';
import { BacktestMarketData } from '../../sdk/src/backtest/backtestSource.js';
import { BacktestClock } from '../../sdk/src/backtest/clock.js';
import { loadBacktestData, type BacktestData } from '../../sdk/src/backtest/data.js';
import type { DepthModel } from '../../sdk/src/backtest/fillModel.js';
import { silentLogger } from '../../sdk/src/core/logger.js';
import { DerivativesFileError, readFundingCsv, readOpenInterestCsv } from '../../sdk/src/data/readers/derivativesCsv.js';
import { createEngine } from '../../sdk/src/engine/index.js';
import { tempDir } from '../../sdk/test/trading/helpers.js';
import { dataDir, requireData } from '../support/testData.js';

const SUB = 'binance-usdm-2025-09-2026-03';
const hasData = requireData(SUB);
const HOUR_MS = 3_600_000;
/** The backtest default depth model: it prices fills only, never the radar. */
const DEPTH: DepthModel = { spreadBps: 2, levels: 20, levelStepBps: 2, depthShare: 0.05, minDepthUsd: 5_000, backstopBps: 100 };

describe('derivatives CSV readers: bad rows', () => {
  const tmp = tempDir('perpscope-derivatives-csv-');
  afterAll(() => tmp.cleanup());

  it('a bad cell fails the file naming line, column, value and what was expected', () => {
    const file = join(tmp.dir, 'BADUSDT.csv');
    writeFileSync(file, 'timestamp,symbol,funding_rate\n1768233600000,BADUSDT,0.0001\n1768262400000,BADUSDT,abc\nyesterday,BADUSDT,0.0002\n');
    let error: unknown;
    try {
      readFundingCsv(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DerivativesFileError);
    const issues = (error as DerivativesFileError).issues;
    expect(issues[0], 'the rate cell').toMatchObject({ path: 'line 3, column 3 (funding_rate)', received: '"abc"', expected: 'a finite number' });
    expect(issues[1]!.path).toBe('line 4, column 1 (timestamp)');
    expect(issues[1]!.expected).toMatch(/time in ms/);
  });

  it('a missing column and a negative open interest are named', () => {
    const noRate = join(tmp.dir, 'NORATE.csv');
    writeFileSync(noRate, 'timestamp,symbol\n1768233600000,NORATE\n');
    expect(() => readFundingCsv(noRate)).toThrow(DerivativesFileError);
    const negative = join(tmp.dir, 'NEGOI.csv');
    writeFileSync(negative, 'timestamp,symbol,sum_open_interest,sum_open_interest_value\n1771560000000,NEGOI,-5,100\n');
    try {
      readOpenInterestCsv(negative);
      expect.unreachable('a negative open interest must fail');
    } catch (err) {
      expect((err as DerivativesFileError).issues[0]).toMatchObject({ path: 'line 2, column 3 (sum_open_interest)', received: '"-5"', expected: 'a finite number >= 0' });
    }
  });
});

describe.skipIf(!hasData)(`recorded funding and OI reach the radar in a backtest (${SUB})`, () => {
  const dir = hasData ? dataDir(SUB)! : '';
  let data: BacktestData;

  it('the readers parse the real files, oldest first', () => {
    const funding = readFundingCsv(join(dir, 'data', 'funding', 'BTCUSDT.csv'));
    const oi = readOpenInterestCsv(join(dir, 'data', 'oi_4h', 'BTCUSDT.csv'));
    expect(funding.length, 'BTC: 200 settlements').toBe(200);
    expect(funding[0]).toEqual({ timeMs: 1768233600000, rate: 0.0000465 });
    expect(oi.length, 'BTC: 168 4h points').toBe(168);
    expect(oi[0]).toEqual({ timeMs: 1771560000000, amountBase: 80485.615, valueUsd: 5419496040.188065 });
    for (const rows of [funding, oi]) expect(rows.every((r, i) => i === 0 || r.timeMs > rows[i - 1]!.timeMs)).toBe(true);
  });

  it('`loadBacktestData` picks funding and OI up next to the candles; `derivativesAt` never looks ahead', () => {
    data = loadBacktestData({ dir, timeframe: '1h', symbols: ['DOGEUSDT', 'MYXUSDT', 'BTCUSDT'], warmupBars: 0 });
    for (const s of data.symbols) {
      expect(data.funding.get(s)?.length, `${s} funding`).toBeGreaterThan(100);
      expect(data.openInterest?.get(s)?.length, `${s} OI`).toBeGreaterThan(100);
    }
    const clock = new BacktestClock(Date.UTC(2026, 2, 1, 2, 30));
    const source = new BacktestMarketData({ clock, timeframe: '1h', candles: data.candles, markets: [], depth: DEPTH, exchangeId: 'binanceusdm', funding: data.funding, openInterest: data.openInterest! });
    const at = source.derivativesAt('BTC/USDT:USDT', clock.nowMs())!;
    expect(at.funding[at.funding.length - 1]!.timestampMs, 'the 00:00 settlement, not the 08:00 one').toBeLessThanOrEqual(clock.nowMs());
    expect(at.funding[at.funding.length - 1]!.timestampMs).toBeGreaterThan(clock.nowMs() - 8 * HOUR_MS);
    expect(at.openInterest![at.openInterest!.length - 1]!.timestampMs, 'the 00:00 4h point; 04:00 is still ahead').toBe(Date.UTC(2026, 2, 1, 0));
  });

  /** An engine wired as `backtest` wires it, stopped at `atMs`, ranking the given symbols. */
  async function rankAt(atMs: number) {
    const clock = new BacktestClock(atMs);
    const markets = data.symbols.map((symbol) => ({ ...usdtSwapMarket(symbol.split('/')[0]!, { tickSize: 1e-8, lotSize: 1e-8, minAmount: 0, makerFee: 0.0002, takerFee: 0.0005 }), symbol }));
    const source = new BacktestMarketData({
      clock,
      timeframe: '1h',
      candles: data.candles,
      markets,
      depth: DEPTH,
      exchangeId: 'binanceusdm',
      funding: data.funding,
      openInterest: data.openInterest!,
    });
    const engine = createEngine(
      { exchange: 'binanceusdm', mode: 'paper', timeframes: ['1h'], backfillBars: 500, universe: { minQuoteVolumeUsd: 0, maxSpreadBps: null, topN: 10 } },
      { clock, source, logger: silentLogger, live: false, books: 'synthetic_replay' },
    );
    try {
      await engine.start();
      return new Map(engine.rank({ top: 10 }).rows.map((r) => [r.symbol, r]));
    } finally {
      await engine.stop();
    }
  }

  it('real bars: OI building against the price raises oi_price_divergence (DOGE 2026-03-04 04:00)', { timeout: 120_000 }, async () => {
    const rows = await rankAt(Date.UTC(2026, 2, 4, 4));
    const doge = rows.get('DOGE/USDT:USDT')!;
    expect(doge.metrics.inputs).toEqual({ book: 'none', funding: 'history', openInterest: 'history', listing: 'unknown' });
    const flag = doge.flags.find((f) => f.name === 'oi_price_divergence');
    expect(flag, `DOGE flags: ${JSON.stringify(doge.flags)}`).toBeDefined();
    expect(flag!.evidence.oiChangePct as number, 'OI +22.6% over 24 bars from the 4h file').toBeGreaterThan(20);
    expect(rows.get('BTC/USDT:USDT')!.flags.map((f) => f.name), 'BTC the same hour: calm').not.toContain('oi_price_divergence');
  });

  it('real bars: crowded funding against the move raises funding_divergence (MYX 2026-02-15 09:00)', { timeout: 120_000 }, async () => {
    const rows = await rankAt(Date.UTC(2026, 1, 15, 9));
    const myx = rows.get('MYX/USDT:USDT')!;
    const flag = myx.flags.find((f) => f.name === 'funding_divergence');
    expect(flag, `MYX flags: ${JSON.stringify(myx.flags)}`).toBeDefined();
    // MYX settles every 4h (from the file's spacing): -33.8 bps per 4h is -67.5 bps per 8h.
    expect(flag!.evidence.fundingRate8h as number, 'the 08:00 settlement, scaled to 8h').toBeCloseTo(-0.0067539, 6);
    expect(myx.metrics.fundingAnnualizedPct, 'annualized over 6 settlements a day').toBeCloseTo(-0.00337695 * 6 * 365 * 100, 6);
    expect(rows.get('BTC/USDT:USDT')!.flags.map((f) => f.name), 'BTC the same hour: calm').not.toContain('funding_divergence');
  });
});
