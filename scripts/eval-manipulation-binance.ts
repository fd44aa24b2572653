/**
 * Runs the manipulation radar bar by bar over the real Binance USDT-M 1h cross-section of
 * 2025-10 (521 symbols) and reports what it flags, when and with what evidence, plus the flag
 * rate on the 40 most liquid symbols.
 *
 * No look-ahead: at bar t the radar sees bars 0..t only (closed), with nowMs = close of bar t.
 * Candle-only inputs (no book, funding or OI in this set). A symbol whose first bar is later
 * than the set's first bar was listed inside the window; that first bar is its listing time.
 *
 *   npx tsx scripts/eval-manipulation-binance.ts --data ../shared/data [--json out.json]
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIP_ALERT_SCORE, ManipulationRadar, type FlagName, type ManipFlag, type MarketSnapshot } from '../sdk/src/manipulation/index.js';
import { argValue, dataRoot, isoMinute, pct, readCsv, utcMs } from './eval-manipulation-common.js';

const HOUR_MS = 3_600_000;
const WARMUP_BARS = 61;

interface Series {
  symbol: string;
  openTimeMs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  medianQuoteVolumeDay: number;
}

function load(dir: string): Series[] {
  const out: Series[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('_1h.csv')).sort()) {
    const { rows } = readCsv(join(dir, file));
    rows.pop(); // the last row is an unfinished candle
    const n = rows.length;
    const s: Series = {
      symbol: file.replace('_1h.csv', ''),
      openTimeMs: new Float64Array(n),
      open: new Float64Array(n),
      high: new Float64Array(n),
      low: new Float64Array(n),
      close: new Float64Array(n),
      volume: new Float64Array(n),
      medianQuoteVolumeDay: 0,
    };
    rows.forEach((r, i) => {
      s.openTimeMs[i] = utcMs(r[0] as string);
      s.open[i] = Number(r[1]);
      s.high[i] = Number(r[2]);
      s.low[i] = Number(r[3]);
      s.close[i] = Number(r[4]);
      s.volume[i] = Number(r[5]);
    });
    const qv = Array.from(s.close, (c, i) => c * (s.volume[i] as number)).sort((a, b) => a - b);
    s.medianQuoteVolumeDay = (qv[qv.length >> 1] ?? 0) * 24;
    out.push(s);
  }
  return out;
}

interface Firing {
  symbol: string;
  flag: FlagName;
  startMs: number;
  endMs: number;
  bars: number;
  maxSeverity: number;
  maxManipScore: number;
  evidence: ManipFlag['evidence'];
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

function main(): void {
  const dir = join(dataRoot(), 'binance-usdm-2025-10');
  const series = load(dir);
  const firstMs = Math.min(...series.map((s) => s.openTimeMs[0] as number));
  const radar = new ManipulationRadar();
  const firings: Firing[] = [];
  const top40 = new Set([...series].sort((a, b) => b.medianQuoteVolumeDay - a.medianQuoteVolumeDay).slice(0, 40).map((s) => s.symbol));
  const barsBySymbol = new Map<string, { bars: number; flagged: number; flaggedNoListing: number; score50: number; alerts: number; flaggedByName: Map<string, number> }>();
  const flaggedAt = new Map<number, Set<string>>();
  const t0 = performance.now();
  let evaluations = 0;
  for (const s of series) {
    const listedAtMs = (s.openTimeMs[0] as number) > firstMs + HOUR_MS ? (s.openTimeMs[0] as number) : undefined;
    const open = new Map<FlagName, Firing>();
    const stats = { bars: 0, flagged: 0, flaggedNoListing: 0, score50: 0, alerts: 0, flaggedByName: new Map<string, number>() };
    for (let end = Math.min(WARMUP_BARS, s.close.length); end <= s.close.length; end++) {
      const barOpen = s.openTimeMs[end - 1] as number;
      const snapshot: MarketSnapshot = {
        symbol: s.symbol,
        nowMs: barOpen + HOUR_MS,
        barMs: HOUR_MS,
        candles: view(s, end),
        ...(listedAtMs === undefined ? {} : { market: { takerFeeRate: 0.0005, makerFeeRate: 0.0002, listedAtMs } }),
      };
      const { manip } = radar.analyze(snapshot);
      evaluations++;
      stats.bars++;
      if (manip.flags.length > 0) {
        stats.flagged++;
        let set = flaggedAt.get(barOpen);
        if (!set) flaggedAt.set(barOpen, (set = new Set()));
        set.add(s.symbol);
      }
      if (manip.flags.some((f) => f.name !== 'fresh_listing')) stats.flaggedNoListing++;
      if (manip.manipScore >= 50) stats.score50++;
      if (manip.manipScore >= MANIP_ALERT_SCORE) stats.alerts++;
      const fired = new Set<FlagName>();
      for (const f of manip.flags) {
        fired.add(f.name);
        stats.flaggedByName.set(f.name, (stats.flaggedByName.get(f.name) ?? 0) + 1);
        const cur = open.get(f.name);
        if (cur && cur.endMs === barOpen - HOUR_MS) {
          cur.endMs = barOpen;
          cur.bars++;
          if (f.severity > cur.maxSeverity) cur.maxSeverity = f.severity;
          if (manip.manipScore > cur.maxManipScore) cur.maxManipScore = manip.manipScore;
        } else {
          const firing: Firing = { symbol: s.symbol, flag: f.name, startMs: barOpen, endMs: barOpen, bars: 1, maxSeverity: f.severity, maxManipScore: manip.manipScore, evidence: f.evidence };
          open.set(f.name, firing);
          firings.push(firing);
        }
      }
      for (const name of [...open.keys()]) if (!fired.has(name)) open.delete(name);
    }
    barsBySymbol.set(s.symbol, stats);
  }
  const elapsedMs = performance.now() - t0;

  const byFlag = new Map<string, number>();
  for (const f of firings) byFlag.set(f.flag, (byFlag.get(f.flag) ?? 0) + 1);
  const symbolsFlagged = new Set(firings.filter((f) => f.flag !== 'fresh_listing').map((f) => f.symbol));

  console.log(`# Radar over binance-usdm-2025-10 1h: ${series.length} symbols, ${evaluations} bar evaluations in ${(elapsedMs / 1000).toFixed(1)} s (${((elapsedMs * 1000) / evaluations).toFixed(1)} us each)`);
  console.log(`window ${isoMinute(firstMs)} .. ${isoMinute(Math.max(...series.map((s) => s.openTimeMs[s.openTimeMs.length - 1] as number)))} UTC`);
  console.log(`\n## Firings (a run of consecutive bars with the flag) by flag`);
  for (const [k, v] of [...byFlag].sort((a, b) => b[1] - a[1])) console.log(`- ${k}: ${v}`);
  console.log(`symbols with at least one non-listing flag: ${symbolsFlagged.size} of ${series.length}`);

  const known = ['MYXUSDT', 'COAIUSDT', 'AIAUSDT', 'BLESSUSDT'];
  console.log(`\n## Known run-ups`);
  for (const sym of known) {
    const fs = firings.filter((f) => f.symbol === sym);
    console.log(`\n### ${sym}: ${fs.length} firings`);
    for (const f of fs) {
      console.log(`- ${isoMinute(f.startMs)}${f.bars > 1 ? ` .. ${isoMinute(f.endMs)}` : ''} ${f.flag} (${f.bars} bar${f.bars > 1 ? 's' : ''}, max manipScore ${f.maxManipScore}) ${JSON.stringify(f.evidence)}`);
    }
  }

  const crashMs = Date.UTC(2025, 9, 10, 21);
  console.log(`\n## 2025-10-10 crash: bars 20:00..23:00 UTC`);
  for (let t = crashMs - HOUR_MS; t <= crashMs + 2 * HOUR_MS; t += HOUR_MS) {
    const set = flaggedAt.get(t) ?? new Set<string>();
    const inTop = [...set].filter((x) => top40.has(x)).length;
    const names = new Map<string, number>();
    for (const f of firings) if (f.startMs <= t && f.endMs >= t) names.set(f.flag, (names.get(f.flag) ?? 0) + 1);
    console.log(`- ${isoMinute(t)}: ${set.size} symbols flagged (${inTop} of the top 40); by flag ${JSON.stringify(Object.fromEntries(names))}`);
  }
  const crashSamples = firings.filter((f) => f.startMs === crashMs && ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'SUIUSDT', 'XRPUSDT'].includes(f.symbol));
  for (const f of crashSamples) console.log(`  - ${f.symbol} ${f.flag} ${JSON.stringify(f.evidence)}`);

  const agg = (syms: Iterable<string>, skipCrash: boolean) => {
    let bars = 0;
    let flagged = 0;
    let score50 = 0;
    let noListing = 0;
    let alerts = 0;
    const byName = new Map<string, number>();
    for (const sym of syms) {
      const st = barsBySymbol.get(sym)!;
      bars += st.bars;
      flagged += st.flagged;
      score50 += st.score50;
      noListing += st.flaggedNoListing;
      alerts += st.alerts;
      for (const [k, v] of st.flaggedByName) byName.set(k, (byName.get(k) ?? 0) + v);
    }
    if (skipCrash) {
      for (let t = crashMs - HOUR_MS; t <= crashMs + 2 * HOUR_MS; t += HOUR_MS) {
        const set = flaggedAt.get(t);
        for (const sym of syms) if (set?.has(sym)) flagged--;
      }
    }
    return { bars, flagged, score50, noListing, alerts, byName };
  };
  const t40 = agg(top40, false);
  const t40x = agg(top40, true);
  const all = agg(barsBySymbol.keys(), false);
  console.log(`\n## False-alarm pressure`);
  console.log(`top 40 by median hourly quote volume: ${[...top40].join(' ')}`);
  console.log(`- top 40: ${t40.flagged} of ${t40.bars} symbol-bars flagged (${pct(t40.flagged / t40.bars, 2)}); manipScore >= 50 on ${pct(t40.score50 / t40.bars, 2)}; alert level (manipScore >= ${MANIP_ALERT_SCORE}) on ${pct(t40.alerts / t40.bars, 2)}; by flag ${JSON.stringify(Object.fromEntries(t40.byName))}`);
  console.log(`- top 40, flags other than fresh_listing: ${pct(t40.noListing / t40.bars, 2)}`);
  const calm40 = [...top40].filter((x) => !known.includes(x));
  const c40 = agg(calm40, false);
  console.log(`- top 40 without the known run-ups (${calm40.length} symbols), flags other than fresh_listing: ${pct(c40.noListing / c40.bars, 2)}; alert level on ${pct(c40.alerts / c40.bars, 2)}; by flag ${JSON.stringify(Object.fromEntries(c40.byName))}`);
  console.log(`- top 40 excluding the four crash bars 20:00..23:00 on 10-10: ${pct(t40x.flagged / t40x.bars, 2)}`);
  console.log(`- all ${series.length}: ${all.flagged} of ${all.bars} symbol-bars flagged (${pct(all.flagged / all.bars, 2)}); manipScore >= 50 on ${pct(all.score50 / all.bars, 2)}; alert level on ${pct(all.alerts / all.bars, 2)}`);

  const top = [...firings].filter((f) => f.flag !== 'fresh_listing').sort((a, b) => b.maxSeverity - a.maxSeverity || b.maxManipScore - a.maxManipScore).slice(0, 15);
  console.log(`\n## Strongest firings (excluding fresh_listing)`);
  for (const f of top) console.log(`- ${f.symbol} ${isoMinute(f.startMs)} ${f.flag} sev ${f.maxSeverity} ${JSON.stringify(f.evidence)}`);
  const listed = firings.filter((f) => f.flag === 'fresh_listing');
  console.log(`\n## Listed inside the window (fresh_listing): ${listed.length}: ${listed.map((f) => `${f.symbol} ${isoMinute(f.startMs)}`).join(', ')}`);

  const jsonOut = argValue('json', '');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ firings, top40: [...top40] }, null, 1));
}

main();
