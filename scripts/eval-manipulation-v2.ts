/**
 * Manipulation radar v2 evaluation: does manipScore rank the risk of an extreme move better than
 * the naive baselines, out of sample, and does it speak at the onset rather than after it?
 *
 * Data (all 1h, candle-only, no look-ahead: at bar t the radar sees bars 0..t, with the
 * cross-section of the same set at bar t): `binance-usdm-2024-10-2025-03` (75 symbols),
 * `binance-usdm-2025-09-2026-03` (15 symbols), `bybit-linear-2025-10` (50 symbols) and
 * `binance-usdm-2025-10` (521 symbols). One time cut over all of them (2025-10-01 00:00 UTC):
 * hours whose 24h label window ends before it train, hours from it on test.
 *
 * Label of a symbol-hour (decision at the close of bar t): an extreme idiosyncratic move,
 * |close(t+24)/close(t) - 1 - (the same for BTC in that set)| > 40 %, or a collapse, some close in
 * t+1..t+4 at least 30 % below close(t). Hours without 24 bars ahead are not labelled.
 *
 * The logistic layer is refitted on the training hours only (monthly walk-forward picks the L2
 * penalty; the final fit uses every training hour), and the test part is scored with that model.
 * `--write-model` writes it to sdk/src/manipulation/fittedModel.ts (the shipped
 * DEFAULT_RADAR_MODEL). Deterministic: no sampling by chance, the same data gives the same output.
 *
 *   npx tsx scripts/eval-manipulation-v2.ts --data ../shared/data [--json out.json] [--write-model]
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_RADAR_MODEL,
  FLAG_NAMES,
  MANIP_ALERT_SCORE,
  ManipulationRadar,
  PRIOR_ONLY_FEATURES,
  PRIOR_RADAR_MODEL,
  RADAR_FEATURES,
  computeMarketContext,
  fitLogistic,
  predictLogistic,
  radarFeatureRow,
  rocAuc,
  scoreRow,
  type LogisticModel,
  type MarketSnapshot,
} from '../sdk/src/manipulation/index.js';
import { argValue, dataRoot, isoMinute, pct, readCsv, utcMs } from './eval-manipulation-common.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const WARMUP_BARS = 61;
const HORIZON_BARS = 24;
const EXTREME_MOVE = 0.4;
const COLLAPSE_MOVE = 0.3;
const COLLAPSE_BARS = 4;
/** One time cut over every set: training hours end here (minus the 24h label horizon); from here on is test. */
const CUT_MS = Date.UTC(2025, 9, 1);
/** Walk-forward folds inside the training part: fit before each boundary, validate up to the next. */
const FOLD_BOUNDARIES_MS = [Date.UTC(2024, 11, 1), Date.UTC(2025, 0, 1), Date.UTC(2025, 1, 1), Date.UTC(2025, 2, 1), Date.UTC(2025, 3, 1), CUT_MS];
const L2_GRID = [0.001, 0.01, 0.1];
/** Every `NEGATIVE_STRIDE`-th negative hour is fitted on, weighted by the stride (positives all). */
const NEGATIVE_STRIDE = 8;
const NF = RADAR_FEATURES.length;

interface Series {
  symbol: string;
  openTimeMs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  medianQuoteVolumeBar: number;
}

interface DataSet {
  name: string;
  series: Series[];
}

function parseTime(text: string): number {
  return /^\d+$/.test(text.trim()) ? Number(text) : utcMs(text);
}

function loadFiles(name: string, dir: string, files: string[], symbolOf: (f: string) => string, dropLast: boolean): DataSet {
  const series: Series[] = [];
  for (const file of files.sort()) {
    const { rows } = readCsv(join(dir, file));
    if (dropLast) rows.pop();
    const n = rows.length;
    if (n < WARMUP_BARS + HORIZON_BARS) continue;
    const s: Series = {
      symbol: symbolOf(file),
      openTimeMs: new Float64Array(n),
      open: new Float64Array(n),
      high: new Float64Array(n),
      low: new Float64Array(n),
      close: new Float64Array(n),
      volume: new Float64Array(n),
      medianQuoteVolumeBar: 0,
    };
    rows.forEach((r, i) => {
      s.openTimeMs[i] = parseTime(r[0] as string);
      s.open[i] = Number(r[1]);
      s.high[i] = Number(r[2]);
      s.low[i] = Number(r[3]);
      s.close[i] = Number(r[4]);
      s.volume[i] = Number(r[5]);
    });
    const qv = Array.from(s.close, (c, i) => c * (s.volume[i] as number)).sort((a, b) => a - b);
    s.medianQuoteVolumeBar = qv[qv.length >> 1] ?? 0;
    series.push(s);
  }
  return { name, series };
}

