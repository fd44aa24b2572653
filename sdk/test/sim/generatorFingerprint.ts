import { createHash } from 'node:crypto';
import { createMarketGenerator, type MarketGenerator } from '../../src/sim/index.js';

/** Pinned like `scan --sim --seed 7 --start 2025-01-15T14:00:00Z`, the startup bench's scan. */
export const FINGERPRINT_SEED = 7;
export const FINGERPRINT_SYMBOLS = 24;
export const FINGERPRINT_START_MS = Date.UTC(2025, 0, 15, 14, 0, 0);

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** The symbols a fingerprint reads: BTC, ETH, the first sims and every symbol an episode (pump, spoof, delisting) touches. */
export function fingerprintSymbols(gen: MarketGenerator): string[] {
  const all = gen.markets().map((m) => m.symbol);
  const episodic = new Set(gen.groundTruth().map((g) => g.symbol));
  return all.filter((s, i) => i < 6 || episodic.has(s));
}

/**
 * A SHA-256 over every value the generator serves for `symbols` around the start, in a fixed
 * order: candles of five timeframes over windows that start on and off the hour, prices at hour
 * boundaries and inside minutes, funding history, 24 h stats, books, trades, marks and open
 * interest. Numbers are hashed as their IEEE-754 bytes, so a last-bit difference changes it.
 * `order` chooses whether the sub-hour timeframes are read before or after the hourly ones: the
 * generator caches per hour, and the result must not depend on what was cached first.
 */
export function generatorFingerprint(gen: MarketGenerator, symbols: readonly string[], order: 'fine-first' | 'coarse-first'): string {
  const hash = createHash('sha256');
  const nums: number[] = [];
  const flush = (label: string): void => {
    hash.update(label);
    hash.update(new Uint8Array(Float64Array.from(nums).buffer));
    nums.length = 0;
  };
  const t0 = FINGERPRINT_START_MS;
  const tfs = order === 'fine-first' ? ['1m', '5m', '15m', '1h', '4h'] : ['4h', '1h', '15m', '5m', '1m'];
  const spanHours: Record<string, number> = { '1m': 3, '5m': 20, '15m': 60, '1h': 400, '4h': 1200 };
  for (const symbol of symbols) {
    for (const tf of tfs) {
      const from = t0 - spanHours[tf]! * HOUR_MS - 7 * MINUTE_MS;
      for (const c of gen.candles(symbol, tf, from, t0 + 2 * HOUR_MS)) nums.push(c.openTimeMs, c.open, c.high, c.low, c.close, c.volume, c.quoteVolume, c.closed ? 1 : 0);
      const forming = gen.formingCandle(symbol, tf, t0 + 17 * MINUTE_MS + 4_321);
      if (forming) nums.push(forming.openTimeMs, forming.open, forming.high, forming.low, forming.close, forming.volume, forming.quoteVolume);
      flush(`${symbol} ${tf}`);
    }
    for (let h = -30; h <= 30; h++) {
      for (const offsetMs of [0, 1, 59_999, 60_000, 7 * MINUTE_MS + 12_345, 30 * MINUTE_MS]) nums.push(gen.lastPrice(symbol, t0 + h * HOUR_MS + offsetMs) ?? -1);
    }
    flush(`${symbol} prices`);
    for (const f of gen.fundingHistory(symbol, t0 - 40 * 24 * HOUR_MS, t0)) nums.push(f.timestampMs, f.rate);
    const now = gen.fundingRate(symbol, t0 + 5 * MINUTE_MS);
    nums.push(now.rate, now.nextFundingTimeMs ?? -1);
    flush(`${symbol} funding`);
    for (const at of [t0, t0 + 1_234_567, t0 - 3 * HOUR_MS]) {
      const s = gen.stats24h(symbol, at);
      if (s) nums.push(s.last, s.open24h, s.high24h, s.low24h, s.baseVolume24h, s.quoteVolume24h);
      const book = gen.orderBook(symbol, at, 5);
      for (const [p, a] of [...book.bids, ...book.asks]) nums.push(p, a);
      const mark = gen.markPrice(symbol, at);
      nums.push(mark.markPrice, mark.indexPrice ?? -1);
      const oi = gen.openInterest(symbol, at);
      nums.push(oi.amountBase, oi.valueUsd ?? -1);
    }
    flush(`${symbol} snapshot`);
    for (const t of gen.trades(symbol, t0 - 3 * MINUTE_MS, t0 + 2 * MINUTE_MS)) {
      hash.update(`${t.id}${t.side}`);
      nums.push(t.timestampMs, t.price, t.amount);
    }
    flush(`${symbol} trades`);
  }
  return hash.digest('hex');
}

export function freshGenerator(): MarketGenerator {
  return createMarketGenerator({ seed: FINGERPRINT_SEED, symbols: FINGERPRINT_SYMBOLS, startTimeMs: FINGERPRINT_START_MS });
}
