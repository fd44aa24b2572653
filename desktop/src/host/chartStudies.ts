import { bollinger, macd, rsi, vwap } from '@perpscope/sdk/indicators';
import {
  ok,
  type Candle,
  type ChartFlagMarkView,
  type ChartStudyName,
  type ChartStudyView,
  type MethodOutput,
  type MethodParams,
  type RankingSnapshotView,
  type Result,
} from '@perpscope/shared';
import type { HostEngine } from './ports.js';
import { notSupported, toRpcError } from './rpcErrors.js';

/**
 * The chart's commands: indicator studies over a symbol's candles (the sdk's batch kernels, so the
 * chart shows the same arithmetic the strategies use), and the manipulation flags the radar raised
 * on a symbol, each where it first fired.
 */

const toSeries = (a: Float64Array): (number | null)[] => Array.from(a, (v) => (Number.isFinite(v) ? v : null));

/** Study parameters: the conventional defaults a trader reads off any terminal. */
const RSI_PERIOD = 14;
const MACD = { fast: 12, slow: 26, signal: 9 } as const;
const BOLLINGER = { period: 20, k: 2 } as const;

/** Computes `names` (deduplicated, in the order given) over candles, oldest first. */
export function computeStudies(candles: readonly Candle[], names: readonly ChartStudyName[]): ChartStudyView[] {
  const close = Float64Array.from(candles, (c) => c.close);
  const out: ChartStudyView[] = [];
  for (const name of new Set(names)) {
    switch (name) {
      case 'rsi':
        out.push({ name, placement: 'pane', label: `RSI ${RSI_PERIOD}`, series: { rsi: toSeries(rsi(close, RSI_PERIOD)) }, levels: [30, 70] });
        break;
      case 'macd': {
        const m = macd(close, MACD.fast, MACD.slow, MACD.signal);
        out.push({
          name,
          placement: 'pane',
          label: `MACD ${MACD.fast} ${MACD.slow} ${MACD.signal}`,
          series: { macd: toSeries(m.macd), signal: toSeries(m.signal), histogram: toSeries(m.histogram) },
          levels: [0],
        });
        break;
      }
      case 'bollinger': {
        const b = bollinger(close, BOLLINGER.period, BOLLINGER.k);
        out.push({
          name,
          placement: 'overlay',
          label: `BB ${BOLLINGER.period} ${BOLLINGER.k}`,
          series: { upper: toSeries(b.upper), middle: toSeries(b.middle), lower: toSeries(b.lower) },
          levels: [],
        });
        break;
      }
      case 'vwap': {
        const high = Float64Array.from(candles, (c) => c.high);
        const low = Float64Array.from(candles, (c) => c.low);
        const volume = Float64Array.from(candles, (c) => c.volume);
        const times = Float64Array.from(candles, (c) => c.openTimeMs);
        out.push({ name, placement: 'overlay', label: 'VWAP', series: { vwap: toSeries(vwap(high, low, close, volume, times)) }, levels: [] });
        break;
      }
    }
  }
  return out;
}

/** Flags kept per symbol; older onsets fall off first. */
const FLAGS_PER_SYMBOL = 200;

/**
 * The radar's flags per symbol over time. A ranking cycle carries the flags that hold *now*, so a
 * flag is recorded once, at the first cycle that carries it, with that cycle's evidence; it is
 * recorded again only after a cycle without it. In memory: the host keeps it from its start.
 */
export class FlagTimeline {
  private readonly active = new Map<string, Set<string>>();
  private readonly marks = new Map<string, ChartFlagMarkView[]>();
  private lastAsOfMs = -Infinity;

  /** Folds in one ranking cycle; a cycle at or before the last one seen is ignored. */
  record(snapshot: Pick<RankingSnapshotView, 'asOfMs' | 'rows'>): void {
    const at = snapshot.asOfMs;
    if (at === null || at <= this.lastAsOfMs) return;
    this.lastAsOfMs = at;
    const seen = new Set<string>();
    for (const row of snapshot.rows) {
      seen.add(row.symbol);
      const before = this.active.get(row.symbol);
      const now = new Set<string>();
      for (const flag of row.flags) {
        now.add(flag.name);
        if (before?.has(flag.name)) continue;
        let list = this.marks.get(row.symbol);
        if (!list) this.marks.set(row.symbol, (list = []));
        list.push({ ...flag, atMs: at, price: row.lastPrice, manipScore: row.manipScore });
        if (list.length > FLAGS_PER_SYMBOL) list.splice(0, list.length - FLAGS_PER_SYMBOL);
      }
      if (now.size) this.active.set(row.symbol, now);
      else this.active.delete(row.symbol);
    }
    // A symbol missing from the cycle (left the universe) starts afresh when it comes back.
    for (const symbol of [...this.active.keys()]) if (!seen.has(symbol)) this.active.delete(symbol);
  }

  /** Flags of `symbol` raised at or after `sinceMs`, oldest first. */
  flags(symbol: string, sinceMs = 0): ChartFlagMarkView[] {
    return (this.marks.get(symbol) ?? []).filter((m) => m.atMs >= sinceMs);
  }
}

type ChartHandlers = {
  [M in 'chart.studies' | 'chart.flags']: (params: MethodParams<M>) => Promise<Result<MethodOutput<M>>>;
};

/**
 * The chart commands over the engine's ports, and `dispose` to detach them from the engine. The
 * flag timeline listens to ranking events from creation, so a flag raised and cleared before the
 * first `chart.flags` is still on the chart; each call also folds in the latest ranking, so the
 * cycle before the first event counts too.
 */
export function createChartHandlers(engine: HostEngine): { handlers: ChartHandlers; dispose(): void } {
  const timeline = new FlagTimeline();
  const unsubscribe = engine.events.subscribe((e) => {
    if (e.event === 'ranking') timeline.record(e.data);
  });
  const handlers: ChartHandlers = {
    async 'chart.studies'(p) {
      const port = engine.candles;
      if (!port) return { ok: false, error: notSupported('chart.studies', 'candle history') };
      try {
        const reply = await port.get({ symbol: p.symbol, timeframe: p.timeframe, ...(p.limit !== undefined ? { limit: p.limit } : {}), ...(p.toMs !== undefined ? { toMs: p.toMs } : {}) });
        return ok({ symbol: reply.symbol, timeframe: reply.timeframe, times: reply.candles.map((c) => c.openTimeMs), studies: computeStudies(reply.candles, p.studies) });
      } catch (e) {
        return { ok: false, error: toRpcError(e) };
      }
    },
    async 'chart.flags'(p) {
      const rankings = engine.rankings;
      if (rankings) {
        try {
          const latest = await rankings.latest();
          if (latest) timeline.record(latest);
        } catch (e) {
          return { ok: false, error: toRpcError(e) };
        }
      }
      return ok({ symbol: p.symbol, flags: timeline.flags(p.symbol, p.sinceMs) });
    },
  };
  return { handlers, dispose: unsubscribe };
}
