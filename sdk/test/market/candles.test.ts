import { describe, expect, it } from 'vitest';
import type { Candle } from '@perpscope/shared';
import { CandleRing } from '../../src/market/candleRing.js';
import { findCandleGaps, gapBetween } from '../../src/market/candleGaps.js';
import { CandleStream } from '../../src/market/candleStream.js';
import { quoteVolume24hFromHourly } from '../../src/market/quoteVolume.js';

const TF = 60_000;
const bar = (i: number, close = 100 + i): Candle => ({ openTimeMs: i * TF, open: close, high: close + 1, low: close - 1, close, volume: 10 });

describe('CandleRing', () => {
  it('keeps the newest `capacity` candles in order with O(1) append and replace-last', () => {
    const ring = new CandleRing(3);
    expect(ring.last()).toBeUndefined();
    for (let i = 0; i < 5; i++) ring.push(bar(i));
    expect(ring.length).toBe(3);
    expect(ring.toArray().map((c) => c.openTimeMs / TF), 'oldest dropped first').toEqual([2, 3, 4]);
    ring.replaceLast(bar(4, 999));
    expect(ring.last()?.close).toBe(999);
    expect(ring.at(0)?.openTimeMs).toBe(2 * TF);
    expect(ring.at(-1)?.close).toBe(999);
    expect(ring.at(3)).toBeUndefined();
    expect(ring.toArray(2).map((c) => c.openTimeMs / TF)).toEqual([3, 4]);
    expect(ring.upsertLast(bar(4, 5))).toBe('replaced');
    expect(ring.upsertLast(bar(1))).toBe('ignored');
    expect(ring.upsertLast(bar(5))).toBe('appended');
    expect(ring.openTimes()).toEqual([3 * TF, 4 * TF, 5 * TF]);
  });

  it('refuses a bad capacity', () => {
    expect(() => new CandleRing(0)).toThrow(/capacity must be a positive integer, got 0/);
  });
});

describe('gap detection', () => {
  it('finds missing open times', () => {
    expect(findCandleGaps([0, 1, 2, 5, 6, 8].map((i) => i * TF), TF)).toEqual([
      { fromOpenTimeMs: 3 * TF, toOpenTimeMs: 4 * TF, bars: 2 },
      { fromOpenTimeMs: 7 * TF, toOpenTimeMs: 7 * TF, bars: 1 },
    ]);
    expect(gapBetween(0, TF, TF)).toBeUndefined();
  });
});

describe('CandleStream', () => {
  const seeded = () => {
    const stream = new CandleStream('X/USDT:USDT', TF, new CandleRing(100));
    stream.seed([bar(0), bar(1), bar(2)], 2 * TF + 30_000);
    return stream;
  };

  it('seeds closed bars and keeps the forming one aside', () => {
    const stream = seeded();
    expect(stream.ring.openTimes()).toEqual([0, TF]);
    expect(stream.formingCandle()?.openTimeMs).toBe(2 * TF);
  });

  it('confirms a bar only when a newer open time arrives', () => {
    const stream = seeded();
    expect(stream.ingest([bar(2, 120)]).confirmed, 'an update of the forming bar confirms nothing').toEqual([]);
    const r = stream.ingest([bar(3)]);
    expect(r.confirmed, 'the forming bar is confirmed with its last values').toEqual([bar(2, 120)]);
    expect(r.repair).toBeUndefined();
    expect(stream.ring.last()?.close).toBe(120);
  });

  it('refetches a forming bar seen only in the backfill instead of confirming its partial values', () => {
    const stream = seeded();
    const r = stream.ingest([bar(3)]);
    expect(r.confirmed).toEqual([]);
    expect(r.repair).toEqual({ fromOpenTimeMs: 2 * TF, toOpenTimeMs: 2 * TF, bars: 1 });
    expect(stream.completeRepair([bar(2, 77)]).confirmed).toEqual([bar(2, 77)]);
  });

  it('requests a repair for a jump and holds later bars until it completes', () => {
    const stream = seeded();
    const r = stream.ingest([bar(5)]);
    expect(r.confirmed).toEqual([]);
    expect(r.repair, 'the stale forming bar and the missing ones are refetched').toEqual({ fromOpenTimeMs: 2 * TF, toOpenTimeMs: 4 * TF, bars: 3 });
    expect(stream.ingest([bar(6)]).confirmed, 'bar 5 is held while the repair is pending').toEqual([]);
    const done = stream.completeRepair([bar(2, 50), bar(3), bar(4), bar(7)]);
    expect(done.confirmed.map((c) => c.openTimeMs / TF), 'repaired bars then held bars, in order').toEqual([2, 3, 4, 5]);
    expect(done.confirmed[0]?.close, 'the refetched value replaces the stale forming one').toBe(50);
    expect(stream.ring.openTimes().map((t) => t / TF)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(stream.formingCandle()?.openTimeMs).toBe(6 * TF);
  });

  it('queues a second gap behind the first', () => {
    const stream = seeded();
    const first = stream.ingest([bar(4)]).repair;
    expect(first).toEqual({ fromOpenTimeMs: 2 * TF, toOpenTimeMs: 3 * TF, bars: 2 });
    expect(stream.ingest([bar(5)]).confirmed).toEqual([]);
    expect(stream.ingest([bar(8)]).repair, 'one repair in flight at a time').toBeUndefined();
    const done = stream.completeRepair([bar(2), bar(3)]);
    expect(done.confirmed.map((c) => c.openTimeMs / TF)).toEqual([2, 3, 4]);
    expect(done.repair).toEqual({ fromOpenTimeMs: 5 * TF, toOpenTimeMs: 7 * TF, bars: 3 });
    expect(stream.completeRepair([bar(5), bar(6), bar(7)]).confirmed.map((c) => c.openTimeMs / TF)).toEqual([5, 6, 7]);
  });

  it('accepts an empty repair (the exchange has no bars there) and moves on', () => {
    const stream = seeded();
    stream.ingest([bar(4)]);
    expect(stream.completeRepair([]).confirmed).toEqual([]);
    expect(stream.ingest([bar(5)]).confirmed.map((c) => c.openTimeMs / TF)).toEqual([4]);
  });

  it('ignores old bars and overlapping REST results without duplicate events', () => {
    const stream = seeded();
    const r = stream.ingest([bar(0), bar(1), bar(2), bar(3)]);
    expect(r.confirmed.map((c) => c.openTimeMs / TF)).toEqual([2]);
    expect(stream.ingest([bar(1), bar(2), bar(3)]).confirmed).toEqual([]);
  });
});

describe('quoteVolume24hFromHourly', () => {
  it('sums volume x close over the last 24 complete hourly bars', () => {
    const H = 3_600_000;
    const hourly: Candle[] = Array.from({ length: 30 }, (_, i) => ({ openTimeMs: i * H, open: 1, high: 2, low: 1, close: 2, volume: i }));
    // At 29.5 h bar 29 is still forming: bars 5..28 are the last 24 complete ones.
    const expected = Array.from({ length: 24 }, (_, k) => (k + 5) * 2).reduce((a, b) => a + b, 0);
    expect(quoteVolume24hFromHourly(hourly, 29.5 * H)).toBe(expected);
  });
});