function loadSets(root: string): DataSet[] {
  const sets: DataSet[] = [];
  const a = join(root, 'binance-usdm-2024-10-2025-03');
  // This set was cut at a bar boundary: its last row is a finished candle.
  if (existsSync(a)) sets.push(loadFiles('binance-usdm-2024-10-2025-03', a, readdirSync(a).filter((f) => f.endsWith('_1h.csv')), (f) => f.replace('_1h.csv', ''), false));
  const b = join(root, 'binance-usdm-2025-10');
  if (existsSync(b)) sets.push(loadFiles('binance-usdm-2025-10', b, readdirSync(b).filter((f) => f.endsWith('_1h.csv')), (f) => f.replace('_1h.csv', ''), true));
  const c = join(root, 'binance-usdm-2025-09-2026-03', 'data', '1h');
  if (existsSync(c)) sets.push(loadFiles('binance-usdm-2025-09-2026-03', c, readdirSync(c).filter((f) => f.endsWith('.csv')), (f) => f.replace('.csv', ''), true));
  const d = join(root, 'bybit-linear-2025-10', 'data');
  if (existsSync(d)) sets.push(loadFiles('bybit-linear-2025-10', d, readdirSync(d).filter((f) => f.endsWith('_1h.csv')), (f) => f.replace('_1h.csv', ''), true));
  return sets;
}

/** One evaluated symbol-hour. */
interface Hour {
  set: number;
  series: number;
  /** Index of the decision bar in its series. */
  bar: number;
  timeMs: number;
  /** 1 extreme move or collapse ahead, 0 not, -1 unlabelled (too close to the end). */
  label: number;
  flagCount: number;
  flagMask: number;
  atrPct: number;
  absRet24: number;
  volumeZ: number;
  stress: boolean;
  btcAbsRet1: number;
}

interface Evaluated {
  hours: Hour[];
  rows: Float64Array;
  stressBars: { set: string; barOpenTimeMs: number; direction: string; share: number }[];
}

function view(s: Series, end: number): MarketSnapshot['candles'] {
  return {
    openTimeMs: s.openTimeMs.subarray(0, end),
    open: s.open.subarray(0, end),
    high: s.high.subarray(0, end),
    low: s.low.subarray(0, end),
    close: s.close.subarray(0, end),
    volume: s.volume.subarray(0, end),
  };
}

function btcIndex(set: DataSet): number {
  return set.series.findIndex((s) => s.symbol === 'BTCUSDT');
}

/** Close of `s` at bar open time `ms`, by binary search; NaN when absent. */
function closeAt(s: Series, ms: number): number {
  let lo = 0;
  let hi = s.openTimeMs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = s.openTimeMs[mid] as number;
    if (t === ms) return s.close[mid] as number;
    if (t < ms) lo = mid + 1;
    else hi = mid - 1;
  }
  return Number.NaN;
}

/** The documented label of bar `i` of `s` (see the header); -1 when the future is not in the data. */
function labelOf(s: Series, i: number, btc: Series | null): number {
  const n = s.close.length;
  const c0 = s.close[i] as number;
  for (let k = 1; k <= COLLAPSE_BARS && i + k < n; k++) if ((s.close[i + k] as number) / c0 - 1 <= -COLLAPSE_MOVE) return 1;
  if (i + HORIZON_BARS >= n) return -1;
  if ((s.openTimeMs[i + HORIZON_BARS] as number) - (s.openTimeMs[i] as number) !== HORIZON_BARS * HOUR_MS) return -1;
  const fwd = (s.close[i + HORIZON_BARS] as number) / c0 - 1;
  let bench = 0;
  if (btc) {
    const b0 = closeAt(btc, s.openTimeMs[i] as number);
    const b1 = closeAt(btc, s.openTimeMs[i + HORIZON_BARS] as number);
    if (!(b0 > 0) || !(b1 > 0)) return -1;
    bench = b1 / b0 - 1;
  }
  return Math.abs(fwd - bench) > EXTREME_MOVE ? 1 : 0;
}

