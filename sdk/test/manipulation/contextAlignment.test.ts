import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { analyzeSnapshot, computeMarketContext, DEFAULT_MARKET_THRESHOLDS, DEFAULT_RULE_THRESHOLDS, ManipulationRadar, peerReturn, type MarketSnapshot } from '../../src/manipulation/index.js';
import { calmCandles, HOUR_MS, snapshotOf, type MutableCandles } from './fixtures.js';

/**
 * The cross-section a symbol is measured against must describe the same bars as the symbol's own
 * figures: the same span of bars (a 6-bar move net of the peers' 6-bar move, not their 4-bar one)
 * and the same last bar (a symbol whose feed stalled is not compared to moves after its last bar).
 */

const BARS = 200;

/** Raises every bar from `from` to `to` (inclusive) by `perBar` close to close; later bars keep the level. */
function stepUp(c: MutableCandles, from: number, to: number, perBar: number): void {
  const level = (i: number): number => (i < from ? 1 : Math.pow(1 + perBar, Math.min(i, to) - from + 1));
  for (let i = from; i < c.close.length; i++) {
    // A bar opens where the previous one closed, so its open carries the previous bar's level.
    c.open[i] = (c.open[i] as number) * level(i - 1);
    c.close[i] = (c.close[i] as number) * level(i);
    c.high[i] = Math.max((c.high[i] as number) * level(i), c.open[i] as number);
    c.low[i] = Math.min((c.low[i] as number) * level(i - 1), c.close[i] as number);
  }
}

/** Volume of the last six bars ramping to ~4.75x the calm mean, still rising. */
function accumulate(c: MutableCandles): void {
  const ramp = [3000, 3500, 4000, 5000, 6000, 7000];
  ramp.forEach((v, j) => (c.volume[c.volume.length - ramp.length + j] = v));
}

describe('peer-relative moves span the same bars as the symbol’s move', () => {
  it('the context keeps the peers’ median return out to the longest span a rule measures', () => {
    const t = DEFAULT_RULE_THRESHOLDS;
    expect(DEFAULT_MARKET_THRESHOLDS.horizonBars).toBeGreaterThanOrEqual(Math.max(t.accumBars, t.pumpBars, t.collapseBars));
  });

  it('accumulation: a market that rose 10% over the 5th and 6th bars back is netted out over all 6 bars', () => {
    // Bars m-6 and m-5 (the 6th and 5th back from the last) rise ~4.9% each for everyone; the
    // last four bars are flat. A 4-bar peer return sees none of the rise.
    const m = BARS;
    const peers = Array.from({ length: 20 }, (_, k) => {
      const c = calmCandles(BARS, 100 + k);
      stepUp(c, m - 6, m - 5, 0.049);
      return snapshotOf(c, { symbol: `P${k}/USDT:USDT` });
    });
    const withMarket = calmCandles(BARS, 7);
    stepUp(withMarket, m - 6, m - 5, 0.049);
    accumulate(withMarket);
    const flat = calmCandles(BARS, 8);
    accumulate(flat);
    const a = snapshotOf(withMarket, { symbol: 'ACC/USDT:USDT' });
    const b = snapshotOf(flat, { symbol: 'FLAT/USDT:USDT' });
    const market = computeMarketContext([...peers, a, b]);
    expect(market?.stress, 'the last bar is calm').toBeNull();

    const onset = (s: MarketSnapshot) => analyzeSnapshot(s, {}, market).manip.flags.find((f) => f.name === 'pump_onset');
    const fa = onset(a);
    expect(fa, 'volume built up while the price only moved with the market').toBeDefined();
    expect(fa!.evidence.kind).toBe('accumulation');
    expect(Math.abs(fa!.evidence.movePct as number)).toBeLessThan(1.5);
    // The same volume on a symbol that stood still while the market rose 10% is a 10% move
    // against the peers, beyond `accumMaxMove`.
    expect(onset(b), 'a 10% move relative to the peers is no quiet accumulation').toBeUndefined();

    // A context with a shorter horizon than the rule's window: both moves span the bars it has.
    const short = computeMarketContext([...peers, a, b], { horizonBars: 4 });
    const fs = analyzeSnapshot(b, {}, short).manip.flags.find((f) => f.name === 'pump_onset');
    expect(fs?.evidence.moveBars, 'the flat symbol over the last 4 bars, against the peers’ last 4').toBe(4);
    expect(() => peerReturn(short, 6), 'a span the context does not have').toThrow(InvalidInputError);
  });
});

