import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { Engine } from '../../src/engine/createEngine.js';
import { TradingBridge } from '../../src/engine/tradingBridge.js';
import type { BrokerEvent, PaperBroker } from '../../src/trading/index.js';
import { freshStorePerTest, openGatePaperStack } from '../trading/helpers.js';

const quietEngine = { on: () => () => undefined, watchSymbols: () => () => undefined } as unknown as Engine;

describe('TradingBridge: the kill switch is reported as an alert', () => {
  const fx = freshStorePerTest();

  it('at start when on, and once per change after, wherever it was set', async () => {
    const stack = openGatePaperStack(fx);
    stack.killSwitch.set(true, 'set before the start');
    const alerts: Extract<BrokerEvent, { type: 'alert' }>[] = [];
    const bridge = new TradingBridge({
      engine: quietEngine,
      stack,
      paper: stack.broker as PaperBroker,
      clock: fx.clock,
      logger: silentLogger,
      autotrade: false,
      positionRefreshMs: 1_000,
      onBrokerEvent: (e) => e.type === 'alert' && alerts.push(e),
    });
    bridge.start();
    try {
      expect(alerts.map((a) => [a.level, a.reason, a.message])).toEqual([['warn', 'kill_switch', 'Kill switch on (setting: set before the start): new entries are refused']]);
      await fx.clock.advance(1_000);
      expect(alerts, 'no repeat while it stays on').toHaveLength(1);
      stack.killSwitch.set(false, 'resumed');
      await fx.clock.advance(1_000);
      expect(alerts.map((a) => a.message).at(-1)).toBe('Kill switch off: new entries are allowed again');
      // Another process (perpscope panic) writes the same stored switch: the next tick reports it.
      stack.killSwitch.set(true, 'panic from the CLI');
      await fx.clock.advance(1_000);
      expect(alerts.map((a) => a.message).at(-1)).toBe('Kill switch on (setting: panic from the CLI): new entries are refused');
      expect(alerts).toHaveLength(3);
    } finally {
      bridge.stop();
    }
  });
});
