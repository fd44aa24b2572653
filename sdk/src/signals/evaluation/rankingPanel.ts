import { sliceColumns } from '../../features/columns.js';
import type { OhlcvColumns } from '../../features/types.js';
import type { MarketSnapshot } from '../../manipulation/index.js';
import { parseRankingQuery } from '../../ranking/query.js';
import { rankEntries } from '../../ranking/rank.js';
import { Ranker } from '../../ranking/ranker.js';
import type { ProfileWeights } from '../../ranking/profiles.js';

/** One symbol in one ranking cycle, with what happened after it. */
export interface PanelRow {
  symbol: string;
  /**
   * Score and momentum side (+1 long, -1 short, 0 flat) per profile name: the panel ranks every
   * profile on the momentum side, so an evaluation can choose and test any side rule on top.
   */
  score: Record<string, number>;
  side: Record<string, -1 | 0 | 1>;
  /** 24-bar return and ATR% as the ranking read them at the decision time. */
  ret24: number;
  atrPct: number;
  /** Close-to-close return from the decision bar to `horizons[k]` bars later; NaN past the data. */
  forward: number[];
}

/** One ranking cycle: every symbol ranked at the close of one bar. */
export interface PanelCycle {
  closeTimeMs: number;
  rows: PanelRow[];
}

export interface PanelOptions {
  barMs: number;
  profiles: Readonly<Record<string, ProfileWeights>>;
  /** Forward horizons in bars, e.g. [1, 4, 24]. */
  horizons: readonly number[];
  /** Rank every `stride` bars (1 = every bar). */
  stride?: number;
  /** Bars before a symbol is ranked, so that its 24-bar return and ATR exist. */
  minBars?: number;
}

/**
 * Replays the ranker over recorded candles: at each bar close, every symbol with that bar is
 * ranked from the candles up to and including it (views, nothing later), under each profile, with
 * the default query and no book (costs are fees only). Forward returns are read afterwards from
 * the later closes, for scoring only.
 */
export function buildRankingPanel(series: ReadonlyMap<string, OhlcvColumns>, options: PanelOptions): PanelCycle[] {
  const stride = options.stride ?? 1;
  const minBars = options.minBars ?? 100;
  const times = new Set<number>();
  for (const c of series.values()) for (const t of c.openTimeMs) times.add(t);
  const timeline = [...times].sort((a, b) => a - b);
  const index = new Map<string, Map<number, number>>();
  for (const [symbol, c] of series) index.set(symbol, new Map(Array.from(c.openTimeMs, (t, i) => [t, i])));
  const ranker = new Ranker();
  const query = parseRankingQuery({ top: 1000 });
  const profileNames = Object.keys(options.profiles);
  const cycles: PanelCycle[] = [];
  for (let k = 0; k < timeline.length; k += stride) {
    const openMs = timeline[k]!;
    const nowMs = openMs + options.barMs;
    const snapshots: MarketSnapshot[] = [];
    const at: number[] = [];
    for (const [symbol, c] of series) {
      const i = index.get(symbol)!.get(openMs);
      if (i === undefined || i + 1 < minBars) continue;
      const end = i + 1;
      snapshots.push({
        symbol,
        nowMs,
        barMs: options.barMs,
        candles: sliceColumns(c, end),
        revision: openMs,
      });
      at.push(i);
    }
    if (snapshots.length < 3) continue;
    const entries = ranker.entries(snapshots, query.notionalUsd);
    const rows = new Map<string, PanelRow>();
    for (const e of entries) {
      const c = series.get(e.metrics.symbol)!;
      const i = at[snapshots.findIndex((s) => s.symbol === e.metrics.symbol)]!;
      rows.set(e.metrics.symbol, {
        symbol: e.metrics.symbol,
        score: {},
        side: {},
        ret24: e.metrics.ret24,
        atrPct: e.metrics.atrPct,
        forward: options.horizons.map((h) => (i + h < c.close.length && c.openTimeMs[i + h] === openMs + h * options.barMs ? c.close[i + h]! / c.close[i]! - 1 : Number.NaN)),
      });
    }
    for (const name of profileNames) {
      for (const r of rankEntries(entries, query, options.profiles[name]!, 'momentum')) {
        const row = rows.get(r.symbol)!;
        row.score[name] = r.score;
        row.side[name] = r.side === 'long' ? 1 : r.side === 'short' ? -1 : 0;
      }
    }
    cycles.push({ closeTimeMs: nowMs, rows: [...rows.values()] });
  }
  return cycles;
}
