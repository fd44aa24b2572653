import type { Exchange } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { SystemClock } from '../../src/core/clock.js';
import type { PerpscopeError } from '../../src/core/errors.js';
import { contractsToBase } from '../../src/market/contractUnits.js';
import { createBinanceUsdmClient, createBlofinClient, createBybitClient, createHtxClient, startSimExchange, type SimExchange } from '../../src/sim/index.js';
import type { SimDialectName } from '../../src/sim/dialects/index.js';
import { openStore, OrderState, type Store, type StoredOrder } from '../../src/store/index.js';
import { BinanceUsdmGateway, BybitGateway, CcxtBroker, CcxtOrderGateway, createOrderGateway, deriveClientOrderId, HtxGateway, htxClientOrderId, type CcxtBrokerOptions } from '../../src/trading/index.js';
import { runBrokerContract } from './brokerContract.js';
import { entryRisk, permissiveRisk, SIM_KEY, SIM_SYMBOL, tempDir } from './helpers.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

const SYMBOL = SIM_SYMBOL;
const DIALECTS: readonly SimDialectName[] = ['blofin', 'binanceusdm', 'bybit', 'htx'];

/** ccxt's real class for the dialect, pointed at the sim and signing with its test key. */
function clientFor(sim: SimExchange): Exchange {
  const options = { enableRateLimit: false, timeout: 5_000 };
  if (sim.dialect === 'bybit') return createBybitClient(sim, options) as unknown as Exchange;
  if (sim.dialect === 'htx') return createHtxClient(sim, options) as unknown as Exchange;
  return (sim.dialect === 'binanceusdm' ? createBinanceUsdmClient(sim, options) : createBlofinClient(sim, options)) as unknown as Exchange;
}

interface Rig {
  sim: SimExchange;
  ex: Exchange;
  store: Store;
  broker: CcxtBroker;
  amountBase: number;
  mid(): Promise<number>;
  /** A restart: the store reopened from its file, a new ccxt client and a new broker (and gateway). */
  restart(): Promise<CcxtBroker>;
  stop(): Promise<void>;
}

async function startRig(dialect: SimDialectName, seed: number): Promise<Rig> {
  const t = tempDir();
  const sim = await startSimExchange({ dialect, symbols: 4, seed, startTimeMs: SIM_START_MS, acceleration: 1, historyBars: 50, apiKey: SIM_KEY, initialBalanceUsdt: 100_000, rateLimitScale: 20 });
  const clock = new SystemClock();
  const clients: Exchange[] = [];
  const build = (store: Store, extra: Partial<CcxtBrokerOptions> = {}): CcxtBroker => {
    const ex = clientFor(sim);
    clients.push(ex);
    return new CcxtBroker({ store, clock, risk: permissiveRisk(clock), exchange: ex, exchangeId: dialect, lookupBaseMs: 30, readRetry: { baseMs: 30 }, errorBurst: null, ...extra });
  };
  let store = openStore({ home: t.dir });
  const rig: Rig = {
    sim,
    ex: undefined as unknown as Exchange,
    store,
    broker: build(store),
    amountBase: 0,
    async mid() {
      const book = await rig.ex.fetchOrderBook(SYMBOL, 5);
      return ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
    },
    async restart() {
      await rig.broker.stop();
      store.close();
      store = openStore({ home: t.dir });
      rig.store = store;
      rig.broker = build(store);
      rig.ex = clients[clients.length - 1]!;
      await rig.broker.start();
      return rig.broker;
    },
    async stop() {
      await rig.broker.stop();
      for (const c of clients) await c.close();
      await sim.stop();
      store.close();
      t.cleanup();
    },
  };
  rig.ex = clients[0]!;
  await rig.broker.start();
  const lotBase = contractsToBase(rig.ex.market(SYMBOL), rig.ex.market(SYMBOL).precision.amount ?? 1);
  const px = await rig.mid();
  rig.amountBase = Number((Math.max(1, Math.ceil(100 / px / lotBase)) * lotBase).toPrecision(12));
  return rig;
}

