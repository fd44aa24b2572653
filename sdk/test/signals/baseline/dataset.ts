import type { Timeframe } from '@perpscope/shared';
import { timeframeMs } from '@perpscope/shared';
import type { OhlcvColumns } from '../../../src/features/types.js';
import type { SeriesData } from '../../../src/signals/replay.js';
import { mulberry32 as rng } from '../../../../test/support/rng.js';

export { rng };


function gaussian(r: () => number): number {
  const u = 1 - r();
  const v = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Random-walk candles with drifting trends, volatility clusters and occasional jumps on volume
 * spikes, so every built-in strategy fires somewhere.
 */
export function randomWalkCandles(seed: number, bars: number, startMs: number, tfMs: number, startPrice = 100): OhlcvColumns {
  const r = rng(seed);
  const c: OhlcvColumns = {
    openTimeMs: new Float64Array(bars),
    open: new Float64Array(bars),
    high: new Float64Array(bars),
    low: new Float64Array(bars),
    close: new Float64Array(bars),
    volume: new Float64Array(bars),
  };
  let price = startPrice;
  let drift = 0;
  let vol = 0.01;
  for (let i = 0; i < bars; i++) {
    if (r() < 0.02) drift = (r() - 0.5) * 0.002;
    vol = Math.min(0.05, Math.max(0.003, vol * (1 + 0.1 * gaussian(r))));
    const jump = r() < 0.01 ? (r() < 0.5 ? -1 : 1) * vol * (3 + 4 * r()) : 0;
    const ret = drift + vol * gaussian(r) + jump;
    const open = price;
    const close = Math.max(1e-6, open * Math.exp(ret));
    const wick = vol * open;
    const high = Math.max(open, close) + Math.abs(gaussian(r)) * wick * 0.5;
    const low = Math.max(1e-7, Math.min(open, close) - Math.abs(gaussian(r)) * wick * 0.5);
    const base = 1000 * (1 + 0.3 * gaussian(r) ** 2);
    c.openTimeMs[i] = startMs + i * tfMs;
    c.open[i] = open;
    c.high[i] = high;
    c.low[i] = low;
    c.close[i] = close;
    c.volume[i] = base * (jump !== 0 ? 4 + 4 * r() : r() < 0.03 ? 3 : 1);
    price = close;
  }
  return c;
}

export const BASELINE_START_MS = Date.UTC(2025, 0, 1);
export const BASELINE_ANCHOR = 'BTC/USDT:USDT';

/** The baseline dataset: `symbols` series per timeframe, `bars` each, all ending at the same time. */
export function baselineDataset(symbols = 20, bars = 600, timeframes: readonly Timeframe[] = ['15m', '1h'], seed = 42): SeriesData[] {
  const out: SeriesData[] = [];
  const endMs = BASELINE_START_MS + bars * timeframeMs(timeframes[timeframes.length - 1]!);
  for (let s = 0; s < symbols; s++) {
    const symbol = s === 0 ? BASELINE_ANCHOR : `S${String(s).padStart(2, '0')}/USDT:USDT`;
    timeframes.forEach((tf, k) => {
      const tfMs = timeframeMs(tf);
      out.push({ symbol, timeframe: tf, candles: randomWalkCandles(seed * 1000 + s * 10 + k, bars, endMs - bars * tfMs, tfMs, 10 + 90 * ((s * 7919) % 13)) });
    });
  }
  return out;
}
