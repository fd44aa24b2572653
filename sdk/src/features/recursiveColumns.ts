import type { AdxSeries, SupertrendSeries } from '../indicators/index.js';
import type { FeatureParams } from './params.js';
import type { RecursiveState } from './recursiveState.js';
import type { OhlcvColumns } from './types.js';

/** Output columns of the recursive indicators, each as long as the series. */
export interface RecursiveColumns {
  emaFast: Float64Array;
  emaSlow: Float64Array;
  atr: Float64Array;
  rsi: Float64Array;
  dmi: AdxSeries;
  st: SupertrendSeries;
}

/**
 * True when `computeRecursiveColumns` can run on these inputs: Float64Array columns of one length,
 * integer periods of at least 1, a finite positive Supertrend multiplier, and outputs of the
 * series' length. Otherwise the caller uses the separate kernels, which name the bad argument.
 */
export function canComputeRecursive(c: OhlcvColumns, p: FeatureParams, out: RecursiveColumns): boolean {
  const n = c.close.length;
  const periodsOk = [p.emaFastPeriod, p.emaSlowPeriod, p.atrPeriod, p.adxPeriod, p.rsiPeriod, p.supertrendPeriod].every((x) => Number.isInteger(x) && x >= 1);
  const arrays = [c.high, c.low, c.close, out.emaFast, out.emaSlow, out.atr, out.rsi, out.dmi.adx, out.dmi.plusDi, out.dmi.minusDi, out.st.value, out.st.direction];
  return periodsOk && Number.isFinite(p.supertrendMultiplier) && p.supertrendMultiplier > 0 && arrays.every((a) => a instanceof Float64Array && a.length === n);
}

/**
 * EMA(fast), EMA(slow), ATR, ADX/+DI/-DI, RSI and Supertrend of one series in a single pass,
 * into `out`. Every running value follows exactly the arithmetic of its own batch kernel (`ema`,
 * `atr`, `adx`, `rsi`, `supertrend`: same operations in the same order), so the columns are
 * bit-identical to theirs, `NaN` warm-up included; only the loads of high/low/close and the true
 * range are shared. A cold scan over many series spends most of its time in these recursions, and
 * one pass does them at a fraction of the cost of six. Check `canComputeRecursive` first.
 *
 * With `from > 0` only bars from `from` on are written and every earlier slot is `NaN`: the
 * recursions still run over the whole history (Wilder and EMA values depend on all of it), but a
 * caller that reads only the latest bars skips the stores and the RSI division before them.
 *
 * With `state`, the running state after the last bar is written into it, for `stepRecursive` to
 * continue from (a tracker's warm start).
 */
