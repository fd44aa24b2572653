import { describe, expect, it } from 'vitest';
import type { ChartFlagMarkView } from '@perpscope/shared';
import { chartFlagMarks, evidenceLabel, evidenceValue, flagBarMs } from '../../src/renderer/lib/chartFlags.js';

const MIN15 = 900_000;
const T0 = 1_700_000_100_000 - (1_700_000_100_000 % MIN15);
function mark(over: Partial<ChartFlagMarkView> = {}): ChartFlagMarkView {
  return { name: 'scam_wick', severity: 0.734, message: 'Long wick that reverted within the bar (severity 73%)', evidence: {}, atMs: T0 + 2 * MIN15, price: 101.5, manipScore: 62, ...over };
}

describe('renderer: flags on the chart', () => {
  it('turns the radar\'s camelCase keys into words and puts the unit with the value', () => {
    expect(evidenceLabel('wallDistanceBps')).toBe('wall distance');
    expect(evidenceLabel('thinSideDepth50Usd')).toBe('thin side depth ±50 bp');
    expect(evidenceLabel('oiChangeZ')).toBe('OI change');
    expect(evidenceLabel('fundingRate8h')).toBe('funding rate');
    expect(evidenceLabel('wickAtr'), 'next to surgePct, surgeAtr must not read the same').toBe('wick vs ATR');
    expect(evidenceValue('wallDistanceBps', 12.34)).toBe('12.3 bp');
    expect(evidenceValue('movePct', 4.2)).toBe('4.2%');
    expect(evidenceValue('wallShare', 0.4321)).toBe('43.2%');
    expect(evidenceValue('bidDepth50Usd', 1_250_000)).toBe('1.25M USD');
    expect(evidenceValue('wickAtr', 3.456)).toBe('3.46×');
    expect(evidenceValue('volumeZ', 2.5)).toBe('2.5 σ');
    expect(evidenceValue('wallMultiple', 8)).toBe('8×');
    expect(evidenceValue('ageHours', 5.56)).toBe('5.6 h');
    expect(evidenceValue('bars', 3)).toBe('3 bars');
    expect(evidenceValue('fundingRate8h', 0.0012)).toBe('0.12% / 8h');
    expect(evidenceValue('heavySide', 'bid')).toBe('bid');
  });

  it('puts a flag on the bar its evidence names, else on the bar closed when the cycle ran', () => {
    expect(flagBarMs({ atMs: T0 + 5 * MIN15, evidence: { barOpenTimeMs: T0 + MIN15 } }, MIN15), 'named bar').toBe(T0 + MIN15);
    expect(flagBarMs({ atMs: T0 + 2 * MIN15, evidence: {} }, MIN15), 'a cycle at a close assesses the bar before').toBe(T0 + MIN15);
    expect(flagBarMs({ atMs: T0 + 2 * MIN15 + 5_000, evidence: {} }, MIN15), 'mid-bar').toBe(T0 + 2 * MIN15);
    expect(flagBarMs({ atMs: T0 + 2 * MIN15, evidence: {} }, 60_000), 'on a 1m chart').toBe(T0 + 2 * MIN15 - 60_000);
  });

  it('pins flags inside the chart\'s bars at the bar\'s high, with readable evidence', () => {
    const flags = [
      mark({ evidence: { wickAtr: 3.2, barOpenTimeMs: T0, side: 'upper' } }),
      mark({ name: 'pump_onset', atMs: T0 + 40 * MIN15 }),
      mark({ name: 'collapse', atMs: T0 - 10 * MIN15 }),
    ];
    const pins = chartFlagMarks(flags, MIN15, T0, T0 + 20 * MIN15, (t) => (t === T0 ? 110 : null));
    expect(pins.map((p) => p.title), 'flags off the chart are left out').toEqual(['scam wick']);
    const [p] = pins;
    expect(p).toMatchObject({ barMs: T0, price: 110, severityPct: 73, atMs: T0 + 2 * MIN15 });
    expect(p!.evidence, 'the bar time is the position, not a figure').toEqual([
      { label: 'wick vs ATR', value: '3.2×' },
      { label: 'side', value: 'upper' },
    ]);
    const fallback = chartFlagMarks([mark()], MIN15, T0, T0 + 20 * MIN15, () => null);
    expect(fallback[0]!.price, 'the flag\'s own price when the bar is unknown').toBe(101.5);
  });
});
