/**
 * Fits a logistic layer with a time-ordered train/test split and reports precision, recall,
 * F1 and ROC-AUC on the held-out (later) part. Plain gradient descent with L2
 * (`fitLogistic` in sdk/src/manipulation/logistic.ts); weights are written as JSON data.
 *
 * Datasets:
 * - `go3x3`: Go3x3 features_60S_flag{1,2}.csv (La Morgia et al. features on 60 s chunks of
 *   Binance pumps 2021-2022). `--label flag1` (default) marks the announced minute; `flag2` marks
 *   minutes whose BTC volume exceeds mean + 3 std of that pump's minutes.
 * - `radar`: a CSV with `timeMs`, the radar features (RADAR_FEATURES) and `label`, e.g. written
 *   by `eval-manipulation-sim.ts --rows FILE`; the output is a drop-in radar model.
 *
 *   npx tsx scripts/fit-manipulation.ts --dataset go3x3 [--label flag1] [--data DIR] [--out model.json]
 *   npx tsx scripts/fit-manipulation.ts --dataset radar --in a.csv,b.csv [--out radar-model.json]
 *
 * For `radar`, the split is by evaluation time over the concatenated files; the refitted model
 * is then scored at window level on a held-out seed with `eval-manipulation-sim.ts --model`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RADAR_FEATURES, binaryMetrics, fitLogistic, predictLogistic, rocAuc, type BinaryMetrics, type LogisticModel } from '../sdk/src/manipulation/index.js';
import { argValue, dataRoot, readCsv, utcMs } from './eval-manipulation-common.js';

export interface LabeledSet {
  features: string[];
  rows: number[][];
  labels: number[];
  /** Event time of each row, for the split. */
  timeMs: number[];
  /** Rows sharing a group (one pump) stay on the same side of the split. */
  group: string[];
  /** Per-row weights (inverse sampling rate), when the file has a `weight` column. */
  weights?: number[];
}

/**
 * Go3x3 / La Morgia features made scale-free: counts and volumes through log1p (heavy tails),
 * price dispersion and the max-price excursion relative to the average price (coins' prices in
 * BTC differ by orders of magnitude, so raw price levels would only identify the coin). Each is
 * also taken as its change over the previous `CHANGE_ROWS` minutes of the same pump (0 when there
 * is no earlier row): the moving-window features are smooth, and a pump shows as a jump.
 */
const LEVEL_FEATURES = ['log_std_rush', 'log_avg_rush', 'log_std_trades', 'log_std_volume', 'log_avg_volume', 'rel_std_price', 'rel_price_max'];
export const GO3X3_FEATURES = [...LEVEL_FEATURES, ...LEVEL_FEATURES.map((f) => `d_${f}`)];
const CHANGE_ROWS = 5;

export function loadGo3x3(root: string, label: 'flag1' | 'flag2'): LabeledSet {
  const { header, rows } = readCsv(join(root, 'pump-and-dump', 'go3x3_pump_and_dump', `features_60S_${label}.csv`));
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`column ${name} missing from Go3x3 ${label} file`);
    return i;
  };
  const c = {
    date: col('date'),
    pump: col('pump_index'),
    stdOrder: col('std_order'),
    avgOrder: col('avg_order'),
    stdTrades: col('std_trades'),
    stdVolume: col('std_volume'),
    avgVolume: col('avg_volume'),
    stdPrice: col('std_price'),
    avgPrice: col('avg_price'),
    avgPriceMax: col('avg_price_max'),
    gt: col('gt'),
  };
  const set: LabeledSet = { features: GO3X3_FEATURES, rows: [], labels: [], timeMs: [], group: [] };
  const history = new Map<string, number[][]>();
  const ordered = [...rows].sort((a, b) => utcMs(a[c.date] as string) - utcMs(b[c.date] as string));
  for (const r of ordered) {
    const v = (i: number): number => Number(r[i]);
    const avgPrice = v(c.avgPrice);
    if (!(avgPrice > 0)) continue;
    const level = [
      Math.log1p(Math.max(0, v(c.stdOrder))),
      Math.log1p(Math.max(0, v(c.avgOrder))),
      Math.log1p(Math.max(0, v(c.stdTrades))),
      Math.log1p(Math.max(0, v(c.stdVolume))),
      Math.log1p(Math.max(0, v(c.avgVolume))),
      v(c.stdPrice) / avgPrice,
      v(c.avgPriceMax) / avgPrice - 1,
    ];
    const pump = r[c.pump] as string;
    const past = history.get(pump) ?? [];
    const before = past[past.length - CHANGE_ROWS] ?? past[0];
    set.rows.push([...level, ...level.map((x, j) => (before ? x - (before[j] as number) : 0))]);
    past.push(level);
    history.set(pump, past);
    set.labels.push(v(c.gt) > 0 ? 1 : 0);
    set.timeMs.push(utcMs(r[c.date] as string));
    set.group.push(r[c.pump] as string);
  }
  return set;
}

export function loadRadarRows(path: string): LabeledSet {
  const { header, rows } = readCsv(path);
  const idx = RADAR_FEATURES.map((f) => header.indexOf(f));
  const t = header.indexOf('timeMs');
  const y = header.indexOf('label');
  const g = header.indexOf('symbol');
  const wcol = header.indexOf('weight');
  if (idx.some((i) => i < 0) || t < 0 || y < 0) throw new Error(`${path} needs columns timeMs, label and ${RADAR_FEATURES.join(', ')}`);
  return {
    features: [...RADAR_FEATURES],
    rows: rows.map((r) => idx.map((i) => Number(r[i]))),
    labels: rows.map((r) => (Number(r[y]) > 0 ? 1 : 0)),
    timeMs: rows.map((r) => Number(r[t])),
    group: rows.map((r, k) => (g >= 0 ? `${r[g]}@${r[t]}` : String(k))),
    ...(wcol >= 0 ? { weights: rows.map((r) => Number(r[wcol])) } : {}),
  };
}