export function computeRecursiveColumns(c: OhlcvColumns, p: FeatureParams, out: RecursiveColumns, from = 0, state?: RecursiveState): void {
  const h = c.high;
  const l = c.low;
  const cl = c.close;
  const n = cl.length;
  const { emaFast, emaSlow, atr: outAtr, rsi: outRsi } = out;
  const { adx: outAdx, plusDi: outPlus, minusDi: outMinus } = out.dmi;
  const { value: stValue, direction: stDir } = out.st;

  const pf = p.emaFastPeriod;
  const ps = p.emaSlowPeriod;
  const pa = p.atrPeriod;
  const pd = p.adxPeriod;
  const pr = p.rsiPeriod;
  const pt = p.supertrendPeriod;
  const mult = p.supertrendMultiplier;
  const adxWarm = 2 * pd - 1;
  emaFast.fill(NaN, 0, Math.min(pf - 1, n));
  emaSlow.fill(NaN, 0, Math.min(ps - 1, n));
  outAtr.fill(NaN, 0, Math.min(pa - 1, n));
  outRsi.fill(NaN, 0, Math.min(pr, n));
  outAdx.fill(NaN, 0, Math.min(adxWarm, n));
  outPlus.fill(NaN, 0, Math.min(adxWarm, n));
  outMinus.fill(NaN, 0, Math.min(adxWarm, n));
  stValue.fill(NaN, 0, Math.min(pt, n));
  stDir.fill(NaN, 0, Math.min(pt, n));
  if (n === 0) return;

  // EMA: SMA seed at period - 1, then alpha * x + keep * e.
  const alphaF = 2 / (pf + 1);
  const keepF = 1 - alphaF;
  const alphaS = 2 / (ps + 1);
  const keepS = 1 - alphaS;
  let sumF = 0;
  let eF = 0;
  let sumS = 0;
  let eS = 0;
  // Wilder ATRs of the ATR, ADX and Supertrend periods: true-range sum to the seed, then Wilder.
  const invA = 1 / pa;
  const keepA = (pa - 1) / pa;
  const invD = 1 / pd;
  const keepD = (pd - 1) / pd;
  const invT = 1 / pt;
  const keepT = (pt - 1) / pt;
  let trSumA = 0;
  let atrA = 0;
  let trSumD = 0;
  let atrD = 0;
  let trSumT = 0;
  let atrT = 0;
  // ADX: smoothed +DM/-DM and the DX average.
  let sp = 0;
  let sm = 0;
  let dxAcc = 0;
  // RSI: Wilder averages of gains and losses.
  const invR = 1 / pr;
  const keepR = (pr - 1) / pr;
  let gain = 0;
  let loss = 0;
  let avgGain = 0;
  let avgLoss = 0;
  // Supertrend: ratcheting bands and trend.
  let upper = 0;
  let lower = 0;
  let up = false;

  let prevHigh = h[0]!;
  let prevLow = l[0]!;
  let prevClose = cl[0]!;
  // Warm-up phase: every indicator checks where it is in its seeding. From `steadyFrom` on, all of
  // them are past it and the second loop below runs only their steady-state updates.
  const steadyFrom = Math.min(n, Math.max(pf, ps, pa, pd + 1, adxWarm + 1, pr + 1, pt + 1));
  let i = 0;
  for (; i < steadyFrom; i++) {
    const hi = h[i]!;
    const lo = l[i]!;
    const x = cl[i]!;
    const tr = i === 0 ? hi - lo : (hi > prevClose ? hi : prevClose) - (lo < prevClose ? lo : prevClose);

    if (i < pf - 1) sumF += x;
    else if (i === pf - 1) eF = (sumF += x) / pf;
    else eF = alphaF * x + keepF * eF;
    if (i >= pf - 1) emaFast[i] = eF;
    if (i < ps - 1) sumS += x;
    else if (i === ps - 1) eS = (sumS += x) / ps;
    else eS = alphaS * x + keepS * eS;
    if (i >= ps - 1) emaSlow[i] = eS;

    if (i < pa) {
      trSumA += tr;
      if (i === pa - 1) atrA = trSumA * invA;
    } else {
      atrA = atrA * keepA + tr * invA;
    }
    if (i >= pa - 1) outAtr[i] = atrA;
    if (i < pd) {
      trSumD += tr;
      if (i === pd - 1) atrD = trSumD * invD;
    } else {
      atrD = atrD * keepD + tr * invD;
    }
    if (i < pt) {
      trSumT += tr;
      if (i === pt - 1) atrT = trSumT * invT;
    } else {
      atrT = atrT * keepT + tr * invT;
    }

    if (i >= 1) {
      const upMove = hi - prevHigh;
      const downMove = prevLow - lo;
      const pdm = upMove > downMove && upMove > 0 ? upMove : 0;
      const mdm = downMove > upMove && downMove > 0 ? downMove : 0;
      if (i < pd) {
        sp += pdm;
        sm += mdm;
      } else {
        if (i === pd) {
          sp = (sp + pdm) * invD;
          sm = (sm + mdm) * invD;
        } else {
          sp = sp * keepD + pdm * invD;
          sm = sm * keepD + mdm * invD;
        }
        const pdi = atrD === 0 ? 0 : (100 * sp) / atrD;
        const mdi = atrD === 0 ? 0 : (100 * sm) / atrD;
        const s = pdi + mdi;
        const dx = s === 0 ? 0 : (100 * Math.abs(pdi - mdi)) / s;
        if (i < adxWarm) {
          dxAcc += dx;
        } else {
          dxAcc = i === adxWarm ? (dxAcc + dx) * invD : dxAcc * keepD + dx * invD;
          outAdx[i] = dxAcc;
          outPlus[i] = pdi;
          outMinus[i] = mdi;
        }
      }

      const ch = x - prevClose;
      if (i <= pr) {
        if (ch > 0) gain += ch;
        else loss -= ch;
        if (i === pr) {
          avgGain = gain * invR;
          avgLoss = loss * invR;
          outRsi[i] = avgLoss === 0 ? 100 : (100 * avgGain) / (avgGain + avgLoss);
        }
      } else {
        avgGain = avgGain * keepR + (ch > 0 ? ch : 0) * invR;
        avgLoss = avgLoss * keepR + (ch < 0 ? -ch : 0) * invR;
        outRsi[i] = avgLoss === 0 ? 100 : (100 * avgGain) / (avgGain + avgLoss);
      }
    }

    if (i >= pt) {
      const mid = (hi + lo) / 2;
      const band = mult * atrT;
      const basicUpper = mid + band;
      const basicLower = mid - band;
      if (i === pt) {
        upper = basicUpper;
        lower = basicLower;
        up = x > upper;
      } else {
        if (basicUpper < upper || prevClose > upper) upper = basicUpper;
        if (basicLower > lower || prevClose < lower) lower = basicLower;
        up = up ? x >= lower : x > upper;
      }
      stValue[i] = up ? lower : upper;
      stDir[i] = up ? 1 : -1;
    }

    prevHigh = hi;
    prevLow = lo;
    prevClose = x;
  }
  // Steady state: the `else` branches of the loop above, in the same order.
  for (; i < n; i++) {
    const hi = h[i]!;
    const lo = l[i]!;
    const x = cl[i]!;
    const tr = (hi > prevClose ? hi : prevClose) - (lo < prevClose ? lo : prevClose);
    eF = alphaF * x + keepF * eF;
    eS = alphaS * x + keepS * eS;
    atrA = atrA * keepA + tr * invA;
    atrD = atrD * keepD + tr * invD;
    atrT = atrT * keepT + tr * invT;

    const upMove = hi - prevHigh;
    const downMove = prevLow - lo;
    const pdm = upMove > downMove && upMove > 0 ? upMove : 0;
    const mdm = downMove > upMove && downMove > 0 ? downMove : 0;
    sp = sp * keepD + pdm * invD;
    sm = sm * keepD + mdm * invD;
    const pdi = atrD === 0 ? 0 : (100 * sp) / atrD;
    const mdi = atrD === 0 ? 0 : (100 * sm) / atrD;
    const s = pdi + mdi;
    const dx = s === 0 ? 0 : (100 * Math.abs(pdi - mdi)) / s;
    dxAcc = dxAcc * keepD + dx * invD;

    const ch = x - prevClose;
    avgGain = avgGain * keepR + (ch > 0 ? ch : 0) * invR;
    avgLoss = avgLoss * keepR + (ch < 0 ? -ch : 0) * invR;

    const mid = (hi + lo) / 2;
    const band = mult * atrT;
    const basicUpper = mid + band;
    const basicLower = mid - band;
    if (basicUpper < upper || prevClose > upper) upper = basicUpper;
    if (basicLower > lower || prevClose < lower) lower = basicLower;
    up = up ? x >= lower : x > upper;

    if (i >= from) {
      emaFast[i] = eF;
      emaSlow[i] = eS;
      outAtr[i] = atrA;
      outAdx[i] = dxAcc;
      outPlus[i] = pdi;
      outMinus[i] = mdi;
      outRsi[i] = avgLoss === 0 ? 100 : (100 * avgGain) / (avgGain + avgLoss);
      stValue[i] = up ? lower : upper;
      stDir[i] = up ? 1 : -1;
    }

    prevHigh = hi;
    prevLow = lo;
    prevClose = x;
  }
  if (state) {
    state.bars = n;
    state.sumF = sumF;
    state.eF = eF;
    state.sumS = sumS;
    state.eS = eS;
    state.trSumA = trSumA;
    state.atrA = atrA;
    state.trSumD = trSumD;
    state.atrD = atrD;
    state.trSumT = trSumT;
    state.atrT = atrT;
    state.sp = sp;
    state.sm = sm;
    state.dxAcc = dxAcc;
    state.gain = gain;
    state.loss = loss;
    state.avgGain = avgGain;
    state.avgLoss = avgLoss;
    state.upper = upper;
    state.lower = lower;
    state.up = up;
    state.prevHigh = prevHigh;
    state.prevLow = prevLow;
    state.prevClose = prevClose;
  }
  const skipped = Math.min(from, n);
  if (skipped > 0) {
    for (const a of [emaFast, emaSlow, outAtr, outRsi, outAdx, outPlus, outMinus, stValue, stDir]) a.fill(NaN, 0, skipped);
  }
}
