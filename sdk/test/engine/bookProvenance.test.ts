import { describe, expect, it } from 'vitest';
import type { Candle, FundingRate, OpenInterest, OrderBook } from '@perpscope/shared';
import { buildSnapshots, type BookProvenance, type SnapshotMarket } from '../../src/engine/marketSnapshots.js';
import type { DerivativesHistory } from '../../src/market/derivativesHistory.js';
import type { OrderFlowSnapshot, UniverseMember } from '../../src/market/index.js';
import { Ranker } from '../../src/ranking/index.js';
import { calmBook, calmCandles, HOUR_MS } from '../manipulation/fixtures.js';

const WALL = 'WALL/USDT:USDT';
const WIDE = 'WIDE/USDT:USDT';

function candlesOf(seed: number): Candle[] {
  const c = calmCandles(200, seed);
  return c.close.map((close, i) => ({ openTimeMs: c.openTimeMs[i]!, open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close, volume: c.volume[i]! }));
}

/** A market-data view over fixed candles, books and derivatives history: what `buildSnapshots` reads. */
function market(books: Record<string, OrderBook>, history: Record<string, DerivativesHistory> = {}): { view: SnapshotMarket; nowMs: number } {
  const candles: Record<string, Candle[]> = { [WALL]: candlesOf(3), [WIDE]: candlesOf(4) };
  const nowMs = candles[WALL]![199]!.openTimeMs + HOUR_MS;
  const members = Object.keys(candles).map((symbol, i) => ({ symbol, rank: i + 1, quoteVolume24h: 2_400_000 }) as UniverseMember);
  const view: SnapshotMarket = {
    markets: () => [],
    universe: () => members,
    candles: (symbol) => candles[symbol] ?? [],
    orderFlow: (symbol): OrderFlowSnapshot | undefined => (books[symbol] ? { symbol, updatedAtMs: nowMs, bookTop: books[symbol] } : undefined),
    derivativesHistory: (symbol) => history[symbol],
  };
  return { view, nowMs };
}

/** A spoofing wall on one symbol and a 60 bps spread on the other: both fire when the book is trusted. */
function craftedBooks(): Record<string, OrderBook> {
  const wallMid = candlesOf(3)[199]!.close;
  const wall = calmBook(wallMid, 1);
  wall.bids[3] = [wall.bids[3]![0], 5000];
  const wide = calmBook(candlesOf(4)[199]!.close, 50, 60);
  return {
    [WALL]: { symbol: WALL, timestampMs: 0, ...wall },
    [WIDE]: { symbol: WIDE, timestampMs: 0, ...wide },
  };
}

function rankWith(books: BookProvenance) {
  const { view, nowMs } = market(craftedBooks());
  const snapshots = buildSnapshots(view, '1h', nowMs, { books });
  const rows = new Ranker().rank(snapshots, { top: 10 }).rows;
  return { snapshots, rows: new Map(rows.map((r) => [r.symbol, r])) };
}

const BOOK_FLAGS = ['spoofing_depth_imbalance', 'liquidity_vacuum'];

describe('book provenance', () => {
  it('a real exchange book fires the book flags and feeds depth, spread and slippage', () => {
    const { snapshots, rows } = rankWith('exchange');
    expect(snapshots.every((s) => s.bookSource === 'exchange'), 'a venue book is labelled exchange').toBe(true);
    expect(rows.get(WALL)!.flags.map((f) => f.name), 'the 5000-lot wall is spoofing').toContain('spoofing_depth_imbalance');
    expect(rows.get(WIDE)!.flags.map((f) => f.name), 'a 60 bps spread is a vacuum').toContain('liquidity_vacuum');
    expect(rows.get(WIDE)!.book).toBe('exchange');
    expect(rows.get(WIDE)!.metrics.spreadBps, 'the spread comes from the book').toBeCloseTo(60, 0);
    expect(Number.isFinite(rows.get(WALL)!.metrics.slippageBps), 'slippage is walked on the book').toBe(true);
  });

  it('the same books in a replay are withheld: no book flag, no book figure, rows say book none', () => {
    const { snapshots, rows } = rankWith('synthetic_replay');
    for (const s of snapshots) {
      expect(s.book, `${s.symbol}: an invented book never reaches the radar`).toBeUndefined();
      expect(s.bookSource).toBe('none');
    }
    for (const symbol of [WALL, WIDE]) {
      const row = rows.get(symbol)!;
      expect(row.flags.map((f) => f.name).filter((n) => BOOK_FLAGS.includes(n)), `${symbol}: book flags`).toEqual([]);
      expect(row.book).toBe('none');
      expect(row.metrics.inputs?.book).toBe('none');
      for (const k of ['spreadBps', 'slippageBps', 'depth10Usd', 'depth50Usd', 'depthToVolume'] as const) {
        expect(Number.isNaN(row.metrics[k]), `${symbol}: ${k} is unknown without a book`).toBe(true);
      }
    }
  });

  it('a demo sim shows its invented books, labelled synthetic', () => {
    const { rows } = rankWith('synthetic_demo');
    expect(rows.get(WALL)!.book).toBe('synthetic');
    expect(rows.get(WALL)!.flags.map((f) => f.name), 'a demo may score its generator books (spoofing episodes)').toContain('spoofing_depth_imbalance');
  });
});

describe('funding and OI history on the snapshot', () => {
  it('settled funding becomes the history, OI is forward-filled onto bars, nothing after now is read', () => {
    const probe = market({});
    const nowMs = probe.nowMs;
    const funding: FundingRate[] = [];
    for (let t = nowMs - 10 * 8 * HOUR_MS; t <= nowMs + 8 * HOUR_MS; t += 8 * HOUR_MS) funding.push({ symbol: WALL, timestampMs: t, rate: t > nowMs ? 0.5 : 0.004 });
    const oi: OpenInterest[] = [];
    // 4h points, the last one after now (it must not be seen).
    for (let t = nowMs - 40 * HOUR_MS; t <= nowMs + 4 * HOUR_MS; t += 4 * HOUR_MS) oi.push({ symbol: WALL, timestampMs: t, amountBase: t > nowMs ? 1e9 : (t - (nowMs - 40 * HOUR_MS)) / HOUR_MS + 100 });
    const { view } = market({}, { [WALL]: { funding, openInterest: oi } });
    const [wall, wide] = buildSnapshots(view, '1h', nowMs);
    expect(wall!.fundingRate, 'without a live rate the last settlement at or before now is current').toBe(0.004);
    expect(wall!.fundingHistory?.length, 'the other ten settlements up to now').toBe(10);
    expect(wall!.fundingIntervalHours, 'from the settlement spacing').toBe(8);
    const perBar = wall!.openInterestHistory!;
    expect(perBar.length, 'bars from the first OI point on: closes at now-40h .. now').toBe(41);
    expect(perBar[perBar.length - 1], 'the newest bar takes the point at its close, not the later one').toBe(140);
    expect(perBar[perBar.length - 2], 'a bar between 4h points keeps the previous point').toBe(136);
    expect(Math.max(...Array.from(perBar)), 'the point after now never appears').toBeLessThan(1e9);
    expect(wide!.fundingHistory, 'a symbol without history has none').toBeUndefined();
    expect(wide!.openInterestHistory).toBeUndefined();
  });
});
