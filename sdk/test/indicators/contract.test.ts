import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { dataDir, requireData } from '../../../test/support/testData.js';
import { CASES, barAt, perturb, randomWalkBars, type Bars, type ContractCase } from './cases.js';
import { readFixtureBars } from './fixtures.js';

const TOL = 1e-9;

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= TOL * Math.max(1, Math.abs(b));
}

/** The streaming result as named fields, matching the batch output keys. */
function fieldsOf(result: unknown): Record<string, number> {
  return typeof result === 'number' ? { value: result } : (result as Record<string, number>);
}

/** Asserts the streaming state after bar `i` equals the batch output at `i`. */
function expectMatch(c: ContractCase, batch: Record<string, Float64Array>, result: unknown, i: number, label: string): void {
  const keys = Object.keys(batch);
  if (result === null) {
    for (const k of keys) if (!Number.isNaN(batch[k]![i]!)) expect.fail(`${c.name} ${label}: stream null but batch ${k}[${i}] = ${batch[k]![i]}`);
    return;
  }
  const got = fieldsOf(result);
  if (Object.keys(got).length !== keys.length) expect.fail(`${c.name}: result fields ${Object.keys(got)} vs batch ${keys}`);
  for (const k of keys) {
    const want = batch[k]![i]!;
    if (!close(got[k]!, want)) expect.fail(`${c.name} ${label}: ${k}[${i}] stream ${got[k]} vs batch ${want}`);
  }
}

/** Streams `bars`; on every third bar a perturbed value is added first and then replaced. */
function streamAndCompare(c: ContractCase, bars: Bars, label: string): void {
  const batch = c.batch(bars);
  const s = c.create();
  const n = bars.close.length;
  for (let i = 0; i < n; i++) {
    const bar = barAt(bars, i);
    if (i % 3 === 1) {
      s.add(c.input(perturb(bar, 1.013)) as never);
      s.replace(c.input(perturb(bar, 0.991)) as never);
      s.replace(c.input(bar) as never);
    } else {
      s.add(c.input(bar) as never);
    }
    expectMatch(c, batch, s.getResult(), i, label);
  }
}

function sliceBars(b: Bars, n: number): Bars {
  return {
    openTimeMs: b.openTimeMs.slice(0, n),
    high: b.high.slice(0, n),
    low: b.low.slice(0, n),
    close: b.close.slice(0, n),
    volume: b.volume.slice(0, n),
  };
}

const walk = randomWalkBars(20_000, 7);
const FIXTURES = 'indicator-refs/tests/fixtures/data';
const USDM = 'binance-usdm-2025-10';
const HAS_REAL = requireData(FIXTURES);

/** Real 1h bars of a few symbols (the unfinished last row dropped), including the 10-10 crash. */
function realSets(): { label: string; bars: Bars }[] {
  const sets: { label: string; bars: Bars }[] = [];
  const fx = dataDir(FIXTURES);
  if (fx) {
    const f = readFixtureBars(fx);
    sets.push({ label: 'BTCUSDT 1h fixture', bars: f });
  }
  const usdm = dataDir(USDM);
  if (usdm) {
    const files = readdirSync(usdm).filter((f) => /^(BTCUSDT|SUIUSDT|DOGEUSDT)_(1h|15m)\.csv$/.test(f));
    for (const f of files) {
      const rows = readFileSync(join(usdm, f), 'utf8').trim().split(/\r?\n/).slice(1, -1);
      const bars: Bars = { openTimeMs: [], high: [], low: [], close: [], volume: [] };
      for (const row of rows) {
        const [time, , high, low, closeP, volume] = row.split(',');
        bars.openTimeMs.push(Date.parse(`${time!.replace(' ', 'T')}Z`));
        bars.high.push(Number(high));
        bars.low.push(Number(low));
        bars.close.push(Number(closeP));
        bars.volume.push(Number(volume));
      }
      sets.push({ label: f, bars });
    }
  }
  return sets;
}

