import { afterEach, describe, expect, it } from 'vitest';
import { RiskConfigSchema } from '../../sdk/src/risk/index.js';
import { createTradingStack, type TradeSignal } from '../../sdk/src/trading/index.js';
import { ledgerMatchesExchange, startLiveRig, SYMBOL, type LiveRig } from '../../sdk/test/trading/liveRig.js';

let rig: LiveRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const risk = RiskConfigSchema.parse({
  gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxManipScore: null, maxExposureUsd: 1e6, cooldownMs: 0 },
  sizing: { mode: 'fixed', fixedNotionalUsd: 200, leverage: 2, minMarginUsd: 0 },
});

describe('AutoTrader live against SimExchange', () => {
  it('trades a signal with the stop and TP ladder on the exchange, re-arms a missing stop after a restart, and panics flat (RELIABILITY 26)', async () => {
    rig = await startLiveRig();
    const r = rig;
    // The venue's lot is in contracts; amounts here are base units.
    const lot = (r.ex.market(SYMBOL).precision.amount ?? 0.001) * (r.ex.market(SYMBOL).contractSize ?? 1);
    const stack = () =>
      createTradingStack({ mode: 'live', store: r.store, clock: r.clock, risk, autoTrader: { edge: { overrides: ['ema-cross'] } }, exchangeId: 'blofin', exchange: r.ex, roundAmount: (_s, a) => Math.floor(a / lot + 1e-9) * lot });
    const liveTriggers = () => r.sim.accountSnapshot().triggers.filter((t) => t.state === 'live');
    const book = await r.ex.fetchOrderBook(SYMBOL, 5);
    const px = ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
    // No evidence covers the sim's market: the strategy is traded by the explicit override.
    const signal: TradeSignal = { symbol: SYMBOL, side: 'long', score: 7, probability: 0.7, manipScore: 5, quoteVolume24hUsd: 1e8, price: px, atr: px * 0.01, atMs: Date.now(), strategies: ['ema-cross'], timeframe: '15m', regime: null, evidence: [] };

    const first = stack();
    await first.autoTrader.start();
    const out = await first.autoTrader.onSignal(signal);
    expect(out).toMatchObject({ status: 'placed', protectedOnExchange: true });
    expect(liveTriggers().length, 'SL, TP1 and TP2 on the exchange').toBe(3);

    // The stop disappears while the app is down (cancelled by hand on the exchange).
    const sl = r.store.orders.listOpen('live').find((o) => o.purpose === 'stop_loss');
    await r.ex.privatePostTradeCancelTpsl([{ instId: r.ex.market(SYMBOL).id, clientOrderId: sl?.clientOrderId }]);
    r.reopen();
    const second = stack();
    const restart = await second.autoTrader.start();
    expect(restart.rearmed, 'safe restart re-arms the stop').toHaveLength(1);
    expect(liveTriggers().filter((t) => t.slTriggerPrice !== null).length).toBe(1);

    const report = await second.autoTrader.panic({});
    expect(report.failures).toEqual([]);
    expect(r.sim.accountSnapshot().positions.filter((p) => Number(p.positions) !== 0), 'flat').toEqual([]);
    expect(liveTriggers(), 'no stop left without a position').toEqual([]);
    expect(await second.autoTrader.onSignal({ ...signal, atMs: signal.atMs + 1 }), 'panic leaves the kill switch on').toMatchObject({ status: 'skipped', reason: 'kill_switch' });
    r.reopen();
    expect((await stack().status()).killSwitch.on, 'and it survives a restart').toBe(true);
    expect(ledgerMatchesExchange(r.sim, r.store, r.ex)).toEqual([]);
  });
});