/** Runs the radar hour by hour over every set with the cross-section of that set. */
function evaluate(sets: DataSet[]): Evaluated {
  const hours: Hour[] = [];
  const rowChunks: number[] = [];
  const stressBars: Evaluated['stressBars'] = [];
  const flagBit = new Map(FLAG_NAMES.map((f, i) => [f, 1 << i]));
  sets.forEach((set, si) => {
    const radar = new ManipulationRadar({ model: PRIOR_RADAR_MODEL });
    const btcI = btcIndex(set);
    const btc = btcI >= 0 ? (set.series[btcI] as Series) : null;
    const times = new Set<number>();
    for (const s of set.series) for (const t of s.openTimeMs) times.add(t);
    const grid = [...times].sort((x, y) => x - y);
    const cursor = set.series.map(() => 0);
    for (const t of grid) {
      const snaps: MarketSnapshot[] = [];
      const idx: number[] = [];
      set.series.forEach((s, k) => {
        let c = cursor[k] as number;
        while (c < s.openTimeMs.length && (s.openTimeMs[c] as number) < t) c++;
        cursor[k] = c;
        if (c >= s.openTimeMs.length || s.openTimeMs[c] !== t || c + 1 < WARMUP_BARS) return;
        snaps.push({ symbol: s.symbol, nowMs: t + HOUR_MS, barMs: HOUR_MS, candles: view(s, c + 1) });
        idx.push(k);
      });
      if (snaps.length === 0) continue;
      const market = computeMarketContext(snaps);
      if (market?.stress) stressBars.push({ set: set.name, barOpenTimeMs: t, direction: market.stress.direction, share: market.stress.share });
      const btcRet1 = market ? Math.abs(market.benchmarkRet[0] as number) : Number.NaN;
      snaps.forEach((snap, j) => {
        const k = idx[j] as number;
        const s = set.series[k] as Series;
        const bar = cursor[k] as number;
        const { candle, manip } = radar.analyze(snap, market);
        const row = radarFeatureRow(manip.flags, candle);
        for (const x of row) rowChunks.push(x);
        let mask = 0;
        for (const f of manip.flags) mask |= flagBit.get(f.name) ?? 0;
        hours.push({
          set: si,
          series: k,
          bar,
          timeMs: t,
          label: labelOf(s, bar, btc),
          flagCount: manip.flags.length,
          flagMask: mask,
          atrPct: candle?.atrPct ?? 0,
          absRet24: candle ? Math.abs(candle.ret24) : 0,
          volumeZ: candle?.volumeZ ?? 0,
          stress: Boolean(market?.stress),
          btcAbsRet1: btcRet1,
        });
      });
    }
  });
  return { hours, rows: Float64Array.from(rowChunks), stressBars };
}

function rowOf(ev: Evaluated, i: number): Float64Array {
  return ev.rows.subarray(i * NF, (i + 1) * NF);
}

/**
 * Fits the layer on `train` hours: features that never vary there, and the prior-only ones (the
 * flags), keep the prior weights on raw values and enter the fit as an offset; the rest are
 * standardised and fitted with class-balanced weights on every positive and every
 * `NEGATIVE_STRIDE`-th negative (weighted by the stride). Balanced: an unweighted fit on a 0.2%
 * base rate does not converge in the iterations given.
 */
function fitModel(ev: Evaluated, train: number[], l2: number): LogisticModel {
  const sample: number[] = [];
  const weights: number[] = [];
  let neg = 0;
  for (const i of train) {
    const h = ev.hours[i] as Hour;
    if (h.label === 1) {
      sample.push(i);
      weights.push(1);
    } else if (h.label === 0 && neg++ % NEGATIVE_STRIDE === 0) {
      sample.push(i);
      weights.push(NEGATIVE_STRIDE);
    }
  }
  const varying = RADAR_FEATURES.map((f, j) => {
    if (PRIOR_ONLY_FEATURES.includes(f)) return false;
    const first = rowOf(ev, sample[0] as number)[j] as number;
    return sample.some((i) => rowOf(ev, i)[j] !== first);
  });
  const fitIdx = RADAR_FEATURES.map((_, j) => j).filter((j) => varying[j]);
  const rows = sample.map((i) => {
    const r = rowOf(ev, i);
    return fitIdx.map((j) => r[j] as number);
  });
  const labels = sample.map((i) => (ev.hours[i] as Hour).label);
  // The fixed features' prior contribution to each sampled row's linear term.
  const offsets = sample.map((i) => {
    const r = rowOf(ev, i);
    let z = 0;
    RADAR_FEATURES.forEach((_, j) => {
      if (!varying[j]) z += (PRIOR_RADAR_MODEL.coef[j] as number) * (r[j] as number);
    });
    return z;
  });
  const fitted = fitLogistic(
    fitIdx.map((j) => RADAR_FEATURES[j] as string),
    rows,
    labels,
    { l2, learningRate: 0.5, iterations: 1500, positiveWeight: 'balanced', rowWeights: weights, offsets },
  );
  const model: LogisticModel = { features: [...RADAR_FEATURES], mean: [], std: [], intercept: fitted.intercept, coef: [] };
  RADAR_FEATURES.forEach((_, j) => {
    const at = fitIdx.indexOf(j);
    if (at >= 0) {
      model.mean.push(fitted.mean[at] as number);
      model.std.push(fitted.std[at] as number);
      model.coef.push(fitted.coef[at] as number);
    } else {
      model.mean.push(0);
      model.std.push(1);
      model.coef.push(PRIOR_RADAR_MODEL.coef[j] as number);
    }
  });
  return model;
}

const round = (x: number, d = 4): number => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

function scoresOf(ev: Evaluated, model: LogisticModel, ix: number[]): number[] {
  return ix.map((i) => scoreRow(model, rowOf(ev, i), (ev.hours[i] as Hour).flagCount));
}

interface Episode {
  set: number;
  series: number;
  symbol: string;
  firstLabelBar: number;
  onsetBar: number;
  onsetMs: number;
  kind: 'up' | 'down';
}

