import { describe, expect, it } from 'vitest';
import { ErrorCode, type Candle, type CandlesReplyView, type ManipFlagView, type MethodParams } from '@perpscope/shared';
import { bollinger, macd, rsi, vwap } from '@perpscope/sdk/indicators';
import { createHost } from '../../src/host/index.js';
import { computeStudies, FlagTimeline } from '../../src/host/chartStudies.js';
import type { HostSecretStore } from '../../src/host/ports.js';
import { bareEngine, rankingRow, snapshot } from '../support/fakes.js';

const SYM = 'BTC/USDT:USDT';
const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('unexpected keychain write')),
  get: () => Promise.reject(new Error('unexpected keychain read')),
  delete: () => Promise.reject(new Error('unexpected keychain delete')),
  list: () => Promise.reject(new Error('unexpected keychain list')),
};

/** A deterministic wave with a drift, so every study warms up to finite values. */
function candles(n: number, t0 = 1_700_000_000_000, stepMs = 60_000): Candle[] {
  return Array.from({ length: n }, (_, i) => {
    const close = 100 + 10 * Math.sin(i / 7) + i * 0.05;
    return { openTimeMs: t0 + i * stepMs, open: close - 0.3, high: close + 1, low: close - 1, close, volume: 10 + (i % 5) } as Candle;
  });
}

const flag = (name: string, evidence: ManipFlagView['evidence'] = {}): ManipFlagView => ({ name, severity: 0.7, message: `${name} fired`, evidence });
const same = (a: readonly (number | null)[], b: Float64Array) => a.every((v, i) => (v === null ? !Number.isFinite(b[i]!) : Math.abs(v - b[i]!) < 1e-12));

describe('host: chart studies', () => {
  const bars = candles(300);
  const close = bars.map((c) => c.close);

  it('computes RSI and MACD as panes and Bollinger and VWAP as overlays, with the sdk kernels', () => {
    const out = computeStudies(bars, ['rsi', 'macd', 'bollinger', 'vwap', 'rsi']);
    expect(out.map((s) => [s.name, s.placement]), 'each study once, in order').toEqual([['rsi', 'pane'], ['macd', 'pane'], ['bollinger', 'overlay'], ['vwap', 'overlay']]);
    const [r, m, b, v] = out;
    expect(r!.levels, 'RSI guides').toEqual([30, 70]);
    expect(same(r!.series.rsi!, rsi(close, 14)), 'RSI 14 as the sdk computes it').toBe(true);
    expect(r!.series.rsi![0], 'warm-up is null').toBeNull();
    expect(r!.series.rsi!.at(-1), 'a finite RSI at the end').toBeGreaterThan(0);
    const mk = macd(close, 12, 26, 9);
    expect(same(m!.series.macd!, mk.macd) && same(m!.series.signal!, mk.signal) && same(m!.series.histogram!, mk.histogram), 'MACD 12 26 9').toBe(true);
    expect(same(b!.series.upper!, bollinger(close, 20, 2).upper), 'Bollinger 20 2').toBe(true);
    const vw = vwap(bars.map((c) => c.high), bars.map((c) => c.low), close, bars.map((c) => c.volume), bars.map((c) => c.openTimeMs));
    expect(same(v!.series.vwap!, vw), 'session VWAP').toBe(true);
    for (const s of out) for (const series of Object.values(s.series)) expect(series.length, `${s.name} aligned with the candles`).toBe(bars.length);
  });

  it('answers chart.studies over the candle port, with the candles\' open times', async () => {
    const asked: MethodParams<'candles.get'>[] = [];
    const engine = {
      ...bareEngine(),
      candles: { get: (p: MethodParams<'candles.get'>): CandlesReplyView => (asked.push(p), { symbol: p.symbol, timeframe: p.timeframe, candles: bars.slice(-(p.limit ?? bars.length)), overlays: [] }) },
    };
    const host = createHost({ engine, secrets: noSecrets });
    const res = await host.call('chart.studies', { symbol: SYM, timeframe: '1m', studies: ['rsi'], limit: 200 });
    expect(res.ok, 'answered').toBe(true);
    if (!res.ok) return;
    expect(asked, 'reads the candles once with the limit').toEqual([{ symbol: SYM, timeframe: '1m', limit: 200 }]);
    expect(res.value.times, 'open times of the candles read').toEqual(bars.slice(-200).map((c) => c.openTimeMs));
    expect(res.value.studies[0]!.series.rsi!.length).toBe(200);
    host.close();
  });

  it('refuses a bad study name or timeframe naming the field, the value and what was expected', async () => {
    const host = createHost({ engine: bareEngine(), secrets: noSecrets });
    const res = await host.handle('chart.studies', { symbol: SYM, timeframe: '7m', studies: ['rsi', 'stoch'] });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe(ErrorCode.InvalidInput);
    expect(res.error.message, 'the study').toMatch(/studies\.1: got "stoch", expected one of "rsi", "macd", "bollinger", "vwap"/);
    expect(res.error.message, 'the timeframe').toMatch(/timeframe: got "7m", expected one of "1m"/);
    const none = await host.call('chart.studies', { symbol: SYM, timeframe: '1m', studies: ['rsi'] });
    expect(!none.ok && none.error.code, 'no candle port').toBe(ErrorCode.NotSupported);
    host.close();
  });
});

