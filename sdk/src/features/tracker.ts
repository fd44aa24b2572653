import type { Candle } from '@perpscope/shared';
import { InvalidInputError } from '../core/errors.js';
import { Donchian } from '../indicators/index.js';
import { ArgCheck } from '../indicators/validate.js';
import type { IndicatorScratch } from './batch.js';
import { candleIssue } from './columns.js';
import { deriveFeatures, type BarWindow, type FlowValues, type IndicatorValues } from './derive.js';
import { featureLookbackBars, type FeatureParams } from './params.js';
import { emptyRecursiveState, stepRecursive, type RecursiveState } from './recursiveState.js';
import { RollingVol } from './rollingVol.js';
import { emptyFeatureRow, type FeatureRow, type OhlcvColumns, type OrderFlowInput } from './types.js';
import { candleAt, restoreFromColumns, restoreFromHistory, type RestoreTarget } from './warmStart.js';

function ringCapacity(lookback: number): number {
  let cap = 1;
  while (cap <= lookback) cap <<= 1;
  return cap;
}

/** A candle refused while seeding: its index in the input and why. */
export interface RejectedCandle {
  index: number;
  error: InvalidInputError;
}

/**
 * Incremental form: one closed bar in, that bar's features out, in O(1) per bar (streaming
 * indicators plus a small ring of recent bars). Agrees with `computeFeatures` over the same bars.
 * Per series it holds the ring (7 columns of the next power of two above the feature look-back:
 * 32 bars, 1.8 KB by default), the recursive state (about 200 bytes), the Donchian deques
 * (32 bytes per period bar) and the realized-volatility windows (8 bytes per period bar), plus the
 * last two feature rows.
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
  private readonly rec: RecursiveState = emptyRecursiveState();
  private readonly donchian: Donchian;
  private readonly rvShort: RollingVol;
  private readonly rvLong: RollingVol;
  private lastOpenTimeMs = -Infinity;
  private current: FeatureRow | null = null;
  private previous: FeatureRow | null = null;

  constructor(params: FeatureParams) {
    this.p = params;
    const cap = ringCapacity(featureLookbackBars(params));
    // The six columns share one buffer: a warm start builds thousands of trackers, and one
    // allocation per tracker instead of six is most of what constructing one costs.
    const buffer = new ArrayBuffer(cap * 48);
    const column = (k: number) => new Float64Array(buffer, k * cap * 8, cap);
    this.window = {
      t: -1,
      mask: cap - 1,
      open: column(0),
      high: column(1),
      low: column(2),
      close: column(3),
      volume: column(4),
      emaFast: column(5),
    };
    // Parameters that skipped `resolveFeatureParams` still fail here, naming the field.
    new ArgCheck('feature tracker parameters')
      .period('emaFastPeriod', params.emaFastPeriod)
      .period('emaSlowPeriod', params.emaSlowPeriod)
      .period('atrPeriod', params.atrPeriod)
      .period('adxPeriod', params.adxPeriod)
      .period('rsiPeriod', params.rsiPeriod)
      .period('supertrendPeriod', params.supertrendPeriod)
      .above('supertrendMultiplier', params.supertrendMultiplier, 0)
      .period('realizedVolShortPeriod', params.realizedVolShortPeriod, 2)
      .period('realizedVolLongPeriod', params.realizedVolLongPeriod, 2)
      .done();
    this.donchian = new Donchian(params.donchianPeriod);
    this.rvShort = new RollingVol(params.realizedVolShortPeriod);
    this.rvLong = new RollingVol(params.realizedVolLongPeriod);
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
   * Feeds a run of history (a warm-up after a backfill) bar by bar. Features are derived only for
   * the last two bars, which is all `last` and `beforeLast` need; the state is the same as after
   * `update` on each. Bad candles are skipped, never fed; their indexes and errors are returned.
   * `seed` reaches the same state faster on a fresh tracker; this is the reference it is held to.
   */
  warmUp(candles: readonly Candle[]): RejectedCandle[] {
    const rejected: RejectedCandle[] = [];
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

  /**
   * Same result as `warmUp` (every later output bit-identical), computed from the batch kernels: one
   * fused pass over the history gives the recursive indicators' final state, the ring and Donchian
   * windows are filled from the tail, and only the last two bars go through `update`. A tracker that
   * already holds bars falls back to `warmUp`. `scratch` lends the pass its column buffers.
   */
  seed(candles: readonly Candle[], scratch?: IndicatorScratch): RejectedCandle[] {
    const n = candles.length;
    if (this.barCount > 0 || n <= 2) return this.warmUp(candles);
    const rejected = restoreFromHistory(this.restoreTarget(), candles, n - 2, scratch);
    for (let i = n - 2; i < n; i++) {
      try {
        this.update(candles[i]!);
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err;
        rejected.push({ index: i, error: err });
      }
    }
    return rejected;
  }

  /**
   * `seed` over history already in columns (a ring's, oldest first): the same state, rows and refused
   * bars (`index` into the columns), without a candle object per bar; the columns are only read, and
   * only during this call. All six columns must have the same length.
   */
  seedColumns(columns: OhlcvColumns, scratch?: IndicatorScratch): RejectedCandle[] {
    const n = columns.close.length;
    const { openTimeMs, open, high, low, volume } = columns;
    if (openTimeMs.length !== n || open.length !== n || high.length !== n || low.length !== n || volume.length !== n) {
      const lengths = `openTimeMs ${openTimeMs.length}, open ${open.length}, high ${high.length}, low ${low.length}, close ${n}, volume ${volume.length}`;
      throw new InvalidInputError('columns for feature tracking', [{ path: 'columns', received: lengths, expected: 'six columns of one length' }]);
    }
    if (this.barCount > 0 || n <= 2) return this.warmUp(Array.from({ length: n }, (_, i) => candleAt(columns, i)));
    const rejected = restoreFromColumns(this.restoreTarget(), columns, n - 2, scratch);
    for (let i = n - 2; i < n; i++) {
      try {
        this.update(candleAt(columns, i));
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err;
        rejected.push({ index: i, error: err });
      }
    }
    return rejected;
  }

  /** The parts of this tracker that `restoreFromHistory` fills. */
  private restoreTarget(): RestoreTarget {
    return {
      params: this.p,
      window: this.window,
      ind: this.ind,
      rec: this.rec,
      donchian: this.donchian,
      rvShort: this.rvShort,
      rvLong: this.rvLong,
      advance: (candle) => this.advance(candle),
      setLastOpenTimeMs: (ms) => {
        this.lastOpenTimeMs = ms;
      },
    };
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

    // Read before the step moves them on: the volatility windows take one log return per bar after the first.
    const hadBar = this.rec.bars > 0;
    const prevClose = this.rec.prevClose;
    stepRecursive(this.rec, this.p, candle.high, candle.low, candle.close, ind);
    this.donchian.add(candle);
    ind.donchianUpper = this.donchian.upper;
    ind.donchianLower = this.donchian.lower;
    if (hadBar) {
      const logReturn = Math.log(candle.close / prevClose);
      this.rvShort.addReturn(logReturn);
      this.rvLong.addReturn(logReturn);
    }
    ind.realizedVolShort = this.rvShort.value();
    ind.realizedVolLong = this.rvLong.value();
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
