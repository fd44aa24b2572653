import { describe, expect, it } from 'vitest';
import { elapsedMs, fmtAge, fmtAgo, fmtAmount, fmtPrice, fmtSize, marketGrids, reportedAgeMs, stepDecimals } from '../../src/renderer/lib/format.js';
import { figureLine, keyLabel } from '../../src/renderer/lib/labels.js';
import { evidenceLabel } from '../../src/renderer/lib/chartFlags.js';

describe('prices and sizes on the market grid', () => {
  it('quotes BTC with a tick of 1 as 75,843, not 75843.00', () => {
    expect(fmtPrice(75_843, 1)).toBe('75,843');
    expect(fmtPrice(75_891.86, 1), 'rounded to the tick').toBe('75,892');
  });

  it("keeps the tick's decimals, thousands separators and no binary noise", () => {
    expect(fmtPrice(3_012.5, 0.01)).toBe('3,012.50');
    expect(fmtPrice(0.1 + 0.2, 0.1)).toBe('0.3');
    expect(fmtPrice(0.000012345, 1e-7)).toBe('0.0000123');
    expect(fmtPrice(101.25, 0.05)).toBe('101.25');
    expect(fmtPrice(101.26, 0.05), 'onto the 0.05 grid').toBe('101.25');
  });

  it('without a tick, uses the magnitude and still groups thousands', () => {
    expect(fmtPrice(75_843)).toBe('75,843.00');
    expect(fmtPrice(1.23456)).toBe('1.2346');
    expect(fmtPrice(null, 1)).toBe('—');
    expect(fmtPrice(Number.NaN)).toBe('—');
  });

  it('sizes follow the amount step', () => {
    expect(fmtSize(1_250, 0.001)).toBe('1,250.000');
    expect(fmtSize(0.0123456, 0.001)).toBe('0.012');
    expect(fmtSize(12_000, 1)).toBe('12,000');
    expect(fmtSize(1_234.5), 'by magnitude without a step').toBe('1,234.5');
    expect(fmtAmount(-0.00001), 'tiny sizes keep their significant figures').toBe('-0.00001000');
  });

  it('never prints a negative zero', () => {
    expect(fmtPrice(-0.2, 1)).toBe('0');
    expect(fmtSize(-0.0001, 0.01)).toBe('0.00');
  });

  it("counts a step's decimals, including exponent notation", () => {
    expect([stepDecimals(1), stepDecimals(0.5), stepDecimals(0.001), stepDecimals(1e-7), stepDecimals(2.5e-8), stepDecimals(0)]).toEqual([0, 1, 3, 7, 9, 2]);
  });

  it('reads each ranked symbol’s grid, unknown where an older host sent none', () => {
    const grids = marketGrids([{ symbol: 'BTC/USDT:USDT', priceTick: 1, amountStep: 0.001 }, { symbol: 'OLD/USDT:USDT' }]);
    expect(grids.get('BTC/USDT:USDT')).toEqual({ priceTick: 1, amountStep: 0.001 });
    expect(grids.get('OLD/USDT:USDT')).toEqual({ priceTick: null, amountStep: null });
    expect(marketGrids(null).size).toBe(0);
  });
});

describe('ages on one clock', () => {
  it('an elapsed time is never negative: a stamp taken after the ticking clock reads as now', () => {
    expect(elapsedMs(1_000, 1_176)).toBe(0);
    expect(elapsedMs(5_000, 1_000)).toBe(4_000);
    expect(elapsedMs(5_000, null)).toBeNull();
  });

  it("adds the wall time since receipt to the host's own age, never mixing the clocks", () => {
    // The host aged its last update 2 s on the sim clock; the report arrived 3 s ago on this one.
    expect(reportedAgeMs(2_000, 10_000, 13_000)).toBe(5_000);
    expect(reportedAgeMs(2_000, 10_500, 10_000), 'a receipt after the ticking now adds nothing').toBe(2_000);
    expect(reportedAgeMs(null, 10_000, 13_000)).toBeNull();
    expect(reportedAgeMs(undefined, 10_000, 13_000), 'an older host reports no age').toBeNull();
  });

  it('shows sub-second ages as <1s / just now, never 0ms or a minus sign', () => {
    expect(fmtAge(0)).toBe('<1s');
    expect(fmtAge(-176)).toBe('<1s');
    expect(fmtAge(12_400)).toBe('12s');
    expect(fmtAge(180_000)).toBe('3m');
    expect(fmtAgo(0)).toBe('just now');
    expect(fmtAgo(12_000)).toBe('12s ago');
    expect(fmtAgo(null)).toBe('—');
  });
});

describe('raw keys as labels with units, through the chart’s evidence vocabulary', () => {
  it('turns snake, dotted and camel keys into words', () => {
    expect(keyLabel('autotrade_skip')).toBe('autotrade skip');
    expect(keyLabel('partially_filled')).toBe('partially filled');
    expect(keyLabel('stop_loss')).toBe('stop loss');
    expect(keyLabel('costPenalty')).toBe('cost penalty');
    expect(keyLabel('wallDistanceBps'), 'the same label the chart gives').toBe(evidenceLabel('wallDistanceBps'));
  });

  it('puts the unit on the value', () => {
    expect(figureLine('spreadBps', 3.21)).toBe('spread 3.2 bp');
    expect(figureLine('oiChangePct', 12.345)).toBe('OI change 12.35%');
    expect(figureLine('costPenalty', 0.12345)).toBe('cost penalty 0.1235');
  });
});
