/**
 * The manipulation radar over recorded market data: SimExchange's seeded generator is the
 * recording, with the pump-and-dump episodes it injected as ground truth. Every symbol's 5m
 * candles are scored every 5 minutes around the first episode, reading only bars closed by then,
 * and each symbol's highest manipScore (0-100) and flags are printed, highest first.
 * Run: node --import tsx radar-recorded.ts
 */
import { MANIP_ALERT_SCORE, scoreManipulation, type ManipFlag } from '@perpscope/sdk';
import { createMarketGenerator } from '@perpscope/sdk/sim';

const BAR_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;
const startTimeMs = Date.UTC(2025, 0, 15, 14);
const recording = createMarketGenerator({ seed: 4, symbols: 40, startTimeMs });
const episode = recording.groundTruth().find((e) => e.kind === 'pump_and_dump' && e.startMs >= startTimeMs - 48 * HOUR_MS && e.endMs <= startTimeMs);
if (!episode) throw new Error('no pump-and-dump episode in the recording window');
const fromMs = episode.startMs - 2 * HOUR_MS;
const toMs = episode.endMs + 2 * HOUR_MS;

const rows = recording.markets().map((m) => {
  const bars = recording.candles(m.symbol, '5m', fromMs - 100 * BAR_MS, toMs);
  const col = (k: 'openTimeMs' | 'open' | 'high' | 'low' | 'close' | 'volume') => Float64Array.from(bars, (b) => b[k]);
  const c = { openTimeMs: col('openTimeMs'), open: col('open'), high: col('high'), low: col('low'), close: col('close'), volume: col('volume') };
  let best = { manipScore: 0, atMs: fromMs, flags: [] as ManipFlag[] };
  for (let t = fromMs, closed = 0; t <= toMs; t += BAR_MS) {
    while (closed < bars.length && bars[closed]!.openTimeMs + BAR_MS <= t) closed++;
    const from = Math.max(0, closed - 100); // the last 100 closed bars, none after t
    const candles = { openTimeMs: c.openTimeMs.subarray(from, closed), open: c.open.subarray(from, closed), high: c.high.subarray(from, closed), low: c.low.subarray(from, closed), close: c.close.subarray(from, closed), volume: c.volume.subarray(from, closed) };
    if (closed - from < 30) continue;
    const r = scoreManipulation({ symbol: m.symbol, nowMs: t, barMs: BAR_MS, candles });
    if (r.manipScore > best.manipScore) best = { manipScore: r.manipScore, atMs: t, flags: r.flags };
  }
  return { symbol: m.symbol, maxScore: best.manipScore, at: new Date(best.atMs).toISOString(), flags: best.flags.map((f) => f.name), episode: m.symbol === episode.symbol };
});
rows.sort((a, b) => b.maxScore - a.maxScore || (a.symbol < b.symbol ? -1 : 1));
console.log(JSON.stringify({ episode: { ...episode, start: new Date(episode.startMs).toISOString(), end: new Date(episode.endMs).toISOString() }, alertScore: MANIP_ALERT_SCORE, rows }, null, 2));
