import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../sdk/src/core/logger.js';
import type { Engine } from '../../sdk/src/engine/createEngine.js';
import { TradingBridge } from '../../sdk/src/engine/tradingBridge.js';
import type { OrderFlowSnapshot } from '../../sdk/src/market/index.js';
import { RiskConfigSchema } from '../../sdk/src/risk/index.js';
import { createTradingStack, type AutoTraderConfigInput, type TradeSignal, type TradingStack } from '../../sdk/src/trading/index.js';
import { ledgerMatchesExchange, startLiveRig, SYMBOL, type LiveRig } from '../../sdk/test/trading/liveRig.js';

let rig: LiveRig | undefined;
let bridge: TradingBridge | undefined;
afterEach(async () => {
  bridge?.stop();
  bridge = undefined;
  await rig?.stop();
  rig = undefined;
});

const HOUR_MS = 3_600_000;
const risk = RiskConfigSchema.parse({
  gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxManipScore: null, maxExposureUsd: 1e6, cooldownMs: 0, singlePositionPerSymbol: false, dailyLossLimitPct: null },
  sizing: { mode: 'fixed', fixedNotionalUsd: 400, leverage: 2, minMarginUsd: 0 },
});

/** The live trading stack over the rig (ccxt's blofin class against the sim) with one trading setting under test. */
function liveStack(r: LiveRig, autoTrader: AutoTraderConfigInput): TradingStack {
  const market = r.ex.market(SYMBOL);
  // The lot in base units: ccxt counts BloFin amounts in contracts.
  const lot = (market.precision.amount ?? 1) * (market.contractSize ?? 1);
  return createTradingStack({
    mode: 'live',
    store: r.store,
    clock: r.clock,
    risk,
    // No edge evidence covers the sim's market: the strategy is traded by the explicit override.
    // Break-even off unless under test, so each test sees only its own setting move the stop.
    autoTrader: { edge: { overrides: ['ema-cross'] }, ...autoTrader, tpsl: { breakEvenAfterR: null, ...autoTrader.tpsl } },
    exchangeId: 'blofin',
    exchange: r.ex,
    roundAmount: (_s, a) => Math.floor(a / lot + 1e-9) * lot,
  });
}

async function mid(r: LiveRig): Promise<number> {
  const book = await r.ex.fetchOrderBook(SYMBOL, 5);
  return ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
}

function signalAt(px: number, extra: Partial<TradeSignal> = {}): TradeSignal {
  return { symbol: SYMBOL, side: 'long', score: 7, probability: 0.7, manipScore: 5, quoteVolume24hUsd: 1e8, price: px, atr: px * 0.01, atMs: Date.now(), strategies: ['ema-cross'], timeframe: '15m', regime: null, evidence: [], ...extra };
}

const tickOf = (r: LiveRig) => r.ex.market(SYMBOL).precision.price ?? 0.01;
const liveTriggers = (r: LiveRig) => r.sim.accountSnapshot().triggers.filter((t) => t.state === 'live');
const exchangeStop = (r: LiveRig) => liveTriggers(r).filter((t) => t.slTriggerPrice !== null);
const exchangeTps = (r: LiveRig) =>
  liveTriggers(r)
    .filter((t) => t.tpTriggerPrice !== null)
    .map((t) => Number(t.tpTriggerPrice))
    .sort((a, b) => a - b);
const entryFill = (r: LiveRig, tradeId: string) => r.store.orders.listByTrade('live', tradeId).find((o) => o.purpose === 'entry')?.avgFillPrice ?? NaN;
/** The mark the exchange reports for the position: what the trading bridge feeds protection on each refresh. */
const exchangeMark = async (stack: TradingStack) => (await stack.broker.fetchPositions()).find((p) => p.symbol === SYMBOL)?.markPrice ?? null;

