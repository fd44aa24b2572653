import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { runRun } from '../../src/cli/commands/run.js';
import type { PaperBroker, TradingStack } from '../../src/trading/index.js';
import { captureIo } from '../cli/testIo.js';

/** The risk section of issue 19 (defect 3) in `<home>/config.json`, with a small, fast sim. */
const CONFIG = {
  risk: { gates: { killSwitch: true, maxExposureUsd: 100, maxPositions: 1 } },
  sim: { symbols: 5, acceleration: 60, rateLimitScale: 20, seed: 7 },
  timeframes: ['1m'],
  backfillBars: 60,
  universe: { minQuoteVolumeUsd: 0 },
};

describe('perpscope run honours the risk section of the layered config', () => {
  it('config.json: kill switch active, limits 100 and 1, a manual order refused', async () => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-runrisk-'));
    writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    let onStack!: (s: TradingStack) => void;
    const started = new Promise<TradingStack>((r) => (onStack = r));
    const io = captureIo(false);
    const running = runRun({ paper: true, sim: true, label: 'default', home }, io, { until, onTrading: onStack });
    try {
      const stack = await Promise.race([started, running.then(() => Promise.reject(new Error(`run ended early: ${io.errors.join('\n')}`)))]);
      const status = await stack.status();
      expect(status.killSwitch.on, 'kill switch from config.json').toBe(true);
      expect(stack.risk.config.gates.maxExposureUsd, 'exposure limit').toBe(100);
      expect(stack.risk.config.gates.maxPositions, 'position limit').toBe(1);
      const price = 100;
      // A book to price the order against, so only the risk gates can refuse it.
      (stack.broker as PaperBroker).onOrderBook('BTC/USDT:USDT', { symbol: 'BTC/USDT:USDT', timestampMs: Date.now(), bids: [[99.9, 1_000]], asks: [[100.1, 1_000]] });
      const placed = await stack.broker
        .placeOrder({
          symbol: 'BTC/USDT:USDT',
          side: 'buy',
          type: 'market',
          amountBase: 0.1,
          tradeId: 'manual-test',
          leg: 'entry',
          purpose: 'entry',
          risk: { symbol: 'BTC/USDT:USDT', side: 'long', score: 10, probability: 0.9, manipScore: null, quoteVolume24hUsd: 1e9, entryPrice: price, atr: 1, stopPrice: null },
        })
        .then(
          (o) => ({ ok: true as const, order: o }),
          (e: unknown) => ({ ok: false as const, error: e as { code?: string; details?: { reason?: string }; message?: string } }),
        );
      expect(placed.ok, 'the manual order is refused').toBe(false);
      if (placed.ok) return;
      expect([ErrorCode.RiskRejected, ErrorCode.KillSwitchActive], placed.error.message).toContain(placed.error.code);
      expect(placed.error.message, 'refused by the kill switch').toMatch(/kill switch/i);
    } finally {
      stop();
      await running.catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});