/**
 * Episodes: runs of positive hours of one symbol (gaps up to 24 bars merge). The onset bar is the
 * first bar after the run's first positive hour whose close is 10 % or more away from that hour's
 * close, relative to BTC (or the first bar after it when none is).
 */
function episodesOf(ev: Evaluated, sets: DataSet[], ix: number[]): Episode[] {
  const bySeries = new Map<string, Hour[]>();
  for (const i of ix) {
    const h = ev.hours[i] as Hour;
    if (h.label !== 1) continue;
    const key = `${h.set}:${h.series}`;
    const list = bySeries.get(key) ?? [];
    list.push(h);
    bySeries.set(key, list);
  }
  const out: Episode[] = [];
  for (const list of bySeries.values()) {
    list.sort((a, b) => a.bar - b.bar);
    let last = Number.NEGATIVE_INFINITY;
    for (const h of list) {
      if (h.bar - last > HORIZON_BARS) {
        const set = sets[h.set] as DataSet;
        const s = set.series[h.series] as Series;
        const btcI = btcIndex(set);
        const btc = btcI >= 0 ? (set.series[btcI] as Series) : null;
        const c0 = s.close[h.bar] as number;
        const b0 = btc ? closeAt(btc, s.openTimeMs[h.bar] as number) : Number.NaN;
        let onset = h.bar + 1;
        let kind: 'up' | 'down' = 'up';
        for (let b = h.bar + 1; b <= h.bar + HORIZON_BARS && b < s.close.length; b++) {
          const bb = btc ? closeAt(btc, s.openTimeMs[b] as number) : Number.NaN;
          const rel = (s.close[b] as number) / c0 - 1 - (b0 > 0 && bb > 0 ? bb / b0 - 1 : 0);
          if (Math.abs(rel) >= 0.1) {
            onset = b;
            kind = rel > 0 ? 'up' : 'down';
            break;
          }
        }
        if (onset < s.close.length) out.push({ set: h.set, series: h.series, symbol: s.symbol, firstLabelBar: h.bar, onsetBar: onset, onsetMs: s.openTimeMs[onset] as number, kind });
      }
      last = h.bar;
    }
  }
  return out;
}

interface Timing {
  episodes: number;
  before: number;
  atOnset: number;
  atOrBefore: number;
  withinOneBar: number;
  up: { episodes: number; atOrBefore: number };
  down: { episodes: number; atOrBefore: number };
}

/** When each episode was first alerted, given `alerted(set, series, bar)`. */
function timing(episodes: Episode[], alerted: (set: number, series: number, bar: number) => boolean): Timing {
  const r: Timing = { episodes: episodes.length, before: 0, atOnset: 0, atOrBefore: 0, withinOneBar: 0, up: { episodes: 0, atOrBefore: 0 }, down: { episodes: 0, atOrBefore: 0 } };
  for (const e of episodes) {
    let before = false;
    for (let b = e.onsetBar - HORIZON_BARS; b < e.onsetBar; b++) if (alerted(e.set, e.series, b)) before = true;
    const at = alerted(e.set, e.series, e.onsetBar);
    const next = alerted(e.set, e.series, e.onsetBar + 1);
    if (before) r.before++;
    if (at) r.atOnset++;
    if (before || at) r.atOrBefore++;
    if (before || at || next) r.withinOneBar++;
    const side = e.kind === 'up' ? r.up : r.down;
    side.episodes++;
    if (before || at) side.atOrBefore++;
  }
  return r;
}