describe('each trading setting changes what is on the exchange (live broker, ccxt blofin against SimExchange)', () => {
  it('tpsl.mode bps: the stop and both take-profits sit at the configured bps from the fill', async () => {
    rig = await startLiveRig();
    const r = rig;
    const stack = liveStack(r, { tpsl: { mode: 'bps', slBps: 80, tp1Bps: 120, tp2Bps: 250 } });
    await stack.autoTrader.start();
    const out = await stack.autoTrader.onSignal(signalAt(await mid(r)));
    expect(out).toMatchObject({ status: 'placed', protectedOnExchange: true });
    const fill = entryFill(r, out.status === 'placed' ? out.tradeId : '');
    const tick = tickOf(r);
    expect(Math.abs(Number(exchangeStop(r)[0]?.slTriggerPrice) - fill * (1 - 0.008)), 'stop 80 bps under the fill, to a tick').toBeLessThanOrEqual(tick);
    const [tp1, tp2] = exchangeTps(r);
    expect(Math.abs((tp1 ?? 0) - fill * 1.012), 'TP1 120 bps over').toBeLessThanOrEqual(tick);
    expect(Math.abs((tp2 ?? 0) - fill * 1.025), 'TP2 250 bps over').toBeLessThanOrEqual(tick);
    expect(ledgerMatchesExchange(r.sim, r.store, r.ex)).toEqual([]);
  });

  it('tpsl.mode level_atr: the stop goes just beyond the signal level; the take-profits stay in ATRs', async () => {
    rig = await startLiveRig();
    const r = rig;
    const stack = liveStack(r, { tpsl: { mode: 'level_atr', levelBufferBps: 20, slAtrMult: 1.2, tp1AtrMult: 1.5, tp2AtrMult: 2.5 } });
    await stack.autoTrader.start();
    const px = await mid(r);
    const atr = px * 0.004;
    const level = px * 0.985;
    const out = await stack.autoTrader.onSignal(signalAt(px, { atr, level }));
    expect(out).toMatchObject({ status: 'placed', protectedOnExchange: true });
    const fill = entryFill(r, out.status === 'placed' ? out.tradeId : '');
    const tick = tickOf(r);
    const stop = Number(exchangeStop(r)[0]?.slTriggerPrice);
    expect(Math.abs(stop - level * (1 - 0.002)), 'level less 20 bps, not the ATR stop').toBeLessThanOrEqual(tick);
    expect(Math.abs(stop - (fill - 1.2 * atr)), 'the ATR stop would sit elsewhere').toBeGreaterThan(10 * tick);
    const [tp1, tp2] = exchangeTps(r);
    expect(Math.abs((tp1 ?? 0) - (fill + 1.5 * atr)), 'TP1 at 1.5 ATR').toBeLessThanOrEqual(tick);
    expect(Math.abs((tp2 ?? 0) - (fill + 2.5 * atr)), 'TP2 at 2.5 ATR').toBeLessThanOrEqual(tick);
  });

  it('pyramidLevels: each level adds once as the mark moves in favour, and the stop grows to cover the position', async () => {
    rig = await startLiveRig({}, 21, 1_500, 30);
    const r = rig;
    // A far stop (R = 10 %) and levels a few bps apart: the sim's price path reaches them in seconds.
    const stack = liveStack(r, { tpsl: { mode: 'bps', slBps: 1_000, tp1Bps: 2_000, tp2Bps: 3_000 }, pyramidLevels: [{ atR: 0.0002, fraction: 0.5 }, { atR: 0.0004, fraction: 0.5 }] });
    await stack.autoTrader.start();
    const out = await stack.autoTrader.onSignal(signalAt(await mid(r)));
    expect(out).toMatchObject({ status: 'placed' });
    const tradeId = out.status === 'placed' ? out.tradeId : '';
    const adds = () => r.store.orders.listByTrade('live', tradeId).filter((o) => o.purpose === 'pyramid' && o.state === 'FILLED');
    await vi.waitFor(
      async () => {
        const mark = await exchangeMark(stack);
        if (mark !== null) await stack.autoTrader.onPrice(SYMBOL, mark);
        expect(adds().length).toBe(2);
      },
      { timeout: 45_000, interval: 50 },
    );
    const entry = r.store.orders.listByTrade('live', tradeId).find((o) => o.purpose === 'entry');
    expect(adds().map((o) => o.params.leg), 'one add per level').toEqual(['pyramid1', 'pyramid2']);
    for (let i = 0; i < 3; i++) await stack.autoTrader.onPrice(SYMBOL, (await exchangeMark(stack)) ?? 0);
    expect(adds().length, 'a level never adds twice').toBe(2);
    const heldBase = (await stack.broker.fetchPositions()).find((p) => p.symbol === SYMBOL)?.sizeBase ?? 0;
    const market = r.ex.market(SYMBOL);
    const lot = (market.precision.amount ?? 1) * (market.contractSize ?? 1);
    const addBase = Math.floor(((entry?.filledBase ?? 0) * 0.5) / lot + 1e-9) * lot;
    expect(adds().map((o) => o.filledBase), 'each add is half the entry, rounded down to the lot').toEqual([addBase, addBase].map((x) => expect.closeTo(x, 9)));
    expect(heldBase, 'entry plus the two adds').toBeCloseTo((entry?.filledBase ?? 0) + 2 * addBase, 9);
    const stops = exchangeStop(r);
    expect(stops.length, 'one stop after the refreshes').toBe(1);
    expect(Number(stops[0]?.size) * (r.ex.market(SYMBOL).contractSize ?? 1), 'the stop covers the whole position').toBeCloseTo(heldBase, 9);
    await r.broker.reconcile();
  });

  it('tpsl.trailing: the stop on the exchange is amended on the refreshed mark before the next bar closes, at most once per minAmendIntervalMs', async () => {
    rig = await startLiveRig();
    const r = rig;
    const minAmendIntervalMs = 1_000;
    const stack = liveStack(r, { tpsl: { mode: 'bps', slBps: 150, tp1Bps: 2_000, tp2Bps: 3_000, trailing: { mode: 'bps', bps: 10, minStepBps: 0, minAmendIntervalMs } } });
    await stack.autoTrader.start();
    const nextBarCloseMs = Math.ceil((r.sim.nowMs() + 1) / HOUR_MS) * HOUR_MS;
    const out = await stack.autoTrader.onSignal(signalAt(await mid(r)));
    expect(out).toMatchObject({ status: 'placed', protectedOnExchange: true });
    const firstStop = Number(exchangeStop(r)[0]?.slTriggerPrice);

    // The engine surface the bridge reads on each open-position refresh: the exchange's mark; no bars close.
    let refreshes = 0;
    const engine = {
      on: () => () => undefined,
      watchSymbols: () => () => undefined,
      refreshOrderFlow: async (symbol: string): Promise<OrderFlowSnapshot> => {
        const markPrice = await exchangeMark(stack);
        refreshes++;
        return { symbol, updatedAtMs: r.clock.nowMs(), ...(markPrice !== null ? { markPrice: { symbol, timestampMs: r.clock.nowMs(), markPrice } } : {}) } as OrderFlowSnapshot;
      },
    } as unknown as Engine;
    // Counts protection updates under way, so the test reads the exchange only once the last one is done.
    let updating = 0;
    const onPrice = stack.autoTrader.onPrice.bind(stack.autoTrader);
    stack.autoTrader.onPrice = async (symbol, price) => {
      updating++;
      try {
        await onPrice(symbol, price);
      } finally {
        updating--;
      }
    };
    const startedMs = r.clock.nowMs();
    bridge = new TradingBridge({ engine, stack, clock: r.clock, logger: silentLogger, autotrade: false, positionRefreshMs: 100 });
    bridge.start();

    await vi.waitFor(() => expect(Number(exchangeStop(r)[0]?.slTriggerPrice)).toBeGreaterThan(firstStop), { timeout: 20_000, interval: 50 });
    expect(r.sim.nowMs(), 'amended on the mark, before the hourly bar closed').toBeLessThan(nextBarCloseMs);
    await vi.waitFor(() => expect(refreshes).toBeGreaterThanOrEqual(30), { timeout: 30_000, interval: 50 });
    bridge.stop();
    await vi.waitFor(() => expect(updating).toBe(0), { timeout: 10_000, interval: 20 });
    const elapsedMs = r.clock.nowMs() - startedMs;
    const moves = r.store.events.list({ type: 'stop_moved' }).map((e) => ({ atMs: e.atMs, ...(e.payload as { from: number; to: number }) }));
    expect(moves.length, `${moves.length} amends in ${elapsedMs} ms of ${refreshes} refreshes`).toBeLessThanOrEqual(Math.floor(elapsedMs / minAmendIntervalMs) + 1);
    expect(moves.length, 'fewer amends than refreshes').toBeLessThan(refreshes);
    for (let i = 1; i < moves.length; i++) expect(moves[i]!.atMs - moves[i - 1]!.atMs, 'spaced by the amend interval').toBeGreaterThanOrEqual(minAmendIntervalMs);
    expect(moves.every((m) => m.to > m.from), 'only ever tightened').toBe(true);
    const stops = exchangeStop(r);
    expect(stops.length, 'one stop on the exchange, the old ones cancelled').toBe(1);
    expect(Math.abs(Number(stops[0]?.slTriggerPrice) - (moves.at(-1)?.to ?? 0)), 'the latest amend is the live stop').toBeLessThanOrEqual(tickOf(r));
  });
});