/** A price on the market's tick, `factor` times `px`. */
function priceAt(ex: Exchange, px: number, factor: number): number {
  return Number(ex.priceToPrecision(SYMBOL, px * factor));
}

/** The sim account's working orders and working stops/take-profits (the exchange's side of the truth, whatever the dialect). */
function working(sim: SimExchange): { orders: number; triggers: number } {
  const snap = sim.accountSnapshot();
  return { orders: snap.orders.filter((o) => o.state === 'live' || o.state === 'partially_filled').length, triggers: snap.triggers.filter((t) => t.state === 'live').length };
}

/** The sim account's working orders in SYMBOL, with their limit price and size in base units (whatever the dialect). */
function workingOrders(sim: SimExchange): { price: number; amountBase: number }[] {
  const core = sim.source.markets().find((m) => m.symbol === SYMBOL)!;
  return sim
    .accountSnapshot()
    .orders.filter((o) => o.instId === core.id && (o.state === 'live' || o.state === 'partially_filled'))
    .map((o) => ({ price: Number(o.price), amountBase: contractsToBase(core, Number(o.size)) }));
}

/** The sim account's position in SYMBOL, base units (the snapshot counts the core's contracts, whatever the dialect). */
function positionBase(sim: SimExchange): number {
  const core = sim.source.markets().find((m) => m.symbol === SYMBOL)!;
  const p = sim.accountSnapshot().positions.find((x) => x.instId === core.id);
  return p ? contractsToBase(core, Number(p.positions)) : 0;
}

