import type { Candle } from '@perpscope/shared';
import { InvalidInputError } from '../core/errors.js';
import { ADX, ATR, Donchian, EMA, RealizedVol, RSI, Supertrend } from '../indicators/index.js';
import { candleIssue } from './columns.js';
import { deriveFeatures, type BarWindow, type FlowValues, type IndicatorValues } from './derive.js';
import { featureLookbackBars, type FeatureParams } from './params.js';
import { emptyFeatureRow, type FeatureRow, type OrderFlowInput } from './types.js';

function ringCapacity(lookback: number): number {
  let cap = 1;
  while (cap <= lookback) cap <<= 1;
  return cap;
}

/**
 * Incremental form: one closed bar in, that bar's features out, in O(1) per bar (streaming
 * indicators plus a small ring of recent bars). Agrees with `computeFeatures` over the same bars.
 *
 * @example
 * const tracker = new FeatureTracker(resolveFeatureParams());
 * for (const candle of history) tracker.update(candle);
 * const row = tracker.update(closedCandle, { fundingRate: 0.0001 });
 */
export class FeatureTracker {
  private readonly p: FeatureParams;
  private readonly window: BarWindow;
  private readonly ind: IndicatorValues;
  private readonly flow: FlowValues;
  private readonly emaFast: EMA;
  private readonly emaSlow: EMA;
  private readonly atr: ATR;
  private readonly adx: ADX;
  private readonly rsi: RSI;
  private readonly supertrend: Supertrend;
  private readonly donchian: Donchian;
  private readonly rvShort: RealizedVol;
  private readonly rvLong: RealizedVol;
  private lastOpenTimeMs = -Infinity;
  private current: FeatureRow | null = null;
  private previous: FeatureRow | null = null;

  constructor(params: FeatureParams) {
    this.p = params;
    const cap = ringCapacity(featureLookbackBars(params));
    this.window = {
      t: -1,
      mask: cap - 1,
      open: new Float64Array(cap),
      high: new Float64Array(cap),
      low: new Float64Array(cap),
      close: new Float64Array(cap),
      volume: new Float64Array(cap),
      emaFast: new Float64Array(cap),
    };
    this.emaFast = new EMA(params.emaFastPeriod);
    this.emaSlow = new EMA(params.emaSlowPeriod);
    this.atr = new ATR(params.atrPeriod);
    this.adx = new ADX(params.adxPeriod);
    this.rsi = new RSI(params.rsiPeriod);
    this.supertrend = new Supertrend(params.supertrendPeriod, params.supertrendMultiplier);
    this.donchian = new Donchian(params.donchianPeriod);
    this.rvShort = new RealizedVol(params.realizedVolShortPeriod);
    this.rvLong = new RealizedVol(params.realizedVolLongPeriod);
    const nan = Number.NaN;
    this.ind = {
      emaFast: nan,
      emaSlow: nan,
      atr: nan,
      adx: nan,
      plusDi: nan,
      minusDi: nan,
      rsi: nan,
      supertrend: nan,
      supertrendDir: nan,
      donchianUpper: nan,
      donchianLower: nan,
      donchianUpperPrev: nan,
      donchianLowerPrev: nan,
      realizedVolShort: nan,
      realizedVolLong: nan,
    };
    this.flow = { imbalance: nan, depthUsd: nan, fundingRate: nan, fundingRatePrev: nan, openInterest: nan, openInterestPrev: nan };
  }

  /** Bars fed so far. */
  get barCount(): number {
    return this.window.t + 1;
  }

  /** Open time of the last bar fed, or `-Infinity`. */
  get lastBarOpenTimeMs(): number {
    return this.lastOpenTimeMs;
  }

  /** Features of the last bar fed, or null before the first. */
  get last(): FeatureRow | null {
    return this.current;
  }

  /** Features of the bar before the last one, or null. */
  get beforeLast(): FeatureRow | null {
    return this.previous;
  }

