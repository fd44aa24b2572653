/**
 * Evaluates the logistic layer on the labeled pump-and-dump feature sets in
 * `<data>/pump-and-dump/`, with a time-ordered split (see fit-manipulation.ts), and says what the
 * other sets there can and cannot support.
 *
 *   npx tsx scripts/eval-manipulation-pumpdump.ts --data ../shared/data
 */
import { join } from 'node:path';
import { rocAuc } from '../sdk/src/manipulation/index.js';
import { dataRoot, readCsv } from './eval-manipulation-common.js';
import { fitAndEvaluate, loadGo3x3, printReport, timeOrderedSplit } from './fit-manipulation.js';

function main(): void {
  const root = dataRoot();
  for (const label of ['flag1', 'flag2'] as const) {
    const set = loadGo3x3(root, label);
    const report = fitAndEvaluate(set);
    printReport(`Go3x3 60 s features, label ${label}: logistic layer, time-ordered 70/30 split by pump`, report);
    // Single-feature reference on the same test rows: the 5-minute change of log average volume.
    const { test } = timeOrderedSplit(set);
    const j = set.features.indexOf('d_log_avg_volume');
    const auc = rocAuc(test.map((i) => (set.rows[i] as number[])[j] as number), test.map((i) => set.labels[i] as number));
    console.log(`reference: d_log_avg_volume alone, test ROC-AUC ${auc.toFixed(3)}\n`);
  }
  for (const w of ['5S', '15S', '25S']) {
    const { rows, header } = readCsv(join(root, 'pump-and-dump', 'xfunture_pump_and_dump_fork', 'labeled_features', `label_${w}.csv`));
    const gt = header.indexOf('gt');
    const positives = rows.filter((r) => Number(r[gt]) > 0).length;
    console.log(`La Morgia labeled features ${w}: ${rows.length} rows, ${positives} positive, ${rows.length - positives} negative -> ${rows.length === positives ? 'only the pump rows are stored; no negatives, so no classifier can be scored on it' : 'usable'}`);
  }
  const tg = readCsv(join(root, 'pump-and-dump', 'lamorgia_pump_and_dump', 'pump_telegram.csv'));
  const byExchange = new Map<string, number>();
  for (const r of tg.rows) byExchange.set(r[4] ?? '', (byExchange.get(r[4] ?? '') ?? 0) + 1);
  console.log(`La Morgia Telegram pump list: ${tg.rows.length} events by exchange ${JSON.stringify(Object.fromEntries(byExchange))} (event list only, no market features)`);
}

main();
