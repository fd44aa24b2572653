import { createMarketGenerator } from '/work/main/sdk/src/sim/generator.js';
import { evaluateRadarOnGenerator } from '/work/main/sdk/test/manipulation/simHarness.js';
const start = Date.UTC(2026, 0, 10);
const t0 = performance.now();
const gen = createMarketGenerator({ seed: Number(process.argv[2] ?? 1), symbols: Number(process.argv[3] ?? 200), startTimeMs: start });
const r = evaluateRadarOnGenerator(gen, { fromMs: start - 2 * 86_400_000, toMs: start + 86_400_000 });
console.log('ms', Math.round(performance.now() - t0), 'evals', r.evaluations);
console.log(JSON.stringify(r.episodes.map(e=>({k:e.kind,s:e.symbol,st:new Date(e.startMs).toISOString(),d:e.detected,f:e.flags}))));
console.log('flagged', r.flaggedWindows, 'true', r.trueWindows, 'precision', r.precision, 'recall', r.recall);
const byFlag: Record<string, number> = {};
for (const w of r.falseWindows) for (const f of w.flags) byFlag[f] = (byFlag[f] ?? 0) + 1;
console.log('false by flag', byFlag);
import { scoreManipulation } from '../../src/manipulation/index.js';
const vac = r.falseWindows.filter((w) => w.flags.includes('liquidity_vacuum')).slice(0, 3);
const ex = r.falseWindows.filter((w) => w.flags.includes('exhausted_spike')).slice(0, 3);
console.log(JSON.stringify(vac), JSON.stringify(ex));
const m = gen.markets().find((x) => x.symbol === vac[0]?.symbol);
if (m && vac[0]) { const b = gen.orderBook(m.symbol, vac[0].windowStartMs + 1800_000, 20); console.log(JSON.stringify(b).slice(0, 600), gen.stats24h(m.symbol, vac[0].windowStartMs)); }
void scoreManipulation;
