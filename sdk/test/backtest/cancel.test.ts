import { describe, expect, it } from 'vitest';
import { ErrorCode, type Candle } from '@perpscope/shared';
import { backtest, backtestDataFrom } from '../../src/backtest/index.js';
import { CancelledError } from '../../src/core/errors.js';
import { generatedHourlyCandles } from '../generatedCandles.js';

const H = 3_600_000;
const END = Date.UTC(2026, 0, 20);
const START = END - 400 * H;

const generated = (symbols: number, seed: number): Map<string, Candle[]> => generatedHourlyCandles({ seed, symbols, fromMs: START, toMs: END, anchorMs: END });

const options = { data: 'generated', timeframe: '1h' as const, warmupBars: 300, from: START + 300 * H, to: START + 340 * H };

describe('backtest cancellation (AbortSignal)', () => {
  it('stops at the next bar after an abort with a CancelledError saying how far it got', async () => {
    const data = backtestDataFrom('1h', generated(2, 3));
    const controller = new AbortController();
    const seen: number[] = [];
    const run = backtest(options, {
      data,
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.done);
        if (p.done === 5) controller.abort();
      },
    });
    const error = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, 'the run rejects instead of returning a partial result').toBeInstanceOf(CancelledError);
    const cancelled = error as CancelledError;
    expect(cancelled.code).toBe(ErrorCode.Cancelled);
    expect(cancelled.retryable, 'a cancelled run is not retried by itself').toBe(false);
    expect(cancelled.details, 'it names the bar it stopped after and the total').toEqual({ done: 5, total: 40 });
    expect(Math.max(...seen), 'no bar is replayed after the abort').toBe(5);
  }, 60_000);

  it('an already aborted signal replays no bar', async () => {
    const data = backtestDataFrom('1h', generated(2, 3));
    const seen: number[] = [];
    await expect(backtest(options, { data, signal: AbortSignal.abort(), onProgress: (p) => seen.push(p.done) })).rejects.toMatchObject({ code: ErrorCode.Cancelled, details: { done: 0, total: 40 } });
    expect(seen).toEqual([]);
  }, 60_000);

  it('a signal that is never aborted changes nothing', async () => {
    const data = backtestDataFrom('1h', generated(2, 3));
    const plain = await backtest(options, { data });
    const withSignal = await backtest(options, { data, signal: new AbortController().signal });
    expect(withSignal.equity.length).toBe(41);
    expect(JSON.stringify(withSignal.equity)).toBe(JSON.stringify(plain.equity));
  }, 60_000);
});