for (const [i, dialect] of DIALECTS.entries()) {
  describe(`OrderGateway contract: ccxt ${dialect} against SimExchange (${dialect} dialect)`, () => {
    let rig: Rig;
    let seq = 0;
    const trade = (): string => `gc${dialect.slice(0, 3)}${seq++}`;

    beforeAll(async () => {
      rig = await startRig(dialect, 31 + i);
    });
    afterAll(async () => {
      await rig.stop();
    });

    it('chooses the gateway by the ccxt class', () => {
      expect(rig.broker.gateway).toBeInstanceOf(dialect === 'binanceusdm' ? BinanceUsdmGateway : dialect === 'bybit' ? BybitGateway : dialect === 'htx' ? HtxGateway : CcxtOrderGateway);
      expect(() => createOrderGateway({ id: 'kraken' } as Exchange, 'kraken', new SystemClock())).toThrow(/exchange.*blofin, binanceusdm/s);
    });

    it('places a resting limit order, finds it by client id, cancels it', async () => {
      const px = await rig.mid();
      const before = working(rig.sim).orders;
      const order = await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: priceAt(rig.ex, px, 0.8), amountBase: rig.amountBase, tradeId: trade(), leg: 'entry', risk: entryRisk(SYMBOL, 'long', px * 0.8) });
      expect(order.state).toBe(OrderState.Ack);
      expect(order.exchangeOrderId).not.toBeNull();
      expect(working(rig.sim).orders, 'one more working order on the exchange').toBe(before + 1);
      const view = await rig.broker.gateway.lookup(order);
      expect(view).toMatchObject({ exchangeOrderId: order.exchangeOrderId, status: 'open', filledBase: 0 });
      expect((await rig.broker.cancelOrder(order.clientOrderId)).state).toBe(OrderState.Cancelled);
      expect(working(rig.sim).orders).toBe(before);
      expect((await rig.broker.gateway.lookup(order))?.status).toBe('canceled');
      const unknown = { ...order, clientOrderId: `${order.clientOrderId}x` };
      expect(await rig.broker.gateway.lookup(unknown), 'an id the exchange never saw').toBeNull();
    });

    it('opens with a market order, brackets it with a stop and a take-profit, closes reduce-only', async () => {
      const px = await rig.mid();
      const tradeId = trade();
      const entry = await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: rig.amountBase, tradeId, leg: 'entry', risk: entryRisk(SYMBOL, 'long', px) });
      expect(entry.state).toBe(OrderState.Filled);
      expect(entry.filledBase).toBeCloseTo(rig.amountBase, 9);
      const fills = await rig.broker.gateway.fills(entry);
      expect(fills.reduce((s, f) => s + f.amountBase, 0)).toBeCloseTo(rig.amountBase, 9);
      expect(fills.every((f) => f.exchangeOrderId === entry.exchangeOrderId && f.side === 'buy' && f.price > 0)).toBe(true);
      expect(positionBase(rig.sim)).toBeCloseTo(rig.amountBase, 9);

      const before = working(rig.sim).triggers;
      const stop = await rig.broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'stop_market', triggerPrice: priceAt(rig.ex, px, 0.8), amountBase: rig.amountBase, reduceOnly: true, purpose: 'stop_loss', tradeId, leg: 'sl' });
      const tp = await rig.broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'take_profit_market', triggerPrice: priceAt(rig.ex, px, 1.2), amountBase: rig.amountBase, reduceOnly: true, purpose: 'take_profit', tradeId, leg: 'tp1' });
      expect([stop.state, tp.state]).toEqual([OrderState.Ack, OrderState.Ack]);
      expect(working(rig.sim).triggers, 'both rest on the exchange as trigger orders').toBe(before + 2);
      // Binance takes stops and take-profits only as conditional (algo) orders.
      const placements = rig.sim.requestLog().filter((r) => r.method === 'POST').map((r) => r.path);
      if (dialect === 'binanceusdm') expect(placements).toContain('/fapi/v1/algoOrder');
      const open = await rig.broker.gateway.openOrders();
      // On HTX the gateway maps the integer client ids of the orders it placed back to ours (see htxClientOrderId).
      const byId = new Map(open.map((o) => [o.clientOrderId, o.intent]));
      expect(byId.get(stop.clientOrderId)).toMatchObject({ symbol: SYMBOL, side: 'sell', type: 'stop_market', reduceOnly: true, triggerPrice: stop.triggerPrice });
      expect(byId.get(tp.clientOrderId)).toMatchObject({ symbol: SYMBOL, side: 'sell', type: 'take_profit_market', reduceOnly: true, triggerPrice: tp.triggerPrice });
      expect(byId.get(stop.clientOrderId)?.amountBase).toBeCloseTo(rig.amountBase, 9);
      expect((await rig.broker.gateway.lookup(stop))?.status).toBe('open');

      const close = await rig.broker.closePosition(SYMBOL, { tradeId });
      expect(close?.reduceOnly).toBe(true);
      expect(close?.state).toBe(OrderState.Filled);
      expect(positionBase(rig.sim), 'flat after the reduce-only close').toBe(0);
      expect((await rig.broker.cancelOrder(stop.clientOrderId)).state).toBe(OrderState.Cancelled);
      expect((await rig.broker.cancelOrder(tp.clientOrderId)).state).toBe(OrderState.Cancelled);
      expect(working(rig.sim).triggers).toBe(before);
      expect((await rig.broker.gateway.lookup(tp))?.status).toBe('canceled');
      // Fills are dated in sim time: the window starts a minute before the entry's first fill.
      const recent = await rig.broker.gateway.recentFills(fills[0]!.atMs - 60_000, SYMBOL);
      expect(recent.map((f) => f.exchangeOrderId)).toEqual(expect.arrayContaining([entry.exchangeOrderId, close?.exchangeOrderId]));
    });

    it('refuses a reused client id of an open order as a duplicate, and the ledger adopts the order instead of sending a second', async () => {
      const px = await rig.mid();
      const order = await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: priceAt(rig.ex, px, 0.75), amountBase: rig.amountBase, tradeId: trade(), leg: 'entry', risk: entryRisk(SYMBOL, 'long', px * 0.75) });
      const before = working(rig.sim).orders;
      const refusal = await rig.broker.gateway.create(order).then(
        () => null,
        (err: unknown) => err as PerpscopeError,
      );
      // Binance's -4116 and Bybit's 110072 are filed as DuplicateOrderId by their gateways; BloFin's 102002 is read by the ledger from the message.
      expect(refusal?.code === ErrorCode.DuplicateOrderId || /102002/.test(refusal?.message ?? ''), `a duplicate refusal, got ${String(refusal)}`).toBe(true);
      expect(working(rig.sim).orders, 'the copy was refused').toBe(before);
      // A crash between the send and the ack: the ledger still holds the intent as NEW and sends it again.
      const { order: intent } = rig.store.orders.recordIntent({ ...copyIntent(order), clientOrderId: `${order.clientOrderId}d` });
      await rig.broker.gateway.create(intent);
      const sent = await rig.broker.orders.submit(intent.clientOrderId);
      expect(sent.state, 'adopted by client id').toBe(OrderState.Ack);
      expect(sent.exchangeOrderId).not.toBeNull();
      expect(working(rig.sim).orders, 'no second order went out').toBe(before + 1);
      await rig.broker.cancelOrder(sent.clientOrderId);
      await rig.broker.cancelOrder(order.clientOrderId);
    });

    it('reconciles after a restart: a new gateway reads the same orders back and adopts ours it did not know', async () => {
      const px = await rig.mid();
      const tradeId = trade();
      await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: rig.amountBase, tradeId, leg: 'entry', risk: entryRisk(SYMBOL, 'long', px) });
      const resting = await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: priceAt(rig.ex, px, 0.7), amountBase: rig.amountBase, tradeId, leg: 'add', risk: entryRisk(SYMBOL, 'long', px * 0.7) });
      const stop = await rig.broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'stop_market', triggerPrice: priceAt(rig.ex, px, 0.7), amountBase: rig.amountBase, reduceOnly: true, purpose: 'stop_loss', tradeId, leg: 'sl' });
      // An order of ours the ledger never recorded (placed by a run that crashed before its commit).
      const orphan: StoredOrder = { ...resting, clientOrderId: deriveClientOrderId({ ledger: resting.ledger, tradeId, leg: 'orphan', attempt: 0 }), price: priceAt(rig.ex, px, 0.65), state: OrderState.New, exchangeOrderId: null };
      // Before the orphan: our own resting orders are ours on every venue, never foreign.
      const baseline = await rig.broker.reconcile();
      expect(baseline.foreignOrders, 'the ledger\'s own open orders are recognised').toEqual([]);
      await rig.broker.gateway.create(orphan);

      const oldGateway = rig.broker.gateway;
      const broker = await rig.restart();
      expect(broker.gateway).not.toBe(oldGateway);
      const report = await broker.reconcile();
      expect(report.errors).toEqual([]);
      expect(rig.store.orders.get(resting.clientOrderId)).toMatchObject({ state: OrderState.Ack, exchangeOrderId: resting.exchangeOrderId });
      expect(rig.store.orders.get(stop.clientOrderId)).toMatchObject({ state: OrderState.Ack, exchangeOrderId: stop.exchangeOrderId });
      expect(await broker.gateway.lookup(rig.store.orders.get(stop.clientOrderId)!)).toMatchObject({ status: 'open', exchangeOrderId: stop.exchangeOrderId });
      // HTX's integer client ids cannot carry ours (see htxClientOrderId): its orphans are left alone as foreign orders,
      // while the restarted gateway still names the ledger's own orders (looked up before the open orders are read).
      if (dialect === 'htx') {
        expect(rig.store.orders.get(orphan.clientOrderId), 'not adopted').toBeUndefined();
        expect(report.foreignOrders, 'the orphan alone is foreign, under its HTX client id').toEqual([...baseline.foreignOrders, String(htxClientOrderId(orphan.clientOrderId))]);
      } else expect(rig.store.orders.get(orphan.clientOrderId), 'adopted at start').toMatchObject({ state: OrderState.Ack, symbol: SYMBOL, side: 'buy', type: 'limit' });
      expect((await broker.fetchPositions()).find((p) => p.symbol === SYMBOL)?.sizeBase).toBeCloseTo(rig.amountBase, 9);
      if (dialect === 'blofin') {
        // An adopted order belongs to no trade, so cancel-and-replace could not name a replacement leg: refused before anything is sent.
        const logFrom = rig.sim.requestLog().length;
        await expect(broker.amendOrder(orphan.clientOrderId, { price: priceAt(rig.ex, px, 0.66), risk: entryRisk(SYMBOL, 'long', px * 0.66) })).rejects.toMatchObject({ details: { reason: 'not_replaceable' } });
        expect(rig.store.orders.get(orphan.clientOrderId)?.state, 'still working').toBe(OrderState.Ack);
        expect(rig.sim.requestLog().slice(logFrom).filter((r) => r.method === 'POST'), 'no cancel sent').toEqual([]);
      }
      for (const id of [resting.clientOrderId, stop.clientOrderId]) expect((await broker.cancelOrder(id)).state).toBe(OrderState.Cancelled);
      if (dialect === 'htx') await broker.gateway.cancel(orphan);
      else expect((await broker.cancelOrder(orphan.clientOrderId)).state).toBe(OrderState.Cancelled);
      await broker.closePosition(SYMBOL, { tradeId });
      expect(working(rig.sim)).toEqual({ orders: 0, triggers: 0 });
    });

    it('amends a resting limit order: in place on binanceusdm and bybit, cancel-and-replace on blofin and htx', async () => {
      const px = await rig.mid();
      const tradeId = trade();
      const before = working(rig.sim).orders;
      const order = await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: priceAt(rig.ex, px, 0.8), amountBase: rig.amountBase, tradeId, leg: 'entry', risk: entryRisk(SYMBOL, 'long', px * 0.8) });
      const price = priceAt(rig.ex, px, 0.82);
      const amountBase = rig.amountBase * 2;
      const logFrom = rig.sim.requestLog().length;
      const amended = await rig.broker.amendOrder(order.clientOrderId, { price, amountBase, risk: entryRisk(SYMBOL, 'long', price) });
      expect(amended).toMatchObject({ state: OrderState.Ack, price, tradeId });
      expect(amended.amountBase).toBeCloseTo(amountBase, 9);
      expect(working(rig.sim).orders, 'one working order on the exchange for the leg').toBe(before + 1);
      const atNewPrice = workingOrders(rig.sim).filter((o) => o.price === price);
      expect(atNewPrice, "the exchange's working order carries the new terms").toHaveLength(1);
      expect(atNewPrice[0]?.amountBase).toBeCloseTo(amountBase, 9);
      expect(await rig.broker.gateway.lookup(amended)).toMatchObject({ status: 'open', filledBase: 0 });
      const sent = rig.sim.requestLog().slice(logFrom).map((r) => `${r.method} ${r.path}`);
      if (dialect === 'binanceusdm' || dialect === 'bybit') {
        expect(amended.clientOrderId, 'same client id').toBe(order.clientOrderId);
        expect(amended.exchangeOrderId, 'same exchange id').toBe(order.exchangeOrderId);
        expect(sent.filter((r) => r === (dialect === 'bybit' ? 'POST /v5/order/amend' : 'PUT /fapi/v1/order')), 'one amend request').toHaveLength(1);
        expect(rig.store.orders.transitions(order.clientOrderId).at(-1)).toMatchObject({ fromState: 'ACK', toState: 'ACK', reason: 'amended', details: { from: { price: order.price }, to: { price } } });
        const view = await rig.broker.gateway.lookup(amended);
        expect(view, 'the gateway reads the new terms back').toMatchObject({ price });
        expect(view?.amountBase).toBeCloseTo(amountBase, 9);
      } else {
        expect(amended.clientOrderId, 'a replacement leg').not.toBe(order.clientOrderId);
        expect(amended.params).toMatchObject({ leg: 'entry', attempt: 1 });
        expect(rig.store.orders.get(order.clientOrderId)?.state).toBe(OrderState.Cancelled);
        expect((await rig.broker.gateway.lookup(order))?.status, 'the old order is cancelled on the exchange').toBe('canceled');
      }
      expect((await rig.broker.cancelOrder(amended.clientOrderId)).state).toBe(OrderState.Cancelled);
      expect(working(rig.sim).orders).toBe(before);
    });

    it.runIf(dialect === 'binanceusdm' || dialect === 'bybit')('resolves an amend whose answer never came by the order the exchange holds: the amend took', async () => {
      const px = await rig.mid();
      const order = await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: priceAt(rig.ex, px, 0.8), amountBase: rig.amountBase, tradeId: trade(), leg: 'entry', risk: entryRisk(SYMBOL, 'long', px * 0.8) });
      const price = priceAt(rig.ex, px, 0.81);
      // The exchange applies the amend and never answers: ccxt's 5 s request timeout ends the wait.
      rig.sim.faults.acceptThenTimeout({ count: 1 });
      const amended = await rig.broker.amendOrder(order.clientOrderId, { price, risk: entryRisk(SYMBOL, 'long', price) });
      expect(amended).toMatchObject({ clientOrderId: order.clientOrderId, state: OrderState.Ack, price });
      expect(rig.store.orders.transitions(order.clientOrderId).filter((t) => t.reason === 'amended'), 'recorded once').toHaveLength(1);
      expect(workingOrders(rig.sim).filter((o) => o.price === price)).toHaveLength(1);
      expect((await rig.broker.cancelOrder(order.clientOrderId)).state).toBe(OrderState.Cancelled);
    }, 20_000);

    it.runIf(dialect === 'binanceusdm' || dialect === 'bybit')("takes the terms the exchange holds on a refresh: an order amended outside the app (the exchange's own screens)", async () => {
      const px = await rig.mid();
      const order = await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: priceAt(rig.ex, px, 0.7), amountBase: rig.amountBase, tradeId: trade(), leg: 'entry', risk: entryRisk(SYMBOL, 'long', px * 0.7) });
      const price = priceAt(rig.ex, px, 0.72);
      const contracts = rig.amountBase / (rig.ex.market(SYMBOL).contractSize ?? 1);
      await rig.ex.editOrder(order.exchangeOrderId ?? '', SYMBOL, 'limit', 'buy', contracts * 2, price);
      const refreshed = await rig.broker.orders.refresh(order.clientOrderId);
      expect(refreshed).toMatchObject({ clientOrderId: order.clientOrderId, state: OrderState.Ack, price });
      expect(refreshed.amountBase).toBeCloseTo(rig.amountBase * 2, 9);
      const amends = () => rig.store.orders.transitions(order.clientOrderId).filter((t) => t.reason === 'amended');
      expect(amends()).toHaveLength(1);
      expect(amends()[0]).toMatchObject({ fromState: 'ACK', toState: 'ACK', details: { via: 'venue', from: { price: order.price }, to: { price } } });
      // A second refresh finds nothing new to take.
      await rig.broker.orders.refresh(order.clientOrderId);
      expect(amends()).toHaveLength(1);
      expect((await rig.broker.cancelOrder(order.clientOrderId)).state).toBe(OrderState.Cancelled);
    });

    it("moves a stop's trigger (a trailing stop): in place on bybit, cancel-and-replace elsewhere", async () => {
      const px = await rig.mid();
      const tradeId = trade();
      await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: rig.amountBase, tradeId, leg: 'entry', risk: entryRisk(SYMBOL, 'long', px) });
      const stop = await rig.broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'stop_market', triggerPrice: priceAt(rig.ex, px, 0.8), amountBase: rig.amountBase, reduceOnly: true, purpose: 'stop_loss', tradeId, leg: 'sl' });
      const triggers = working(rig.sim).triggers;
      const logFrom = rig.sim.requestLog().length;
      const raised = priceAt(rig.ex, px, 0.85);
      const moved = await rig.broker.amendOrder(stop.clientOrderId, { triggerPrice: raised });
      expect(moved).toMatchObject({ state: OrderState.Ack, triggerPrice: raised, reduceOnly: true, type: 'stop_market' });
      expect(working(rig.sim).triggers, 'still one working stop').toBe(triggers);
      expect(await rig.broker.gateway.lookup(moved)).toMatchObject({ status: 'open' });
      const open = new Map((await rig.broker.gateway.openOrders()).map((o) => [o.clientOrderId, o.intent]));
      expect(open.get(moved.clientOrderId)?.triggerPrice, 'the exchange watches the new trigger').toBe(raised);
      if (dialect === 'bybit') {
        expect(moved.clientOrderId).toBe(stop.clientOrderId);
        expect(rig.sim.requestLog().slice(logFrom).filter((r) => r.method === 'POST' && r.path === '/v5/order/amend')).toHaveLength(1);
      } else {
        expect(moved.clientOrderId).not.toBe(stop.clientOrderId);
        expect(rig.store.orders.get(stop.clientOrderId)?.state).toBe(OrderState.Cancelled);
      }
      expect((await rig.broker.cancelOrder(moved.clientOrderId)).state).toBe(OrderState.Cancelled);
      await rig.broker.closePosition(SYMBOL, { tradeId });
      expect(positionBase(rig.sim)).toBe(0);
    });

    it('refuses to amend a filled order: one the ledger knows as filled, and one that filled before the ledger heard', async () => {
      const px = await rig.mid();
      const tradeId = trade();
      const entry = await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: rig.amountBase, tradeId, leg: 'entry', risk: entryRisk(SYMBOL, 'long', px) });
      expect(entry.state).toBe(OrderState.Filled);
      const logFrom = rig.sim.requestLog().length;
      await expect(rig.broker.amendOrder(entry.clientOrderId, { amountBase: rig.amountBase * 2, risk: entryRisk(SYMBOL, 'long', px) })).rejects.toMatchObject({ code: ErrorCode.InvalidOrder, details: { reason: 'order_not_open', state: 'FILLED' } });
      expect(rig.sim.requestLog().slice(logFrom).filter((r) => r.method !== 'GET'), 'nothing sent for a filled order').toEqual([]);
      // A limit through the market, sent and acknowledged but its fill not yet seen by the ledger: the race an amend can lose.
      const { order: intent } = rig.store.orders.recordIntent({ ...copyIntent(entry), clientOrderId: deriveClientOrderId({ ledger: entry.ledger, tradeId, leg: 'add', attempt: 0 }), type: 'limit', price: priceAt(rig.ex, px, 1.05), params: { leg: 'add', attempt: 0 } });
      const ack = await rig.broker.gateway.create(intent);
      rig.store.orders.transition(intent.clientOrderId, OrderState.Ack, { atMs: Date.now(), reason: 'acknowledged', ...(ack.exchangeOrderId ? { exchangeOrderId: ack.exchangeOrderId } : {}) });
      await expect(rig.broker.amendOrder(intent.clientOrderId, { price: priceAt(rig.ex, px, 1.04), risk: entryRisk(SYMBOL, 'long', px) })).rejects.toMatchObject({ details: { reason: 'order_not_open', state: 'FILLED' } });
      expect(rig.store.orders.get(intent.clientOrderId), 'the fill won: the order ends FILLED').toMatchObject({ state: OrderState.Filled });
      expect(rig.store.orders.get(intent.clientOrderId)?.filledBase).toBeCloseTo(rig.amountBase, 9);
      await rig.broker.closePosition(SYMBOL, { tradeId });
      expect(positionBase(rig.sim)).toBe(0);
    });

    it('sets leverage and margin mode before an entry and reads them back', async () => {
      const px = await rig.mid();
      const entry = await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: priceAt(rig.ex, px, 0.8), amountBase: rig.amountBase, tradeId: trade(), leg: 'entry', leverage: 7, marginMode: 'cross', risk: entryRisk(SYMBOL, 'long', px * 0.8) });
      expect(entry.params).toMatchObject({ leverage: 7, marginMode: 'cross' });
      if (rig.ex.has.fetchLeverage) {
        const lev = await rig.ex.fetchLeverage(SYMBOL, { marginMode: 'cross' });
        expect(lev.longLeverage, 'the venue carries the sized leverage').toBe(7);
      } else {
        // ccxt's htx has no fetchLeverage: the order carries the contract's leverage.
        expect((await rig.ex.fetchOrder(entry.exchangeOrderId!, SYMBOL)).info.lever_rate, 'the venue carries the sized leverage').toBe(7);
      }
      if (rig.ex.has.fetchMarginMode) expect((await rig.ex.fetchMarginMode(SYMBOL)).marginMode).toBe('cross');
      await rig.broker.cancelOrder(entry.clientOrderId);
    });

    it('sends IOC and post-only from params.timeInForce: the venue expires both rather than rest or take', async () => {
      const px = await rig.mid();
      const base = { ...copyIntent(await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: priceAt(rig.ex, px, 0.8), amountBase: rig.amountBase, tradeId: trade(), leg: 'entry', risk: entryRisk(SYMBOL, 'long', px * 0.8) })) };
      await rig.broker.cancelOrder(base.clientOrderId);
      // IOC far from the market: nothing crosses, the remainder expires at once.
      const ioc = rig.store.orders.recordIntent({ ...base, clientOrderId: `${base.clientOrderId}i`, params: { ...base.params, timeInForce: 'IOC' } }).order;
      await rig.broker.gateway.create(ioc);
      expect((await rig.broker.gateway.lookup(ioc))?.status).toBe('canceled');
      // Post-only through the market would take liquidity: Binance expires it (GTX), Bybit cancels it (PostOnly), BloFin cancels it (post_only).
      const po = rig.store.orders.recordIntent({ ...base, clientOrderId: `${base.clientOrderId}p`, price: priceAt(rig.ex, px, 1.05), params: { ...base.params, timeInForce: 'PO' } }).order;
      await rig.broker.gateway.create(po);
      expect(await rig.broker.gateway.lookup(po)).toMatchObject({ status: 'canceled', filledBase: 0 });
      expect(positionBase(rig.sim)).toBe(0);
    });
  });

  runBrokerContract(`ccxt ${dialect} (SimExchange ${dialect} dialect)`, async () => {
    const rig = await startRig(dialect, 41 + i);
    return {
      broker: rig.broker,
      store: rig.store,
      symbol: SYMBOL,
      amountBase: rig.amountBase,
      price: () => rig.mid(),
      settle: () => rig.broker.sync(),
      close: () => rig.stop(),
    };
  });
}

/** An order's intent fields, to record a copy under another client id. */
function copyIntent(o: StoredOrder): Parameters<Store['orders']['recordIntent']>[0] {
  return { clientOrderId: o.clientOrderId, ledger: o.ledger, exchange: o.exchange, symbol: o.symbol, side: o.side, type: o.type, purpose: o.purpose, tradeId: o.tradeId, amountBase: o.amountBase, price: o.price, triggerPrice: o.triggerPrice, reduceOnly: o.reduceOnly, params: o.params, createdAtMs: o.createdAtMs };
}
