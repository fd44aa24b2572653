import type { IndicatorValues } from './derive.js';
import type { FeatureParams } from './params.js';

/**
 * Running state of the recursive indicators (EMA fast/slow, the Wilder ATRs of the ATR, ADX and
 * Supertrend periods, ADX's smoothed directional movement and DX average, RSI's Wilder averages and
 * Supertrend's bands) after `bars` bars. During each indicator's warm-up its fields hold the partial
 * sums of its seed, afterwards the running values. `computeRecursiveColumns` leaves exactly this
 * state at the end of a series, and `stepRecursive` advances it by one bar with the same arithmetic,
 * so a tracker can take over from a batch pass without replaying the history.
 * About 200 bytes per series.
 */
export interface RecursiveState {
  bars: number;
  sumF: number;
  eF: number;
  sumS: number;
  eS: number;
  trSumA: number;
  atrA: number;
  trSumD: number;
  atrD: number;
  trSumT: number;
  atrT: number;
  sp: number;
  sm: number;
  dxAcc: number;
  gain: number;
  loss: number;
  avgGain: number;
  avgLoss: number;
  upper: number;
  lower: number;
  up: boolean;
  prevHigh: number;
  prevLow: number;
  prevClose: number;
}

/** The state before the first bar. */
export function emptyRecursiveState(): RecursiveState {
  return {
    bars: 0,
    sumF: 0,
    eF: 0,
    sumS: 0,
    eS: 0,
    trSumA: 0,
    atrA: 0,
    trSumD: 0,
    atrD: 0,
    trSumT: 0,
    atrT: 0,
    sp: 0,
    sm: 0,
    dxAcc: 0,
    gain: 0,
    loss: 0,
    avgGain: 0,
    avgLoss: 0,
    upper: 0,
    lower: 0,
    up: false,
    prevHigh: 0,
    prevLow: 0,
    prevClose: 0,
  };
}

/**
 * Advances `s` by one bar and writes the recursive indicators of that bar into `ind` (`NaN` while
 * an indicator warms up). The body is the warm-up loop of `computeRecursiveColumns` with `i = s.bars`
 * (that loop covers the steady state too): same operations in the same order, hence the same bits.
 * `h`, `l`, `x` are the bar's high, low and close.
 */
export function stepRecursive(s: RecursiveState, p: FeatureParams, hi: number, lo: number, x: number, ind: IndicatorValues): void {
  const i = s.bars;
  const pf = p.emaFastPeriod;
  const ps = p.emaSlowPeriod;
  const pa = p.atrPeriod;
  const pd = p.adxPeriod;
  const pr = p.rsiPeriod;
  const pt = p.supertrendPeriod;
  const adxWarm = 2 * pd - 1;
  const prevClose = s.prevClose;
  const tr = i === 0 ? hi - lo : (hi > prevClose ? hi : prevClose) - (lo < prevClose ? lo : prevClose);
  const nan = Number.NaN;

  if (i < pf - 1) s.sumF += x;
  else if (i === pf - 1) s.eF = (s.sumF += x) / pf;
  else s.eF = (2 / (pf + 1)) * x + (1 - 2 / (pf + 1)) * s.eF;
  ind.emaFast = i >= pf - 1 ? s.eF : nan;
  if (i < ps - 1) s.sumS += x;
  else if (i === ps - 1) s.eS = (s.sumS += x) / ps;
  else s.eS = (2 / (ps + 1)) * x + (1 - 2 / (ps + 1)) * s.eS;
  ind.emaSlow = i >= ps - 1 ? s.eS : nan;

  if (i < pa) {
    s.trSumA += tr;
    if (i === pa - 1) s.atrA = s.trSumA * (1 / pa);
  } else {
    s.atrA = s.atrA * ((pa - 1) / pa) + tr * (1 / pa);
  }
  ind.atr = i >= pa - 1 ? s.atrA : nan;
  const invD = 1 / pd;
  const keepD = (pd - 1) / pd;
  if (i < pd) {
    s.trSumD += tr;
    if (i === pd - 1) s.atrD = s.trSumD * invD;
  } else {
    s.atrD = s.atrD * keepD + tr * invD;
  }
  if (i < pt) {
    s.trSumT += tr;
    if (i === pt - 1) s.atrT = s.trSumT * (1 / pt);
  } else {
    s.atrT = s.atrT * ((pt - 1) / pt) + tr * (1 / pt);
  }

  ind.adx = nan;
  ind.plusDi = nan;
  ind.minusDi = nan;
  ind.rsi = nan;
  if (i >= 1) {
    const upMove = hi - s.prevHigh;
    const downMove = s.prevLow - lo;
    const pdm = upMove > downMove && upMove > 0 ? upMove : 0;
    const mdm = downMove > upMove && downMove > 0 ? downMove : 0;
    if (i < pd) {
      s.sp += pdm;
      s.sm += mdm;
    } else {
      if (i === pd) {
        s.sp = (s.sp + pdm) * invD;
        s.sm = (s.sm + mdm) * invD;
      } else {
        s.sp = s.sp * keepD + pdm * invD;
        s.sm = s.sm * keepD + mdm * invD;
      }
      const atrD = s.atrD;
      const pdi = atrD === 0 ? 0 : (100 * s.sp) / atrD;
      const mdi = atrD === 0 ? 0 : (100 * s.sm) / atrD;
      const sum = pdi + mdi;
      const dx = sum === 0 ? 0 : (100 * Math.abs(pdi - mdi)) / sum;
      if (i < adxWarm) {
        s.dxAcc += dx;
      } else {
        s.dxAcc = i === adxWarm ? (s.dxAcc + dx) * invD : s.dxAcc * keepD + dx * invD;
        ind.adx = s.dxAcc;
        ind.plusDi = pdi;
        ind.minusDi = mdi;
      }
    }

    const ch = x - prevClose;
    const invR = 1 / pr;
    if (i <= pr) {
      if (ch > 0) s.gain += ch;
      else s.loss -= ch;
      if (i === pr) {
        s.avgGain = s.gain * invR;
        s.avgLoss = s.loss * invR;
      }
    } else {
      const keepR = (pr - 1) / pr;
      s.avgGain = s.avgGain * keepR + (ch > 0 ? ch : 0) * invR;
      s.avgLoss = s.avgLoss * keepR + (ch < 0 ? -ch : 0) * invR;
    }
    if (i >= pr) ind.rsi = s.avgLoss === 0 ? 100 : (100 * s.avgGain) / (s.avgGain + s.avgLoss);
  }

  ind.supertrend = nan;
  ind.supertrendDir = nan;
  if (i >= pt) {
    const mid = (hi + lo) / 2;
    const band = p.supertrendMultiplier * s.atrT;
    const basicUpper = mid + band;
    const basicLower = mid - band;
    if (i === pt) {
      s.upper = basicUpper;
      s.lower = basicLower;
      s.up = x > s.upper;
    } else {
      if (basicUpper < s.upper || prevClose > s.upper) s.upper = basicUpper;
      if (basicLower > s.lower || prevClose < s.lower) s.lower = basicLower;
      s.up = s.up ? x >= s.lower : x > s.upper;
    }
    ind.supertrend = s.up ? s.lower : s.upper;
    ind.supertrendDir = s.up ? 1 : -1;
  }

  s.prevHigh = hi;
  s.prevLow = lo;
  s.prevClose = x;
  s.bars = i + 1;
}