describe('host: the flag timeline', () => {
  it('records a flag at the first cycle that carries it, again only after a cycle without it', () => {
    const t = new FlagTimeline();
    const wick = flag('scam_wick', { wickAtr: 3.2 });
    t.record(snapshot([rankingRow(SYM, 1, { flags: [wick], lastPrice: 101, manipScore: 55 })], 1_000));
    t.record(snapshot([rankingRow(SYM, 1, { flags: [wick, flag('liquidity_vacuum')], lastPrice: 102 })], 2_000));
    t.record(snapshot([rankingRow(SYM, 1, { flags: [wick] })], 2_000));
    t.record(snapshot([rankingRow(SYM, 1, { flags: [] })], 3_000));
    t.record(snapshot([rankingRow(SYM, 1, { flags: [wick], lastPrice: 99 })], 4_000));
    const got = t.flags(SYM).map((f) => [f.name, f.atMs, f.price]);
    expect(got, 'onsets only; a repeated cycle is ignored').toEqual([
      ['scam_wick', 1_000, 101],
      ['liquidity_vacuum', 2_000, 102],
      ['scam_wick', 4_000, 99],
    ]);
    expect(t.flags(SYM)[0]!.evidence, 'with its evidence then').toEqual({ wickAtr: 3.2 });
    expect(t.flags(SYM)[0]!.manipScore).toBe(55);
    expect(t.flags(SYM, 2_000).length, 'since a time').toBe(2);
    expect(t.flags('ETH/USDT:USDT'), 'another symbol').toEqual([]);
  });

  it('serves chart.flags from every ranking event since the host was created, and from the latest ranking', async () => {
    const engine = bareEngine();
    let latest = snapshot([rankingRow(SYM, 1, { flags: [flag('pump_onset', { movePct: 4.2 })] })], 10_000);
    const host = createHost({ engine: { ...engine, rankings: { latest: () => latest } }, secrets: noSecrets });
    // A flag raised and cleared before any chart asked: still on the chart when one does.
    engine.emit({ event: 'ranking', data: snapshot([rankingRow(SYM, 1, { flags: [flag('scam_wick')] })], 5_000) });
    engine.emit({ event: 'ranking', data: snapshot([rankingRow(SYM, 1, { flags: [] })], 6_000) });
    const first = await host.call('chart.flags', { symbol: SYM });
    expect(first.ok && first.value.flags.map((f) => [f.name, f.atMs]), 'cycles before the first call, and the latest one').toEqual([['scam_wick', 5_000], ['pump_onset', 10_000]]);
    engine.emit({ event: 'ranking', data: snapshot([rankingRow(SYM, 1, { flags: [] })], 11_000) });
    engine.emit({ event: 'ranking', data: snapshot([rankingRow(SYM, 1, { flags: [flag('collapse')] })], 12_000) });
    latest = snapshot([rankingRow(SYM, 1, { flags: [flag('collapse')] })], 12_000);
    const second = await host.call('chart.flags', { symbol: SYM });
    expect(second.ok && second.value.flags.map((f) => [f.name, f.atMs]), 'cycles between calls count').toEqual([['scam_wick', 5_000], ['pump_onset', 10_000], ['collapse', 12_000]]);
    const bad = await host.handle('chart.flags', { symbol: 'BTCUSDT' });
    expect(!bad.ok && bad.error.message, 'a bad symbol').toMatch(/symbol: got "BTCUSDT", expected a ccxt unified perp symbol/);
    host.close();
    expect(engine.listenerCount(), 'the timeline detached with the host').toBe(0);
  });
});
