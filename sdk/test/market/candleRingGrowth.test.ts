import { describe, expect, it } from 'vitest';
import type { Candle } from '@perpscope/shared';
import { CandleRing } from '../../src/market/candleRing.js';

const TF = 60_000;
/** A candle whose every field encodes `i`, so a value moved to the wrong slot or field shows. */
const bar = (i: number): Candle => ({ openTimeMs: i * TF, open: 1000 + i, high: 2000 + i, low: 500 + i, close: 1500 + i, volume: 10 + i });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe('CandleRing storage grows on demand', () => {
  it('starts small whatever the capacity, and grows as candles arrive, never past the capacity and its slack', () => {
    const ring = new CandleRing(2_000);
    expect(ring.allocatedSlots, 'a new ring allocates 64 slots, not 2,000').toBe(64);
    for (let i = 0; i < 500; i++) ring.push(bar(i));
    expect(ring.allocatedSlots, '500 candles: 64 -> 128 -> 192 -> 288 -> 432 -> 648 slots').toBe(648);
    const small = new CandleRing(10);
    expect(small.allocatedSlots, 'capped at the capacity').toBe(10);
    const sized = new CandleRing(1_000, 520);
    for (let i = 0; i < 500; i++) sized.push(bar(i));
    expect(sized.allocatedSlots, 'an initial size covering the history needs no growth').toBe(520);
    for (let i = 500; i < 3_000; i++) sized.push(bar(i));
    expect(sized.allocatedSlots, 'full: the capacity plus an eighth of slack').toBe(1_125);
  });

  it('keeps every value and the order across each growth step', () => {
    const ring = new CandleRing(1_000);
    for (let i = 0; i < 700; i++) {
      ring.push(bar(i));
      expect(ring.length).toBe(i + 1);
      expect(ring.last(), `newest after pushing ${i}`).toEqual(bar(i));
    }
    expect(ring.toArray(), 'all 700 candles, oldest first, every field intact').toEqual(range(0, 700).map(bar));
    expect(ring.openTimes()).toEqual(range(0, 700).map((i) => i * TF));
  });

  it('keeps the order when it wraps after growing to the capacity', () => {
    const ring = new CandleRing(150);
    for (let i = 0; i < 400; i++) ring.push(bar(i));
    expect(ring.allocatedSlots, 'the capacity plus at least 8 slots of slack (150 >> 3 = 18)').toBe(168);
    expect(ring.length).toBe(150);
    expect(ring.toArray(), 'the newest 150, oldest first').toEqual(range(250, 400).map(bar));
    expect(ring.at(0)).toEqual(bar(250));
    expect(ring.at(-1)).toEqual(bar(399));
    ring.replaceLast({ ...bar(399), close: 1 });
    expect(ring.last()?.close).toBe(1);
    expect(ring.upsertLast(bar(400))).toBe('appended');
    expect(ring.toArray(3)).toEqual([bar(398), { ...bar(399), close: 1 }, bar(400)]);
  });

  it('grows correctly after being cleared mid-wrap', () => {
    const ring = new CandleRing(100, 100);
    for (let i = 0; i < 130; i++) ring.push(bar(i));
    ring.clear();
    expect(ring.length).toBe(0);
    for (let i = 0; i < 120; i++) ring.push(bar(1_000 + i));
    expect(ring.toArray()).toEqual(range(1_020, 1_120).map(bar));
  });

  it('grows from a single initial slot (half of one slot is none, so there is nothing to move yet)', () => {
    const ring = new CandleRing(10, 1);
    for (let i = 0; i < 25; i++) ring.push(bar(i));
    expect(ring.allocatedSlots, '1 -> 18: capped at the capacity plus 8 slots of slack').toBe(18);
    expect(ring.toArray(), 'the newest 10, oldest first').toEqual(range(15, 25).map(bar));
  });

  it('refuses a bad initial size, naming it', () => {
    expect(() => new CandleRing(100, 0)).toThrow(/initialSlots must be a positive integer, got 0/);
    expect(() => new CandleRing(100, 1.5)).toThrow(/initialSlots must be a positive integer, got 1.5/);
  });
});

describe('CandleRing columns', () => {
  it('equal the candles toArray gives, field by field, before and after the ring wraps', () => {
    const ring = new CandleRing(100, 16);
    const check = (count?: number) => {
      const candles = ring.toArray(count);
      const cols = ring.columns(count);
      expect(Array.from(cols.openTimeMs)).toEqual(candles.map((c) => c.openTimeMs));
      expect(Array.from(cols.open)).toEqual(candles.map((c) => c.open));
      expect(Array.from(cols.high)).toEqual(candles.map((c) => c.high));
      expect(Array.from(cols.low)).toEqual(candles.map((c) => c.low));
      expect(Array.from(cols.close)).toEqual(candles.map((c) => c.close));
      expect(Array.from(cols.volume)).toEqual(candles.map((c) => c.volume));
    };
    check();
    for (let i = 0; i < 40; i++) ring.push(bar(i));
    check();
    check(7);
    for (let i = 40; i < 257; i++) ring.push(bar(i));
    expect(ring.length, 'full and wrapped').toBe(100);
    check();
    check(33);
    check(1_000);
    const cols = ring.columns();
    cols.close[0] = -1;
    expect(ring.at(0)?.close, 'a copy: writing to it leaves the ring alone').toBe(1500 + 157);
  });
});

describe('CandleRing view', () => {
  it('shows the same columns as columns() over the ring storage, through growth, wrap-around and moves to the front', () => {
    const ring = new CandleRing(40, 8);
    const check = (count?: number) => {
      const copy = ring.columns(count);
      const view = ring.view(count);
      for (const k of ['openTimeMs', 'open', 'high', 'low', 'close', 'volume'] as const) {
        expect(Array.from(view[k]), `${k} of ${count ?? 'all'} after ${ring.last()?.openTimeMs ?? 0}`).toEqual(Array.from(copy[k]));
      }
    };
    check();
    // 40 capacity + 8 slots of slack: the storage moves its candles to the front every 8 pushes once full.
    for (let i = 0; i < 200; i++) {
      ring.push(bar(i));
      check();
      check(5);
      check(0);
    }
    expect(ring.allocatedSlots).toBe(48);
    expect(ring.toArray()).toEqual(range(160, 200).map(bar));
  });

  it('is a view, not a copy: a replaced last candle shows through it', () => {
    const ring = new CandleRing(10);
    for (let i = 0; i < 25; i++) ring.push(bar(i));
    const view = ring.view();
    expect(view.close[view.close.length - 1]).toBe(1524);
    ring.replaceLast({ ...bar(24), close: 7 });
    expect(view.close[view.close.length - 1]).toBe(7);
  });
});
