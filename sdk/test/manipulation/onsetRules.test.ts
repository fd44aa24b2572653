import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSnapshot, computeMarketContext, PRICE_PATTERN_FLAGS, type CandleArrays, type MarketSnapshot } from '../../src/manipulation/index.js';
import { dataDir, requireData } from '../../../test/support/testData.js';

/**
 * The onset rules and the market-stress cross-section on real Binance USDT-M 1h bars
 * (`binance-usdm-2025-09-2026-03`, 15 symbols). The decision is at the close of the named bar and
 * the radar sees no later bar.
 */
const SUB = 'binance-usdm-2025-09-2026-03/data/1h';
const HOUR_MS = 3_600_000;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT', 'BNBUSDT', '1000PEPEUSDT', 'SUIUSDT', 'LINKUSDT', 'AVAXUSDT', 'MYXUSDT', 'COAIUSDT', 'AIAUSDT', 'BLESSUSDT', 'ZECUSDT'];

const hasData = requireData(SUB);
const cache = new Map<string, CandleArrays & { openTimeMs: number[] }>();

function load(symbol: string): CandleArrays & { openTimeMs: number[] } {
  const hit = cache.get(symbol);
  if (hit) return hit;
  // The last row of each file is an unfinished candle.
  const rows = readFileSync(join(dataDir(SUB) as string, `${symbol}.csv`), 'utf8')
    .trim()
    .split('\n')
    .slice(1, -1)
    .map((l) => l.split(',').map(Number));
  const col = (j: number): number[] => rows.map((r) => r[j] as number);
  const c = { openTimeMs: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) };
  cache.set(symbol, c);
  return c;
}

/** The snapshot of `symbol` at the close of the bar opening at `iso` (UTC). */
function snapshotAt(symbol: string, iso: string): MarketSnapshot | null {
  const c = load(symbol);
  const t = Date.parse(`${iso}Z`);
  const i = c.openTimeMs.indexOf(t);
  if (i < 61) return null;
  const cut = (a: ArrayLike<number>): number[] => Array.from(a).slice(0, i + 1);
  return {
    symbol,
    nowMs: t + HOUR_MS,
    barMs: HOUR_MS,
    candles: { openTimeMs: cut(c.openTimeMs), open: cut(c.open), high: cut(c.high), low: cut(c.low), close: cut(c.close), volume: cut(c.volume) },
  };
}

function crossSection(iso: string): MarketSnapshot[] {
  return SYMBOLS.map((s) => snapshotAt(s, iso)).filter((s): s is MarketSnapshot => s !== null);
}

function flagNames(s: MarketSnapshot, market: ReturnType<typeof computeMarketContext> = null): string[] {
  return analyzeSnapshot(s, {}, market).manip.flags.map((f) => f.name);
}

describe.skipIf(!hasData)('onset rules on real bars', () => {
  it('collapse: MYXUSDT falling 23% over 4 hours on 2025-10-02 with no pump before it', () => {
    const iso = '2025-10-02T16:00:00';
    const market = computeMarketContext(crossSection(iso));
    const s = snapshotAt('MYXUSDT', iso) as MarketSnapshot;
    const f = analyzeSnapshot(s, {}, market).manip.flags.find((x) => x.name === 'collapse');
    expect(f, 'the fall is far beyond its ATR and its peers').toBeDefined();
    expect(f!.evidence.dropPct as number).toBeLessThan(-20);
    expect(f!.evidence.dropVsPeersPct as number, 'the peers did not fall with it').toBeLessThan(-20);
    expect(f!.evidence.priorRunPct as number, 'no pump before it').toBeLessThan(30);
    expect(f!.evidence.reboundShare as number, 'closing near the low').toBeLessThan(0.35);
    expect(f!.evidence.volumeZ as number).toBeGreaterThanOrEqual(2);
  });

  it('collapse: calm counter-examples on the same bar (BTC, ETH) stay quiet', () => {
    const iso = '2025-10-02T16:00:00';
    const market = computeMarketContext(crossSection(iso));
    for (const sym of ['BTCUSDT', 'ETHUSDT']) expect(flagNames(snapshotAt(sym, iso) as MarketSnapshot, market), sym).not.toContain('collapse');
  });

  it('pump_onset: COAIUSDT bursting +67% over 3 hours on volume z 14 (2025-10-06 06:00)', () => {
    const iso = '2025-10-06T06:00:00';
    const market = computeMarketContext(crossSection(iso));
    const f = analyzeSnapshot(snapshotAt('COAIUSDT', iso) as MarketSnapshot, {}, market).manip.flags.find((x) => x.name === 'pump_onset');
    expect(f, 'an idiosyncratic price and volume burst').toBeDefined();
    expect(f!.evidence.kind).toBe('burst');
    expect(f!.evidence.moveVsPeersPct as number).toBeGreaterThan(50);
    expect(f!.evidence.volumeZ as number).toBeGreaterThan(10);
    expect(f!.severity, 'far beyond every threshold').toBe(1);
  });

  it('pump_onset: calm counter-examples on the same bar stay quiet', () => {
    const iso = '2025-10-06T06:00:00';
    const market = computeMarketContext(crossSection(iso));
    for (const sym of ['BTCUSDT', 'ETHUSDT', 'LINKUSDT']) expect(flagNames(snapshotAt(sym, iso) as MarketSnapshot, market), sym).not.toContain('pump_onset');
  });

  it('market_stress: the 2025-10-10 21:00 liquidation bar is one market event, not per-symbol flags', () => {
    const iso = '2025-10-10T21:00:00';
    const snaps = crossSection(iso);
    const market = computeMarketContext(snaps);
    expect(market?.stress, 'most symbols fell together').not.toBeNull();
    expect(market!.stress!.direction).toBe('down');
    expect(market!.stress!.share).toBeGreaterThan(0.9);
    expect(market!.stress!.benchmarkRet1Pct, 'BTC closed the bar down').toBeLessThan(-0.5);
    // Alone, the bar's long lower wicks flag most symbols; against the cross-section they are the market's.
    const alone = snaps.filter((s) => flagNames(s).some((n) => PRICE_PATTERN_FLAGS.includes(n as never))).length;
    const withMarket = snaps.filter((s) => flagNames(s, market).some((n) => PRICE_PATTERN_FLAGS.includes(n as never))).length;
    expect(alone, 'without the cross-section the wicks flag most of the 15').toBeGreaterThan(snaps.length / 2);
    expect(withMarket, 'with it, at most 5% of symbols keep a price-pattern flag').toBeLessThanOrEqual(Math.floor(0.05 * snaps.length));
  });

  it('market_stress: a calm bar (2025-10-08 12:00) raises none', () => {
    const market = computeMarketContext(crossSection('2025-10-08T12:00:00'));
    expect(market, 'enough aligned symbols to judge').not.toBeNull();
    expect(market!.stress).toBeNull();
  });
});
