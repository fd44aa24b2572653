import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OrderBook } from '@perpscope/shared';
import { dataDir, requireData } from '../../../test/support/testData.js';
import { SimulatedClock } from '../../src/core/clock.js';
import { PaperBroker } from '../../src/trading/paperBroker.js';
import { entryRisk, freshStorePerTest, permissiveRisk } from './helpers.js';

const SUB = 'binance-usdm-2025-09-2026-03/data/funding';
const SYMBOL = 'BTC/USDT:USDT';
const HOUR_MS = 3_600_000;

interface Settlement {
  atMs: number;
  rate: number;
}

/** Binance's recorded settlements: `timestamp,symbol,funding_rate` (ms; a few ms after the hour). */
function settlements(file: string): Settlement[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [ts, , rate] = line.split(',');
      return { atMs: Number(ts), rate: Number(rate) };
    });
}

function book(mid: number): OrderBook {
  return { symbol: SYMBOL, timestampMs: 0, bids: [[mid - 1, 10]], asks: [[mid + 1, 10]] };
}

describe.skipIf(!requireData(SUB))('paper funding against recorded Binance settlements', () => {
  const fx = freshStorePerTest();

  it('charges each settlement once, at its timestamp, only while a position is open', async () => {
    const all = settlements(join(dataDir(SUB) ?? '', 'BTCUSDT.csv'));
    expect(all.length, 'the recorded file has settlements').toBeGreaterThan(100);
    // Open at 08:15 of a day between settlements, as in the reported defect; run 3 days, close, run 1 more.
    const first = all[20]!;
    const openMs = first.atMs + 15 * 60_000;
    const closeMs = openMs + 3 * 24 * HOUR_MS;
    const endMs = closeMs + 24 * HOUR_MS;
    const clock = new SimulatedClock(openMs);
    const store = fx.store;
    const broker = new PaperBroker({ store, clock, risk: permissiveRisk(clock), exchange: 'binanceusdm', market: () => ({ makerFee: 0, takerFee: 0 }) });
    await broker.start();
    const mark = 100_000;
    broker.onOrderBook(SYMBOL, book(mark));
    await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 0.01, tradeId: 'f', leg: 'entry', risk: entryRisk(SYMBOL, 'long', mark) });
    const size = (await broker.fetchPositions())[0]?.sizeBase ?? 0;
    const start = await broker.fetchAccount();
    // Funding is what moved the balance apart from realized PnL (fees are zero here).
    const paid = () => broker.fetchAccount().then((a) => a.balanceUsd - start.balanceUsd - (a.realizedPnlUsd - start.realizedPnlUsd));

    let expected = 0;
    let charged = 0;
    for (let t = openMs; t <= endMs; t += 15 * 60_000) {
      await clock.advanceTo(t);
      if (t >= closeMs && (await broker.fetchPositions()).length > 0) await broker.closePosition(SYMBOL);
      const next = all.find((s) => s.atMs > t);
      const due = all.filter((s) => s.atMs <= t);
      // The feed, as the exchange sends it: the next settlement with its rate, and (after a
      // restart, or a slow poll) settlements that already passed.
      if (next) broker.onFunding(SYMBOL, next.rate, next.atMs, mark);
      for (const s of due.slice(-2)) broker.onFunding(SYMBOL, s.rate, s.atMs, mark);
      broker.onMarkPrice(SYMBOL, mark, t);
      expected = all.filter((s) => s.atMs > openMs && s.atMs <= Math.min(t, closeMs)).reduce((sum, s) => sum - size * mark * s.rate, 0);
      const now = await paid();
      expect(now, `at ${new Date(t).toISOString()}: only settlements already reached, each once`).toBeCloseTo(expected, 9);
      charged = now;
    }
    const inWindow = all.filter((s) => s.atMs > openMs && s.atMs <= closeMs);
    expect(inWindow.length, 'three days of 8-hourly settlements').toBe(9);
    expect(charged).toBeCloseTo(inWindow.reduce((sum, s) => sum - size * mark * s.rate, 0), 9);
  });
});
