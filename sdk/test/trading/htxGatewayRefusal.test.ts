/**
 * HTX refusals ccxt's htx does not throw for: its handler throws only for v5 codes in its own
 * table, and for any other code createOrder returns an order without an id. The gateway must
 * surface that as a mapped refusal, and the ledger must not take it as placed.
 */
import type { Exchange } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { SystemClock } from '../../src/core/clock.js';
import { PerpscopeError } from '../../src/core/errors.js';
import { createHtxClient, startSimExchange, type SimExchange } from '../../src/sim/index.js';
import { Ledger, openStore, OrderState, type Store } from '../../src/store/index.js';
import { CcxtBroker, HtxGateway } from '../../src/trading/index.js';
import { permissiveRisk, SIM_KEY, SIM_SYMBOL, tempDir } from './helpers.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

describe('HtxGateway: a refusal under a code ccxt does not know', () => {
  let sim: SimExchange;
  let ex: Exchange;
  let store: Store;
  let broker: CcxtBroker;
  let cleanup: () => void;

  beforeAll(async () => {
    sim = await startSimExchange({ dialect: 'htx', symbols: 2, seed: 53, startTimeMs: SIM_START_MS, acceleration: 1, historyBars: 20, apiKey: SIM_KEY, initialBalanceUsdt: 100_000, rateLimitScale: 20 });
    ex = createHtxClient(sim, { enableRateLimit: false, timeout: 5_000 }) as unknown as Exchange;
    const t = tempDir();
    cleanup = t.cleanup;
    store = openStore({ home: t.dir });
    const clock = new SystemClock();
    broker = new CcxtBroker({ store, clock, risk: permissiveRisk(clock), exchange: ex, exchangeId: 'htx', lookupBaseMs: 30, readRetry: { baseMs: 30 }, errorBurst: null });
    await broker.start();
    expect(broker.gateway).toBeInstanceOf(HtxGateway);
    // The sim refuses a stop that would fire at once with 1030, which the gateway files in ccxt's
    // table; dropped from it here, 1030 stands for any v5 code ccxt has no entry for.
    delete (ex.exceptions as { exact: Record<string, unknown> }).exact['1030'];
  });
  afterAll(async () => {
    await broker.stop();
    await ex.close();
    await sim.stop();
    store.close();
    cleanup();
  });

  it('ccxt itself returns an order without an id for that refusal (the defect the gateway guards against)', async () => {
    const mark = (await ex.fetchTicker(SIM_SYMBOL)).last!;
    const placed = await ex.createOrder(SIM_SYMBOL, 'market', 'sell', 1, undefined, { stopLossPrice: Number(ex.priceToPrecision(SIM_SYMBOL, mark * 1.2)), clientOrderId: 901, sl_trigger_price_type: 'mark' });
    expect(placed.id).toBeUndefined();
  });

  it('a stop the venue refuses is a mapped refusal naming the code; the ledger records it rejected, never acknowledged', async () => {
    const mark = (await ex.fetchTicker(SIM_SYMBOL)).last!;
    // A sell stop above the mark would fire at once: the sim refuses it.
    const intent = (id: string) =>
      store.orders.recordIntent({ clientOrderId: id, ledger: Ledger.Live, exchange: 'htx', symbol: SIM_SYMBOL, side: 'sell', type: 'stop_market', purpose: 'stop_loss', tradeId: 'htxref', amountBase: 0.1, price: null, triggerPrice: Number(ex.priceToPrecision(SIM_SYMBOL, mark * 1.2)), reduceOnly: true, createdAtMs: Date.now() }).order;
    const err = await broker.gateway.create(intent('htxref-direct')).then(
      (ack) => ack,
      (e: unknown) => e,
    );
    expect(err, `a refusal, got ${JSON.stringify(err)}`).toBeInstanceOf(PerpscopeError);
    const refusal = err as PerpscopeError;
    expect(refusal.code).toBe(ErrorCode.ExchangeError);
    expect(refusal.retryable, 'a refusal is final: never resolved as an unknown send').toBe(false);
    expect(refusal.message).toMatch(/htx createOrder: .*1030.*would trigger immediately/);

    const sent = await broker.orders.submit(intent('htxref-ledger').clientOrderId);
    expect(sent.state, 'the refused stop is not taken as placed').toBe(OrderState.Rejected);
    expect(sent.exchangeOrderId).toBeNull();
    expect(sim.accountSnapshot().triggers.filter((t) => t.state === 'live'), 'nothing rests on the venue').toEqual([]);
  });
});
