import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { BLOFIN_LIMITS, CcxtMarketData, MarketDataService, scaleLimits } from '../../sdk/src/market/index.js';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { dataDir, requireData } from '../support/testData.js';

const SUB = 'binance-usdm-2025-10';
const hasData = requireData(SUB);

/** 24h quote volume per symbol straight from the files: last row dropped (unfinished), then the last 24 rows. */
function rankingFromFiles(dir: string): { symbol: string; quoteVolume24h: number }[] {
  const out: { symbol: string; quoteVolume24h: number }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('_1h.csv'))) {
    const rows = readFileSync(join(dir, file), 'utf8').trim().split('\n').slice(1);
    const complete = rows.slice(0, -1).slice(-24);
    const quoteVolume24h = complete.reduce((sum, line) => {
      const [, , , , close, volume] = line.split(',');
      return sum + Number(volume) * Number(close);
    }, 0);
    const exchangeSymbol = file.replace(/_1h\.csv$/, '');
    out.push({ symbol: `${exchangeSymbol.slice(0, -4)}/USDT:USDT`, quoteVolume24h });
  }
  return out.sort((a, b) => b.quoteVolume24h - a.quoteVolume24h || (a.symbol < b.symbol ? -1 : 1));
}

/** 24h base volume per symbol from the files (the same rows as {@link rankingFromFiles}). */
function baseVolumesFromFiles(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('_1h.csv'))) {
    const rows = readFileSync(join(dir, file), 'utf8').trim().split('\n').slice(1);
    const base = rows.slice(0, -1).slice(-24).reduce((sum, line) => sum + Number(line.split(',')[5]), 0);
    out.set(`${file.replace(/_1h\.csv$/, '').slice(0, -4)}/USDT:USDT`, base);
  }
  return out;
}

describe.skipIf(!hasData)(`universe on replayed real data (${SUB})`, () => {
  const dir = dataDir(SUB)!;
  let sim: SimExchange;
  beforeAll(async () => {
    sim = await startSimExchange({ port: 0, dataDir: dir });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('ranks by the ticker estimate: the files\' 24h base volume at the last price (BloFin tickers carry no quote volume)', async () => {
    const baseVolumes = baseVolumesFromFiles(dir);
    const clock = new SystemClock();
    const source = new CcxtMarketData({ exchange: createBlofinClient(sim, { timeout: 20_000 }), clock });
    const service = new MarketDataService({ source, clock, timeframes: [], live: false, universeRefreshMs: 0, healthIntervalMs: 0 });
    await service.start();
    const got = service.universe();
    expect(got.length, 'every symbol in the directory').toBe(baseVolumes.size);
    for (const m of got) {
      const expected = baseVolumes.get(m.symbol)! * service.ticker(m.symbol)!.last;
      // Contracts and prices cross the wire rounded to lot and tick: a few parts per million.
      expect(Math.abs(m.quoteVolume24h - expected), `${m.symbol}`).toBeLessThanOrEqual(1e-5 * Math.max(1, expected));
    }
    for (let i = 1; i < got.length; i++) expect(got[i - 1]!.quoteVolume24h, 'ranked by that estimate').toBeGreaterThanOrEqual(got[i]!.quoteVolume24h);
    await service.stop();
  });

  it('ranks the same when 24h quote volume is computed from hourly candles over ccxt', async () => {
    // Real BloFin tickers carry no quote volume, so this is the path a live scan can take. The
    // candles cross the wire as BloFin text, which exercises price precision (e.g. 2.32e-05).
    const scale = 20;
    const scaled = await startSimExchange({ port: 0, dataDir: dir, rateLimitScale: scale });
    try {
      const expected = rankingFromFiles(dir);
      const clock = new SystemClock();
      const source = new CcxtMarketData({ exchange: createBlofinClient(scaled, { timeout: 20_000 }), clock, limits: scaleLimits(BLOFIN_LIMITS, scale) });
      const service = new MarketDataService({ source, clock, timeframes: [], live: false, universeRefreshMs: 0, healthIntervalMs: 0, quoteVolumeSource: 'candles' });
      await service.start();
      const got = service.universe();
      expect(got.map((m) => m.symbol), 'same symbols in the same order').toEqual(expected.map((e) => e.symbol));
      for (const [i, m] of got.entries()) {
        expect(m.quoteVolume24h / expected[i]!.quoteVolume24h, `${m.symbol}`).toBeCloseTo(1, 9);
      }
      expect(scaled.stats().rejected429, 'one request per market, paced within the scaled limits').toBe(0);
      await service.stop();
    } finally {
      await scaled.stop();
    }
  });
});
