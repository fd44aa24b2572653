/**
 * Scores the radar against SimExchange's injected pump-and-dump and spoofing episodes: a seeded
 * generator run of `--symbols` (200) symbols over 3 simulated days (2 days before the sim start,
 * where the generator places its history episodes, and 1 after). Detection definition in
 * sdk/test/manipulation/simHarness.ts. Prints recall and precision at several manipScore
 * thresholds and the false alarms by flag.
 *
 * `--rows FILE` also writes one labeled radar feature row per evaluation (label 1 inside
 * [startMs, endMs + 2h) of an episode on the symbol; rows with no flag are kept 1 in 25 with
 * weight 25) for `fit-manipulation.ts --dataset radar`; `--model FILE` scores a refitted model.
 *
 *   npx tsx scripts/eval-manipulation-sim.ts [--seed 1] [--symbols 200] [--rows FILE] [--model FILE]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { RADAR_FEATURES, parseRadarModel, radarFeatureRow } from '../sdk/src/manipulation/index.js';
import { createMarketGenerator } from '../sdk/src/sim/index.js';
import { evaluateRadarOnGenerator } from '../sdk/test/manipulation/simHarness.js';
import { argValue, isoMinute, pct } from './eval-manipulation-common.js';

const DAY_MS = 86_400_000;
const seed = Number(argValue('seed', '1'));
const symbols = Number(argValue('symbols', '200'));
const startTimeMs = Date.UTC(2026, 0, 10);
const t0 = performance.now();
const gen = createMarketGenerator({ seed, symbols, startTimeMs });
const fromMs = startTimeMs - 2 * DAY_MS;
const toMs = startTimeMs + DAY_MS;
const rowsPath = argValue('rows', '');
const modelPath = argValue('model', '');
const episodesAll = gen.groundTruth().filter((e) => e.kind !== 'delisting');
const lines: string[] = [['symbol', 'timeMs', ...RADAR_FEATURES, 'label', 'weight'].join(',')];
let seen = 0;
const r = evaluateRadarOnGenerator(gen, {
  fromMs,
  toMs,
  minScore: 0,
  ...(modelPath ? { radar: { model: parseRadarModel(JSON.parse(readFileSync(modelPath, 'utf8'))) } } : {}),
  ...(rowsPath
    ? {
        onEvaluation: (symbol, nowMs, a) => {
          const flagged = a.manip.flags.length > 0;
          if (!flagged && seen++ % 25 !== 0) return;
          const label = episodesAll.some((e) => e.symbol === symbol && nowMs >= e.startMs && nowMs < e.endMs + 2 * 3_600_000) ? 1 : 0;
          lines.push([symbol, nowMs, ...radarFeatureRow(a.manip.flags, a.candle).map((x) => x.toFixed(5)), label, flagged ? 1 : 25].join(','));
        },
      }
    : {}),
});
if (rowsPath) writeFileSync(rowsPath, `${lines.join('\n')}\n`);
console.log(`seed ${seed}, ${symbols} symbols, ${isoMinute(fromMs)} .. ${isoMinute(toMs)} UTC, ${r.evaluations} radar evaluations in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
for (const e of r.episodes) console.log(`- ${e.kind} ${e.symbol} ${isoMinute(e.startMs)}..${isoMinute(e.endMs)}: ${e.detected ? `detected by ${e.flags.join(', ')}` : 'MISSED'}`);
const graceMs = 2 * 3_600_000;
for (const minScore of [0, 50, 80, 90]) {
  const ws = r.windows.filter((w) => w.maxScore >= minScore);
  const isTrue = (w: (typeof ws)[number]) => r.episodes.some((e) => e.symbol === w.symbol && w.windowStartMs < e.endMs + graceMs && w.windowStartMs + 3_600_000 > e.startMs);
  const detected = r.episodes.filter((e) => ws.some((w) => w.symbol === e.symbol && w.windowStartMs < e.endMs && w.windowStartMs + 3_600_000 > e.startMs)).length;
  const falses = ws.filter((w) => !isTrue(w));
  const byFlag: Record<string, number> = {};
  for (const w of falses) for (const f of w.flags) byFlag[f] = (byFlag[f] ?? 0) + 1;
  console.log(`manipScore >= ${minScore}: recall ${detected}/${r.episodes.length} (${pct(detected / r.episodes.length)}), precision ${ws.length - falses.length}/${ws.length} (${pct((ws.length - falses.length) / Math.max(1, ws.length))}); false windows by flag ${JSON.stringify(byFlag)}`);
}