  /**
   * Feeds one closed bar and returns its features (a new object; earlier rows stay valid).
   * Throws `InvalidInputError` for a bar that is not after the previous one or has non-finite or
   * non-positive prices; the tracker state is unchanged then.
   */
  update(candle: Candle, flow?: OrderFlowInput): FeatureRow {
    this.advance(candle, flow);
    const row = emptyFeatureRow();
    row.openTimeMs = candle.openTimeMs;
    deriveFeatures(this.window, this.ind, this.flow, this.p, row);
    this.previous = this.current;
    this.current = row;
    return row;
  }

  /**
   * Feeds a run of history (a warm-up after a backfill). Features are derived only for the last two
   * bars, which is all `last` and `beforeLast` need; the state is the same as after `update` on each.
   * Bad candles are skipped, never fed; their indexes and errors are returned.
   */
  warmUp(candles: readonly Candle[]): { index: number; error: InvalidInputError }[] {
    const rejected: { index: number; error: InvalidInputError }[] = [];
    const n = candles.length;
    for (let i = 0; i < n; i++) {
      try {
        if (i < n - 2) this.advance(candles[i]!);
        else this.update(candles[i]!);
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err;
        rejected.push({ index: i, error: err });
      }
    }
    return rejected;
  }

  /** Advances indicators and the ring by one bar without deriving features. */
  private advance(candle: Candle, flow?: OrderFlowInput): void {
    const issue = candleIssue(candle, this.lastOpenTimeMs, 'candle');
    if (issue) throw new InvalidInputError('candle for feature tracking', [issue]);
    this.lastOpenTimeMs = candle.openTimeMs;

    const w = this.window;
    w.t += 1;
    const i = w.t & w.mask;
    w.open[i] = candle.open;
    w.high[i] = candle.high;
    w.low[i] = candle.low;
    w.close[i] = candle.close;
    w.volume[i] = candle.volume;

    const ind = this.ind;
    ind.donchianUpperPrev = ind.donchianUpper;
    ind.donchianLowerPrev = ind.donchianLower;

    this.emaFast.add(candle.close);
    this.emaSlow.add(candle.close);
    this.atr.add(candle);
    this.adx.add(candle);
    this.rsi.add(candle.close);
    this.supertrend.add(candle);
    this.donchian.add(candle);
    this.rvShort.add(candle.close);
    this.rvLong.add(candle.close);

    ind.emaFast = this.emaFast.getResult() ?? Number.NaN;
    ind.emaSlow = this.emaSlow.getResult() ?? Number.NaN;
    ind.atr = this.atr.getResult() ?? Number.NaN;
    const dmi = this.adx.getResult();
    ind.adx = dmi ? dmi.adx : Number.NaN;
    ind.plusDi = dmi ? dmi.plusDi : Number.NaN;
    ind.minusDi = dmi ? dmi.minusDi : Number.NaN;
    ind.rsi = this.rsi.getResult() ?? Number.NaN;
    const st = this.supertrend.getResult();
    ind.supertrend = st ? st.value : Number.NaN;
    ind.supertrendDir = st ? st.direction : Number.NaN;
    const dc = this.donchian.getResult();
    ind.donchianUpper = dc ? dc.upper : Number.NaN;
    ind.donchianLower = dc ? dc.lower : Number.NaN;
    ind.realizedVolShort = this.rvShort.getResult() ?? Number.NaN;
    ind.realizedVolLong = this.rvLong.getResult() ?? Number.NaN;
    w.emaFast[i] = ind.emaFast;

    const f = this.flow;
    f.fundingRatePrev = f.fundingRate;
    f.openInterestPrev = f.openInterest;
    f.imbalance = flow?.imbalance ?? Number.NaN;
    f.depthUsd = flow?.depthUsd ?? Number.NaN;
    f.fundingRate = flow?.fundingRate ?? Number.NaN;
    f.openInterest = flow?.openInterest ?? Number.NaN;
  }
}