/** Concatenates sets with the same features (e.g. rows from several sim seeds). */
export function concatSets(sets: LabeledSet[]): LabeledSet {
  const first = sets[0] as LabeledSet;
  return {
    features: first.features,
    rows: sets.flatMap((s) => s.rows),
    labels: sets.flatMap((s) => s.labels),
    timeMs: sets.flatMap((s) => s.timeMs),
    group: sets.flatMap((s, k) => s.group.map((g) => `${k}:${g}`)),
    ...(sets.every((s) => s.weights) ? { weights: sets.flatMap((s) => s.weights as number[]) } : {}),
  };
}

/**
 * Splits by time: groups are ordered by their first row's time and the earliest `trainShare` of
 * groups train, the rest test, so the model never sees the future it is scored on.
 */
export function timeOrderedSplit(set: LabeledSet, trainShare = 0.7): { train: number[]; test: number[]; cutMs: number } {
  const first = new Map<string, number>();
  set.group.forEach((g, i) => first.set(g, Math.min(first.get(g) ?? Number.POSITIVE_INFINITY, set.timeMs[i] as number)));
  const groups = [...first.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const cut = Math.floor(groups.length * trainShare);
  const trainGroups = new Set(groups.slice(0, cut).map(([g]) => g));
  const cutMs = groups[cut]?.[1] ?? Number.POSITIVE_INFINITY;
  const train: number[] = [];
  const test: number[] = [];
  set.group.forEach((g, i) => (trainGroups.has(g) ? train : test).push(i));
  return { train, test, cutMs };
}

export interface FitReport {
  model: LogisticModel;
  trainRows: number;
  testRows: number;
  trainPositives: number;
  testPositives: number;
  cutMs: number;
  threshold: number;
  test: BinaryMetrics;
  testAuc: number;
  trainAuc: number;
}

/** Fits on the earlier part, picks the F1-best threshold on the training rows, scores the later part. */
export function fitAndEvaluate(set: LabeledSet, options: { l2?: number; iterations?: number; trainShare?: number } = {}): FitReport {
  const { train, test, cutMs } = timeOrderedSplit(set, options.trainShare);
  const pick = (ix: number[]) => ({ rows: ix.map((i) => set.rows[i] as number[]), labels: ix.map((i) => set.labels[i] as number) });
  const tr = pick(train);
  const te = pick(test);
  const model = fitLogistic(set.features, tr.rows, tr.labels, {
    l2: options.l2 ?? 0.01,
    iterations: options.iterations ?? 3000,
    learningRate: 0.5,
    positiveWeight: 'balanced',
    ...(set.weights ? { rowWeights: train.map((i) => (set.weights as number[])[i] as number) } : {}),
  });
  const trScores = tr.rows.map((r) => predictLogistic(model, r));
  const teScores = te.rows.map((r) => predictLogistic(model, r));
  let best = binaryMetrics(trScores, tr.labels, 0.5);
  for (let k = 1; k < 100; k++) {
    const m = binaryMetrics(trScores, tr.labels, k / 100);
    if (m.f1 > best.f1) best = m;
  }
  return {
    model,
    trainRows: train.length,
    testRows: test.length,
    trainPositives: tr.labels.filter((y) => y > 0).length,
    testPositives: te.labels.filter((y) => y > 0).length,
    cutMs,
    threshold: best.threshold,
    test: binaryMetrics(teScores, te.labels, best.threshold),
    testAuc: rocAuc(teScores, te.labels),
    trainAuc: rocAuc(trScores, tr.labels),
  };
}

export function printReport(title: string, r: FitReport): void {
  const f = (x: number): string => x.toFixed(3);
  console.log(`## ${title}`);
  console.log(`train ${r.trainRows} rows (${r.trainPositives} positive) before ${new Date(r.cutMs).toISOString().slice(0, 10)}; test ${r.testRows} rows (${r.testPositives} positive) from then on`);
  console.log(`threshold (F1-best on train) ${r.threshold.toFixed(2)}; test precision ${f(r.test.precision)} recall ${f(r.test.recall)} F1 ${f(r.test.f1)} (tp ${r.test.tp}, fp ${r.test.fp}, fn ${r.test.fn}, tn ${r.test.tn}); ROC-AUC test ${f(r.testAuc)} (train ${f(r.trainAuc)})`);
  console.log(`coefficients (standardised): ${r.model.features.map((n, i) => `${n} ${(r.model.coef[i] as number).toFixed(2)}`).join(', ')}; intercept ${r.model.intercept.toFixed(2)}`);
}

function main(): void {
  const dataset = argValue('dataset', 'go3x3');
  const out = argValue('out', '');
  let set: LabeledSet;
  if (dataset === 'go3x3') {
    const label = argValue('label', 'flag1');
    if (label !== 'flag1' && label !== 'flag2') throw new Error(`--label must be flag1 or flag2, got ${label}`);
    set = loadGo3x3(dataRoot(), label);
  } else if (dataset === 'radar') {
    set = concatSets(argValue('in', '').split(',').filter(Boolean).map(loadRadarRows));
  } else {
    throw new Error(`--dataset must be go3x3 or radar, got ${dataset}`);
  }
  const report = fitAndEvaluate(set);
  printReport(`${dataset} logistic layer, time-ordered 70/30 split`, report);
  if (out) {
    writeFileSync(out, `${JSON.stringify(report.model, null, 2)}\n`);
    console.log(`weights written to ${out}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