function main(): void {
  const t0 = performance.now();
  const root = dataRoot();
  const sets = loadSets(root);
  const ev = evaluate(sets);
  const evalSeconds = (performance.now() - t0) / 1000;
  const all = ev.hours.map((_, i) => i);
  const isTrain = (h: Hour): boolean => h.timeMs < CUT_MS - HORIZON_BARS * HOUR_MS;
  const isTest = (h: Hour): boolean => h.timeMs >= CUT_MS;
  const train = all.filter((i) => isTrain(ev.hours[i] as Hour) && (ev.hours[i] as Hour).label >= 0);
  const testAll = all.filter((i) => isTest(ev.hours[i] as Hour));
  const test = testAll.filter((i) => (ev.hours[i] as Hour).label >= 0);

  // Walk-forward inside the training part: choose L2 by the mean validation AUC over the folds.
  const folds: { l2: number; boundary: string; auc: number }[] = [];
  let bestL2 = L2_GRID[0] as number;
  let bestAuc = Number.NEGATIVE_INFINITY;
  for (const l2 of L2_GRID) {
    let sum = 0;
    for (let f = 0; f + 1 < FOLD_BOUNDARIES_MS.length; f++) {
      const from = FOLD_BOUNDARIES_MS[f] as number;
      const to = FOLD_BOUNDARIES_MS[f + 1] as number;
      const tr = train.filter((i) => (ev.hours[i] as Hour).timeMs < from - HORIZON_BARS * HOUR_MS);
      const va = train.filter((i) => (ev.hours[i] as Hour).timeMs >= from && (ev.hours[i] as Hour).timeMs < to);
      const m = fitModel(ev, tr, l2);
      const auc = rocAuc(scoresOf(ev, m, va), va.map((i) => (ev.hours[i] as Hour).label));
      folds.push({ l2, boundary: isoMinute(from).slice(0, 10), auc: round(auc) });
      sum += auc;
    }
    const mean = sum / (FOLD_BOUNDARIES_MS.length - 1);
    if (mean > bestAuc) {
      bestAuc = mean;
      bestL2 = l2;
    }
  }
  const fittedModel = fitModel(ev, train, bestL2);
  // `--score-with default` scores the test part with the shipped DEFAULT_RADAR_MODEL instead of the fit.
  const scoreWith = argValue('score-with', 'fitted');
  const model = scoreWith === 'default' ? DEFAULT_RADAR_MODEL : fittedModel;

  const label = (i: number): number => (ev.hours[i] as Hour).label;
  const scoreAll = new Map<number, number>();
  for (const i of testAll) scoreAll.set(i, scoreRow(model, rowOf(ev, i), (ev.hours[i] as Hour).flagCount));
  const score = (i: number): number => scoreAll.get(i) as number;
  const aucOf = (ix: number[]) => ({
    hours: ix.length,
    positives: ix.filter((i) => label(i) === 1).length,
    manipScore: round(rocAuc(ix.map(score), ix.map(label))),
    modelBeforeCap: round(rocAuc(ix.map((i) => predictLogistic(model, rowOf(ev, i))), ix.map(label))),
    atrPct: round(rocAuc(ix.map((i) => (ev.hours[i] as Hour).atrPct), ix.map(label))),
    absRet24: round(rocAuc(ix.map((i) => (ev.hours[i] as Hour).absRet24), ix.map(label))),
    volumeZ: round(rocAuc(ix.map((i) => (ev.hours[i] as Hour).volumeZ), ix.map(label))),
  });
  const aucTotal = aucOf(test);
  const aucBySet = sets.map((s, si) => ({ set: s.name, ...aucOf(test.filter((i) => (ev.hours[i] as Hour).set === si)) }));

  // Alert level, and the ATR% baseline on the same number of alerts.
  const alertsIx = testAll.filter((i) => score(i) >= MANIP_ALERT_SCORE);
  const alertsLabelled = alertsIx.filter((i) => label(i) >= 0);
  const precision = alertsLabelled.filter((i) => label(i) === 1).length / Math.max(1, alertsLabelled.length);
  const budget = alertsLabelled.length;
  const byAtr = [...test].sort((a, b) => (ev.hours[b] as Hour).atrPct - (ev.hours[a] as Hour).atrPct || a - b);
  const atrPicked = byAtr.slice(0, budget);
  const atrPrecision = atrPicked.filter((i) => label(i) === 1).length / Math.max(1, atrPicked.length);
  const atrCut = budget > 0 ? (ev.hours[byAtr[budget - 1] as number] as Hour).atrPct : Number.POSITIVE_INFINITY;
  const testDays = sets.map((s, si) => {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const i of testAll) {
      const h = ev.hours[i] as Hour;
      if (h.set !== si) continue;
      if (h.timeMs < lo) lo = h.timeMs;
      if (h.timeMs > hi) hi = h.timeMs;
    }
    return hi >= lo ? (hi - lo + HOUR_MS) / DAY_MS : 0;
  });
  const perSetAlerts = sets.map((s, si) => {
    const a = alertsIx.filter((i) => (ev.hours[i] as Hour).set === si);
    const al = a.filter((i) => label(i) >= 0);
    if (!(testDays[si] as number)) return null;
    return { set: s.name, alerts: a.length, alertsPerDay: round(a.length / Math.max(1e-9, testDays[si] as number), 2), precision: round(al.filter((i) => label(i) === 1).length / Math.max(1, al.length)) };
  });

  // Episodes and when they were flagged.
  const key = (set: number, series: number, bar: number): string => `${set}:${series}:${bar}`;
  const alertSet = new Set(alertsIx.map((i) => key((ev.hours[i] as Hour).set, (ev.hours[i] as Hour).series, (ev.hours[i] as Hour).bar)));
  const atrSet = new Set(testAll.filter((i) => (ev.hours[i] as Hour).atrPct >= atrCut).map((i) => key((ev.hours[i] as Hour).set, (ev.hours[i] as Hour).series, (ev.hours[i] as Hour).bar)));
  const episodes = episodesOf(ev, sets, test);
  const radarTiming = timing(episodes, (a, b, c) => alertSet.has(key(a, b, c)));
  const atrTiming = timing(episodes, (a, b, c) => atrSet.has(key(a, b, c)));

  // Idiosyncratic collapses > 30 % within 4 bars: flagged at the close of the first bar or the next.
  const hourAt = new Map<string, number>();
  for (const i of testAll) hourAt.set(key((ev.hours[i] as Hour).set, (ev.hours[i] as Hour).series, (ev.hours[i] as Hour).bar), i);
  const collapseBit = 1 << FLAG_NAMES.indexOf('collapse');
  const collapses: { symbol: string; set: string; startMs: number; dropPct: number; alerted: boolean; collapseFlag: boolean; maxScore: number }[] = [];
  sets.forEach((set, si) => {
    const btcI = btcIndex(set);
    const btc = btcI >= 0 ? (set.series[btcI] as Series) : null;
    set.series.forEach((s, k) => {
      let lastStart = Number.NEGATIVE_INFINITY;
      for (let b = WARMUP_BARS; b < s.close.length; b++) {
        if (b - lastStart <= COLLAPSE_BARS) continue;
        const ref = s.close[b - 1] as number;
        const bRef = btc ? closeAt(btc, s.openTimeMs[b - 1] as number) : Number.NaN;
        let drop = 0;
        for (let j = b; j < b + COLLAPSE_BARS && j < s.close.length; j++) {
          const bj = btc ? closeAt(btc, s.openTimeMs[j] as number) : Number.NaN;
          const rel = (s.close[j] as number) / ref - 1 - (bRef > 0 && bj > 0 ? bj / bRef - 1 : 0);
          if (rel < drop) drop = rel;
        }
        if (drop > -COLLAPSE_MOVE) continue;
        // The start is the first bar of the fall: the bar itself must close down.
        if ((s.close[b] as number) >= ref) continue;
        lastStart = b;
        const hs = [b, b + 1].map((bar) => hourAt.get(key(si, k, bar))).filter((x): x is number => x !== undefined);
        if (hs.length === 0) continue;
        collapses.push({
          symbol: s.symbol,
          set: set.name,
          startMs: s.openTimeMs[b] as number,
          dropPct: round(drop * 100, 1),
          alerted: hs.some((i) => score(i) >= MANIP_ALERT_SCORE),
          collapseFlag: hs.some((i) => ((ev.hours[i] as Hour).flagMask & collapseBit) !== 0),
          maxScore: Math.max(...hs.map(score)),
        });
      }
    });
  });

  // False alarms: the 20 most liquid symbols of each set, and quiet hours.
  const liquid = sets.map((s) => new Set([...s.series].sort((a, b) => b.medianQuoteVolumeBar - a.medianQuoteVolumeBar).slice(0, 20).map((x) => x.symbol)));
  const liquidIx = testAll.filter((i) => (liquid[(ev.hours[i] as Hour).set] as Set<string>).has(((sets[(ev.hours[i] as Hour).set] as DataSet).series[(ev.hours[i] as Hour).series] as Series).symbol));
  const liquidRate = liquidIx.filter((i) => score(i) >= MANIP_ALERT_SCORE).length / Math.max(1, liquidIx.length);
  const quietIx = testAll.filter((i) => !(ev.hours[i] as Hour).stress && (ev.hours[i] as Hour).btcAbsRet1 <= 0.005);
  const quietRate = quietIx.filter((i) => score(i) >= MANIP_ALERT_SCORE).length / Math.max(1, quietIx.length);
  const atrLiquidRate = liquidIx.filter((i) => (ev.hours[i] as Hour).atrPct >= atrCut).length / Math.max(1, liquidIx.length);
  const atrQuietRate = quietIx.filter((i) => (ev.hours[i] as Hour).atrPct >= atrCut).length / Math.max(1, quietIx.length);

  // The 2025-10-10 liquidation bars.
  const crashSet = sets.findIndex((s) => s.name === 'binance-usdm-2025-10');
  const crashMs = Date.UTC(2025, 9, 10, 21);
  const crash = [crashMs - HOUR_MS, crashMs, crashMs + HOUR_MS].map((t) => {
    const ix = testAll.filter((i) => (ev.hours[i] as Hour).set === crashSet && (ev.hours[i] as Hour).timeMs === t);
    const alerted = ix.filter((i) => score(i) >= MANIP_ALERT_SCORE);
    return {
      barOpen: isoMinute(t),
      symbols: ix.length,
      alerted: alerted.length,
      share: round(alerted.length / Math.max(1, ix.length)),
      flaggedAny: ix.filter((i) => (ev.hours[i] as Hour).flagCount > 0).length,
      marketStress: ev.stressBars.some((b) => b.set === 'binance-usdm-2025-10' && b.barOpenTimeMs === t),
      atrBaselineShare: round(ix.filter((i) => (ev.hours[i] as Hour).atrPct >= atrCut).length / Math.max(1, ix.length)),
    };
  });

  // Named run-ups.
  const named = ['MYXUSDT', 'COAIUSDT', 'AIAUSDT', 'BLESSUSDT'].map((sym) => {
    const si = sets.findIndex((s) => s.name === 'binance-usdm-2025-09-2026-03');
    const k = si >= 0 ? (sets[si] as DataSet).series.findIndex((s) => s.symbol === sym) : -1;
    const ix = testAll.filter((i) => (ev.hours[i] as Hour).set === si && (ev.hours[i] as Hour).series === k);
    const eps = episodes.filter((e) => e.set === si && e.series === k);
    const first = ix.find((i) => score(i) >= MANIP_ALERT_SCORE);
    return {
      symbol: sym,
      hours: ix.length,
      alertHours: ix.filter((i) => score(i) >= MANIP_ALERT_SCORE).length,
      firstAlert: first === undefined ? null : isoMinute((ev.hours[first] as Hour).timeMs),
      episodes: eps.length,
      episodesAtOrBeforeOnset: timing(eps, (a, b, c) => alertSet.has(key(a, b, c))).atOrBefore,
    };
  });

  const flagRates = FLAG_NAMES.map((f, j) => ({ flag: f, testHours: testAll.filter((i) => ((ev.hours[i] as Hour).flagMask & (1 << j)) !== 0).length }));
  const totalSeconds = (performance.now() - t0) / 1000;
  const report = {
    generatedBy: 'scripts/eval-manipulation-v2.ts',
    data: sets.map((s, si) => ({ set: s.name, symbols: s.series.length, testDays: round(testDays[si] as number, 1) })),
    split: { trainBefore: isoMinute(CUT_MS - HORIZON_BARS * HOUR_MS), testFrom: isoMinute(CUT_MS), trainHours: train.length, trainPositives: train.filter((i) => label(i) === 1).length, testHours: test.length, testPositives: aucTotal.positives },
    walkForward: { folds, chosenL2: bestL2 },
    scoredWith: scoreWith === 'default' ? 'DEFAULT_RADAR_MODEL' : 'the fitted model',
    fittedModel,
    auc: { total: aucTotal, bySet: aucBySet },
    alerts: {
      level: MANIP_ALERT_SCORE,
      count: alertsIx.length,
      labelled: budget,
      precision: round(precision),
      alertsPerDay: perSetAlerts,
      atrBaseline: { atrPctCut: round(atrCut, 3), precision: round(atrPrecision) },
    },
    episodes: { count: episodes.length, radar: radarTiming, atrBaseline: atrTiming },
    collapses: { count: collapses.length, alertedWithinOneBar: collapses.filter((c) => c.alerted).length, collapseFlagWithinOneBar: collapses.filter((c) => c.collapseFlag).length, list: collapses },
    falseAlarms: { liquid20Hours: liquidIx.length, liquid20Rate: round(liquidRate, 5), quietHours: quietIx.length, quietRate: round(quietRate, 5), atrBaseline: { liquid20Rate: round(atrLiquidRate, 5), quietRate: round(atrQuietRate, 5) } },
    crash,
    marketStressBars: ev.stressBars.map((b) => ({ ...b, barOpen: isoMinute(b.barOpenTimeMs) })),
    named,
    flagRates,
    runtime: { evaluatedHours: ev.hours.length, radarSeconds: round(evalSeconds, 1), totalSeconds: round(totalSeconds, 1) },
  };
  const jsonOut = argValue('json', '/tmp/perpscope-eval-manipulation-v2.json');
  writeFileSync(jsonOut, `${JSON.stringify(report, null, 1)}\n`);
  if (process.argv.includes('--write-model')) {
    const path = join(import.meta.dirname, '..', 'sdk', 'src', 'manipulation', 'fittedModel.ts');
    const arr = (xs: number[]): string => `[${xs.map((x) => String(round(x, 6))).join(', ')}]`;
    writeFileSync(
      path,
      `import type { LogisticModel } from './logistic.js';\n\n/**\n * Written by \`scripts/eval-manipulation-v2.ts --write-model\`; do not edit by hand. Fitted on\n * ${report.split.trainHours} labelled hours of ../shared/data before ${report.split.trainBefore} UTC\n * (L2 ${bestL2}, chosen by monthly walk-forward).\n */\nexport const FITTED_RADAR_MODEL: LogisticModel = {\n  features: [${fittedModel.features.map((f) => `'${f}'`).join(', ')}],\n  mean: ${arr(fittedModel.mean)},\n  std: ${arr(fittedModel.std)},\n  intercept: ${round(fittedModel.intercept, 6)},\n  coef: ${arr(fittedModel.coef)},\n};\n`,
    );
  }

  const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
  const p = (n: number, d: number): string => pct(n / Math.max(1, d));
  console.log(`# Manipulation radar v2 evaluation`);
  console.log(`\n${ev.hours.length} symbol-hours evaluated in ${evalSeconds.toFixed(0)} s; train ${train.length} labelled hours (${report.split.trainPositives} positive) before ${report.split.trainBefore}; test ${test.length} labelled hours (${aucTotal.positives} positive) from ${report.split.testFrom}. Walk-forward L2 ${bestL2}. Test scored with ${report.scoredWith}.`);
  console.log(`\n## Out-of-sample ROC AUC (symbol-hours)\n\n| data | hours | positives | manipScore | model before the flag cap | ATR% | abs 24h return | volume z |\n|---|---|---|---|---|---|---|---|`);
  for (const r of [...aucBySet.filter((x) => x.hours > 0), { set: 'all test', ...aucTotal }]) console.log(`| ${r.set} | ${r.hours} | ${r.positives} | ${f3(r.manipScore)} | ${f3(r.modelBeforeCap)} | ${f3(r.atrPct)} | ${f3(r.absRet24)} | ${f3(r.volumeZ)} |`);
  console.log(`\n## At the alert level (manipScore >= ${MANIP_ALERT_SCORE})\n`);
  console.log(`- alerts: ${alertsIx.length}; precision (extreme move within 24h): ${pct(precision)}; ATR% baseline on the same ${budget} alerts (ATR% >= ${atrCut.toFixed(2)}): ${pct(atrPrecision)}`);
  for (const a of perSetAlerts) if (a) console.log(`- ${a.set}: ${a.alerts} alerts, ${a.alertsPerDay} per day, precision ${pct(a.precision)}`);
  console.log(`\n| episodes (${episodes.length}) | radar | ATR% baseline |\n|---|---|---|`);
  console.log(`| alerted in the 24 bars before the onset | ${p(radarTiming.before, radarTiming.episodes)} | ${p(atrTiming.before, atrTiming.episodes)} |`);
  console.log(`| alerted at the onset bar | ${p(radarTiming.atOnset, radarTiming.episodes)} | ${p(atrTiming.atOnset, atrTiming.episodes)} |`);
  console.log(`| at or before the onset | ${p(radarTiming.atOrBefore, radarTiming.episodes)} | ${p(atrTiming.atOrBefore, atrTiming.episodes)} |`);
  console.log(`| within 1 bar of the onset | ${p(radarTiming.withinOneBar, radarTiming.episodes)} | ${p(atrTiming.withinOneBar, atrTiming.episodes)} |`);
  console.log(`| pumps at or before the onset | ${p(radarTiming.up.atOrBefore, radarTiming.up.episodes)} of ${radarTiming.up.episodes} | ${p(atrTiming.up.atOrBefore, atrTiming.up.episodes)} |`);
  console.log(`| falls at or before the onset | ${p(radarTiming.down.atOrBefore, radarTiming.down.episodes)} of ${radarTiming.down.episodes} | ${p(atrTiming.down.atOrBefore, atrTiming.down.episodes)} |`);
  console.log(`\n## Collapses > 30 % relative to BTC within 4 bars: ${collapses.length}; alerted within one bar ${collapses.filter((c) => c.alerted).length}; collapse flag within one bar ${collapses.filter((c) => c.collapseFlag).length}`);
  for (const c of collapses) console.log(`- ${c.set} ${c.symbol} ${isoMinute(c.startMs)} ${c.dropPct}%: max score ${c.maxScore}${c.collapseFlag ? ', collapse flag' : ''}`);
  console.log(`\n## False alarms at >= ${MANIP_ALERT_SCORE}\n`);
  console.log(`- 20 most liquid symbols per set: ${pct(liquidRate, 2)} of ${liquidIx.length} hours (ATR% baseline ${pct(atrLiquidRate, 2)})`);
  console.log(`- quiet hours (no market stress, BTC |1h return| <= 0.5 %): ${pct(quietRate, 2)} of ${quietIx.length} symbol-hours (ATR% baseline ${pct(atrQuietRate, 2)})`);
  console.log(`\n## 2025-10-10 liquidation (binance-usdm-2025-10)\n\n| bar | symbols | at alert level | any flag | market_stress | ATR% baseline |\n|---|---|---|---|---|---|`);
  for (const c of crash) console.log(`| ${c.barOpen} | ${c.symbols} | ${c.alerted} (${pct(c.share)}) | ${c.flaggedAny} | ${c.marketStress ? 'yes' : 'no'} | ${pct(c.atrBaselineShare)} |`);
  console.log(`\nmarket_stress bars: ${report.marketStressBars.map((b) => `${b.set} ${b.barOpen} ${b.direction} ${b.share}`).join('; ') || 'none'}`);
  console.log(`\n## Named run-ups (binance-usdm-2025-09-2026-03)`);
  for (const n of named) console.log(`- ${n.symbol}: ${n.alertHours} alert hours of ${n.hours}; first alert ${n.firstAlert ?? 'never'}; ${n.episodesAtOrBeforeOnset} of ${n.episodes} episodes alerted at or before the onset`);
  console.log(`\nflag hours in test: ${flagRates.map((f) => `${f.flag} ${f.testHours}`).join(', ')}`);
  console.log(`\nJSON written to ${jsonOut}; ${totalSeconds.toFixed(0)} s in all.`);
}

main();
