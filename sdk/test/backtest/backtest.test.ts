import { describe, expect, it } from 'vitest';
import type { Candle } from '@perpscope/shared';
import { backtest, backtestDataFrom, type BacktestResult } from '../../src/backtest/index.js';
import { candleArrays } from '../../src/engine/marketSnapshots.js';
import { createSignalEngine, replaySignals, type Signal } from '../../src/signals/index.js';
import { generatedHourlyCandles } from '../generatedCandles.js';

const H = 3_600_000;
const END = Date.UTC(2026, 0, 20);
const START = END - 500 * H;

const generated = (symbols: number, seed: number): Map<string, Candle[]> => generatedHourlyCandles({ seed, symbols, fromMs: START, toMs: END, anchorMs: END });

// Loose gates so that a short generated run trades; the gates themselves are tested in risk/.
// The edge gate off: no evidence covers generated markets (the gate itself is tested below and in edgeGate.test.ts).
const engineConfig = { risk: { gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxPositions: 3 } }, autotrade: { edge: { require: false } } };

async function run(seed: number): Promise<BacktestResult> {
  const data = backtestDataFrom('1h', generated(6, seed));
  return backtest({ data: 'generated', timeframe: '1h', warmupBars: 300, from: START + 300 * H, to: START + 460 * H }, { data, engineConfig });
}

describe('backtest (engine path over generated candles)', () => {
  it('trades through the AutoTrader and the PaperBroker, within the live limits', async () => {
    const r = await run(7);
    expect(r.signals, 'the signal engine selected signals').toBeGreaterThan(0);
    expect(r.placed, 'the AutoTrader placed some').toBeGreaterThan(0);
    expect(r.metrics.trades).toBeGreaterThan(0);
    expect(r.equity.length).toBe(161); // the start plus one point per bar
    expect(Math.max(...r.equity.map((e) => e.openPositions)), 'maxPositions holds').toBeLessThanOrEqual(3);
    expect(r.equity[r.equity.length - 1]!.openPositions, 'everything is closed at the end').toBe(0);
    // Every fee the trades paid is a taker or maker fee on a fill; the account agrees with the trades.
    const net = r.trades.reduce((s, t) => s + t.netPnlUsd, 0);
    expect(r.metrics.finalEquityUsd - r.metrics.initialEquityUsd).toBeCloseTo(net, 6);
    for (const t of r.trades) {
      expect(t.feesUsd).toBeGreaterThan(0);
      expect(t.closedAtMs).toBeGreaterThan(t.openedAtMs);
      // Entries fill at a bar open (a market order placed at the previous close).
      expect(t.openedAtMs % H).toBe(0);
    }
    expect(r.warnings).toEqual({});
  }, 120_000);

  it('with the default edge gate, a signal no evidence backs is skipped as no_edge, and nothing trades', async () => {
    const data = backtestDataFrom('1h', generated(6, 7));
    const gated = await backtest({ data: 'generated', timeframe: '1h', warmupBars: 300, from: START + 300 * H, to: START + 460 * H }, { data, engineConfig: { risk: engineConfig.risk } });
    expect(gated.signals, 'the same signals are selected').toBeGreaterThan(0);
    expect(gated.placed).toBe(0);
    expect(gated.metrics.trades).toBe(0);
    expect(gated.skipped.no_edge, 'every selected signal was refused by the edge gate').toBe(gated.signals);
  }, 120_000);

  it('is deterministic: the same data and options give identical results', async () => {
    const a = await run(7);
    const b = await run(7);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(JSON.stringify(b.trades)).toBe(JSON.stringify(a.trades));
    expect(JSON.stringify(b.equity)).toBe(JSON.stringify(a.equity));
    expect(b.metrics).toEqual(a.metrics);
    const other = await run(8);
    expect(other.fingerprint, 'other data, other fingerprint').not.toBe(a.fingerprint);
  }, 180_000);

  it('selects exactly the signals of the pure batch replay over the same bars (trading does not touch the signal path)', async () => {
    const candles = generated(6, 7);
    const replayStart = START + 300 * H;
    const steps = 40;
    const seen: Signal[] = [];
    await backtest({ data: 'generated', timeframe: '1h', warmupBars: 300, from: replayStart, to: replayStart + steps * H }, { data: backtestDataFrom('1h', candles), engineConfig, onSignal: (s) => seen.push(s) });
    const series = [...candles].map(([symbol, bars]) => {
      const upTo = bars.filter((c) => c.openTimeMs + H <= replayStart + steps * H).slice(-(300 + steps));
      const cols = candleArrays(upTo);
      return { symbol, timeframe: '1h' as const, candles: { openTimeMs: cols.openTimeMs, open: cols.open, high: cols.high, low: cols.low, close: cols.close, volume: cols.volume } };
    });
    const pure = replaySignals(createSignalEngine({}), series as never);
    const pureIds = pure.signals.filter((s) => s.closeTimeMs > replayStart).map((s) => s.id);
    expect(pureIds.length, 'the window produces signals to compare').toBeGreaterThan(0);
    expect(seen.map((s) => s.id)).toEqual(pureIds);
  }, 120_000);

  it('a `to` inside a bar ends at the bar boundary before it: what is open closes at the last bar that closes by then', async () => {
    const endMs = START + 320 * H;
    // The data ends with the bar that straddles `to`; its close (after `to`) is made far off, so
    // an exit at it would show.
    const candles = new Map(
      [...generated(6, 7)].map(([symbol, bars]) => {
        const kept = bars.filter((c) => c.openTimeMs <= endMs);
        const straddling = kept[kept.length - 1]!;
        kept[kept.length - 1] = { ...straddling, close: straddling.close * 3, high: Math.max(straddling.high, straddling.close * 3) };
        return [symbol, kept] as const;
      }),
    );
    const r = await backtest({ data: 'generated', timeframe: '1h', warmupBars: 300, from: START + 300 * H, to: endMs + 30 * 60_000 }, { data: backtestDataFrom('1h', candles), engineConfig });
    expect(r.endMs, 'the period ends at the last whole bar').toBe(endMs);
    const atEnd = r.trades.filter((t) => t.exitReason === 'end_of_data');
    expect(atEnd.length, 'positions are open at the end').toBeGreaterThan(0);
    for (const t of atEnd) {
      const bars = candles.get(t.symbol)!;
      const lastClosed = bars.find((c) => c.openTimeMs + H === endMs)!;
      expect(t.closedAtMs).toBe(endMs);
      expect(Math.abs(t.exitPrice / lastClosed.close - 1), `${t.symbol} exits at the close of the bar ending at the period end (plus slippage)`).toBeLessThan(0.005);
    }
  }, 120_000);

  it('refuses bad options with a clear error naming the field', async () => {
    await expect(backtest({ data: 'x', timeframe: '1h', to: '2025-01-01', from: '2025-02-01' })).rejects.toThrow(/to: got .*expected a time after from/s);
    await expect(backtest({ data: '/nonexistent/dir', timeframe: '1h' })).rejects.toThrow(/data: got "\/nonexistent\/dir", expected a directory/);
    await expect(backtest({ data: 'x', timeframe: '1h', from: 'yesterday-ish' })).rejects.toThrow(/from/);
  });
});
