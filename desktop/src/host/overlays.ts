import type { Candle, IndicatorNameView, OverlayView } from '@perpscope/shared';
import { bollinger, donchian, ema, sma, supertrend, vwap } from '@perpscope/sdk/indicators';

const toSeries = (a: Float64Array): (number | null)[] => Array.from(a, (v) => (Number.isFinite(v) ? v : null));

/** Computes chart overlays over candles (oldest first) with the sdk's batch indicator kernels. */
export function computeOverlays(candles: readonly Candle[], names: readonly IndicatorNameView[]): OverlayView[] {
  if (names.length === 0) return [];
  const close = Float64Array.from(candles, (c) => c.close);
  const high = Float64Array.from(candles, (c) => c.high);
  const low = Float64Array.from(candles, (c) => c.low);
  const out: OverlayView[] = [];
  for (const indicator of new Set(names)) {
    switch (indicator) {
      case 'ema21':
      case 'ema50':
      case 'ema200':
        out.push({ indicator, series: { value: toSeries(ema(close, Number(indicator.slice(3)))) } });
        break;
      case 'sma20':
        out.push({ indicator, series: { value: toSeries(sma(close, 20)) } });
        break;
      case 'bollinger': {
        const b = bollinger(close, 20, 2);
        out.push({ indicator, series: { upper: toSeries(b.upper), middle: toSeries(b.middle), lower: toSeries(b.lower) } });
        break;
      }
      case 'donchian': {
        const d = donchian(high, low, 20);
        out.push({ indicator, series: { upper: toSeries(d.upper), middle: toSeries(d.middle), lower: toSeries(d.lower) } });
        break;
      }
      case 'supertrend': {
        const s = supertrend(high, low, close, 10, 3);
        out.push({ indicator, series: { value: toSeries(s.value), direction: toSeries(s.direction) } });
        break;
      }
      case 'vwap': {
        const volume = Float64Array.from(candles, (c) => c.volume);
        const times = Float64Array.from(candles, (c) => c.openTimeMs);
        out.push({ indicator, series: { value: toSeries(vwap(high, low, close, volume, times)) } });
        break;
      }
    }
  }
  return out;
}