describe.each(CASES)('indicator contract: $name', (c) => {
  it('warm-up: NaN / null before getRequiredInputs(), values from then on; isStable agrees', () => {
    const batch = c.batch(walk);
    const s = c.create();
    const required = s.getRequiredInputs();
    expect(required, 'getRequiredInputs').toBe(c.requiredInputs);
    expect(s.getResult(), 'empty state').toBeNull();
    expect(s.isStable, 'empty state').toBe(false);
    for (let i = 0; i < required + 50; i++) {
      s.add(c.input(barAt(walk, i)) as never);
      const warm = i + 1 >= required;
      expect(s.isStable, `isStable after ${i + 1} inputs`).toBe(warm);
      expect(s.getResult() !== null, `result after ${i + 1} inputs`).toBe(warm);
      for (const [k, arr] of Object.entries(batch)) {
        expect(Number.isNaN(arr[i]!), `batch ${k}[${i}] NaN iff warming up`).toBe(!warm);
      }
    }
  });

  it('batch on inputs shorter than the warm-up is all NaN, and empty input gives empty output', () => {
    for (const arr of Object.values(c.batch(sliceBars(walk, c.requiredInputs - 1)))) {
      expect(arr.every((x) => Number.isNaN(x)), 'all NaN').toBe(true);
    }
    for (const arr of Object.values(c.batch(sliceBars(walk, 0)))) expect(arr.length, 'empty').toBe(0);
  });

  it('streaming equals batch within 1e-9 on a 20,000-bar random walk, with replace() on every third bar', () => {
    streamAndCompare(c, walk, 'random walk');
  });

  it('batch accepts number[] and Float64Array with identical results', () => {
    const small = sliceBars(walk, 300);
    const typed = {
      openTimeMs: Float64Array.from(small.openTimeMs),
      high: Float64Array.from(small.high),
      low: Float64Array.from(small.low),
      close: Float64Array.from(small.close),
      volume: Float64Array.from(small.volume),
    } as unknown as Bars;
    expect(c.batch(typed), 'same numbers').toEqual(c.batch(small));
  });

  it('replace(y) equals recomputing the whole series with y as the last value', () => {
    const rnd = [37, 120, 499, 1500, 4001];
    const s = c.create();
    let added = 0;
    for (const at of rnd) {
      for (; added <= at; added++) s.add(c.input(barAt(walk, added)) as never);
      const y = perturb(barAt(walk, at), 1.021);
      s.replace(c.input(y) as never);
      const edited = sliceBars(walk, at + 1);
      edited.high[at] = y.high;
      edited.low[at] = y.low;
      edited.close[at] = y.close;
      edited.volume[at] = y.volume;
      expectMatch(c, c.batch(edited), s.getResult(), at, `replace at ${at}`);
      s.replace(c.input(barAt(walk, at)) as never);
      expectMatch(c, c.batch(sliceBars(walk, at + 1)), s.getResult(), at, `restore at ${at}`);
    }
  });

  it('replace() on an empty indicator acts as add()', () => {
    const a = c.create();
    const b = c.create();
    for (let i = 0; i < c.requiredInputs + 5; i++) {
      if (i === 0) a.replace(c.input(barAt(walk, 0)) as never);
      else a.add(c.input(barAt(walk, i)) as never);
      b.add(c.input(barAt(walk, i)) as never);
    }
    expect(a.getResult(), 'same state').toEqual(b.getResult());
  });

  it('rejects non-finite streaming input with InvalidInputError and keeps its state', () => {
    const s = c.create();
    for (let i = 0; i < c.requiredInputs + 3; i++) s.add(c.input(barAt(walk, i)) as never);
    const before = s.getResult();
    const bad = { ...barAt(walk, 99), close: Number.NaN, high: Number.POSITIVE_INFINITY };
    expect(() => s.add(c.input(bad) as never), 'add(NaN)').toThrow(InvalidInputError);
    expect(() => s.replace(c.input(bad) as never), 'replace(NaN)').toThrow(InvalidInputError);
    expect(s.getResult(), 'state unchanged').toEqual(before);
  });

  it('bad arguments throw InvalidInputError naming the field, the value and the expectation', () => {
    for (const { call, path } of c.badCalls) {
      let err: unknown;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err, `${c.name}: ${path}`).toBeInstanceOf(InvalidInputError);
      const issue = (err as InvalidInputError).issues.find((i) => i.path === path);
      expect(issue, `${c.name}: issue for ${path} in ${(err as Error).message}`).toBeDefined();
      expect(issue!.expected.length, 'says what was expected').toBeGreaterThan(0);
      expect((err as Error).message, 'message names the field').toContain(path);
    }
  });

  describe.skipIf(!HAS_REAL)('on real data', () => {
    it('streaming equals batch within 1e-9, with replace()', () => {
      const sets = realSets();
      expect(sets.length, 'real data sets found').toBeGreaterThan(0);
      for (const { label, bars } of sets) streamAndCompare(c, bars, label);
    });
  });
});