describe('a symbol lagging the cross-section is measured against its own last bar', () => {
  /** 20 calm symbols with `BARS` bars whose last bar crashed 40%, and one symbol one bar behind. */
  function lagged(peerBars = BARS): { peers: MarketSnapshot[]; laggard: MarketSnapshot } {
    const peers = Array.from({ length: 20 }, (_, k) => {
      const c = calmCandles(peerBars, 100 + k);
      const i = peerBars - 1;
      const prev = c.close[i - 1] as number;
      c.open[i] = prev;
      c.high[i] = prev * 1.001;
      c.low[i] = prev * 0.58;
      c.close[i] = prev * 0.6;
      c.volume[i] = 20_000;
      return snapshotOf(c, { symbol: `P${k}/USDT:USDT` });
    });
    // The laggard's feed stopped one bar earlier, after its own idiosyncratic 40% collapse.
    const c = calmCandles(BARS - 1, 5);
    const i = BARS - 2;
    const prev = c.close[i - 1] as number;
    c.open[i] = prev;
    c.high[i] = prev * 1.001;
    c.low[i] = prev * 0.598;
    c.close[i] = prev * 0.6;
    c.volume[i] = 20_000;
    return { peers, laggard: snapshotOf(c, { symbol: 'LAG/USDT:USDT' }) };
  }

  it('its collapse, alone on its bar, is not explained away by a market crash after it', () => {
    const { peers, laggard } = lagged();
    const market = computeMarketContext([...peers, laggard]);
    expect(market?.stress?.direction, 'the newest bar is a market-wide crash').toBe('down');
    expect(market?.barOpenTimeMs).toBe((laggard.candles.openTimeMs[BARS - 2] as number) + HOUR_MS);

    for (const analysis of [analyzeSnapshot(laggard, {}, market), new ManipulationRadar().analyze(laggard, market)]) {
      const f = analysis.manip.flags.find((x) => x.name === 'collapse');
      expect(f, 'peers were calm on the laggard’s last bar').toBeDefined();
      expect(f!.evidence.dropVsPeersPct as number).toBeLessThan(-35);
      expect(analysis.manip.peerContext).toEqual({ lastBarOpenTimeMs: laggard.candles.openTimeMs[BARS - 2], marketBarOpenTimeMs: market!.barOpenTimeMs, context: 'own_bar' });
    }
    // A symbol on the newest bar gets no such note.
    expect(analyzeSnapshot(peers[0]!, {}, market).manip.peerContext).toBeUndefined();
  });

  it('with no cross-section of its own bar it is measured raw, and says so', () => {
    // The peers' candles start after the laggard's last bar: nobody else has that bar.
    const { peers, laggard } = lagged();
    const late = peers.map((p) => {
      const c = p.candles as MutableCandles;
      const shifted: MutableCandles = { ...c, openTimeMs: c.openTimeMs.map((t) => t + 500 * HOUR_MS) };
      return { ...p, candles: shifted, nowMs: p.nowMs + 500 * HOUR_MS };
    });
    const market = computeMarketContext([...late, laggard]);
    expect(market?.stress?.direction).toBe('down');
    const { manip } = analyzeSnapshot(laggard, {}, market);
    expect(manip.peerContext?.context).toBe('none');
    const f = manip.flags.find((x) => x.name === 'collapse');
    expect(f, 'the market crash 500 bars later does not explain it away').toBeDefined();
    expect(f!.evidence.peers).toBe('none');
  });
});
