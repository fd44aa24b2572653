import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBybitClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { deriveClientOrderId } from '../../sdk/src/trading/index.js';
import { entryRisk } from '../../sdk/test/trading/helpers.js';
import { KEY, startLiveRig, SYMBOL, type LiveRig } from '../../sdk/test/trading/liveRig.js';
import { SIM_START_MS, until } from '../support/sim.js';

type Client = ReturnType<typeof createBybitClient>;
type Order = Awaited<ReturnType<Client['createOrder']>>;
type Trade = Awaited<ReturnType<Client['fetchMyTrades']>>[number];
type Position = Awaited<ReturnType<Client['fetchPositions']>>[number];

/** The few members of a `ws` client socket used here. */
interface RawWs {
  send(data: string): void;
  terminate(): void;
  on(event: 'message', fn: (data: unknown) => void): void;
  once(event: 'open' | 'error', fn: (arg?: unknown) => void): void;
}
// The sdk's websocket library (the sim serves with it); Node 20 has no global WebSocket client.
const WebSocket = createRequire(new URL('../../sdk/package.json', import.meta.url))('ws') as new (url: string) => RawWs;

const LOOKUP_PATHS = ['/v5/order/realtime', '/v5/order/history'];
const lookups = (sim: SimExchange): number => sim.requestLog().filter((e) => LOOKUP_PATHS.includes(e.path)).length;

/** ccxt's caches of what the private stream delivered (filled by every push, awaited or not). */
const streamedOrders = (ex: Client): Order[] => [...((ex as unknown as { orders?: Order[] }).orders ?? [])];
const streamedTrades = (ex: Client): Trade[] => [...((ex as unknown as { myTrades?: Trade[] }).myTrades ?? [])];
const streamedPositions = (ex: Client): Position[] => {
  const cache = (ex as unknown as { positions?: { hashmap?: Record<string, Record<string, Position>> } }).positions;
  return Object.values(cache?.hashmap ?? {}).flatMap((bySide) => Object.values(bySide));
};

/** The USDT `walletBalance` of the last `wallet` push (ccxt keeps the unified account's raw rows as `info`). */
const streamedWalletUsdt = (ex: Client): number | null => {
  const unified = (ex as unknown as { balance?: { unified?: { info?: { coin?: { coin: string; walletBalance: string }[] }[] } } }).balance?.unified;
  const usdt = unified?.info?.[0]?.coin?.find((c) => c.coin === 'USDT');
  return usdt ? Number(usdt.walletBalance) : null;
};

/** Starts a watch whose first answer is not needed (the caches above are read instead); its failure is the test's to see elsewhere. */
function subscribe(watch: Promise<unknown>): void {
  watch.catch(() => undefined);
}

async function mid(ex: Client): Promise<number> {
  const book = await ex.fetchOrderBook(SYMBOL, 5);
  return ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
}

/** A raw socket on `/v5/private`, collecting every message it is sent. */
async function rawSocket(sim: SimExchange): Promise<{ ws: RawWs; messages: Record<string, unknown>[]; reply: (op: string) => Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(`${sim.url.replace(/^http/, 'ws')}/v5/private`);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d)) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const seen = new Set<Record<string, unknown>>();
  const reply = (op: string): Promise<Record<string, unknown>> =>
    until(`the answer to ${op}`, () => {
      const m = messages.find((x) => x.op === op && !seen.has(x));
      if (m) seen.add(m);
      return m ?? null;
    }, 10_000);
  return { ws, messages, reply };
}

const sign = (secret: string, expires: string): string => createHmac('sha256', secret).update(`GET/realtime${expires}`).digest('hex');

describe('ccxt pro bybit against the sim (bybit private stream /v5/private)', () => {
  let sim: SimExchange;
  let ex: Client;
  let amount: number;

  beforeAll(async () => {
    sim = await startSimExchange({ dialect: 'bybit', symbols: 4, seed: 17, startTimeMs: SIM_START_MS, acceleration: 1, historyBars: 50, apiKey: KEY, initialBalanceUsdt: 100_000, rateLimitScale: 20 });
    // Positions come from the stream alone: no REST snapshot (ccxt would also ask for inverse positions, which the sim does not list).
    ex = createBybitClient(sim, { enableRateLimit: false, timeout: 5_000, options: { watchPositions: { fetchPositionsSnapshot: false } } });
    await ex.loadMarkets();
    const px = await mid(ex);
    const step = ex.market(SYMBOL).precision.amount ?? 0.01;
    amount = Number((Math.ceil(100 / px / step) * step).toPrecision(12));
    subscribe(ex.watchOrders(SYMBOL));
    subscribe(ex.watchMyTrades(SYMBOL));
    subscribe(ex.watchPositions([SYMBOL]));
    subscribe(ex.watchBalance());
    // Pushes made before the sim has a subscription are not delivered: wait for all four.
    const topics = ['order', 'execution', 'position', 'wallet'];
    await until('order, execution, position and wallet subscriptions', () => (topics.every((t) => sim.privateSubscriptions(t) >= 1) ? true : null));
  });

  afterAll(async () => {
    await ex?.close();
    await sim?.stop();
  });

  it('watchOrders: a limit order rests, then its cancel, under our client id', async () => {
    const px = await mid(ex);
    const price = Number(ex.priceToPrecision(SYMBOL, px * 0.8));
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, price, { clientOrderId: 'ws-rest-1' });
    const open = await until('the resting order on the stream', () => streamedOrders(ex).find((o) => o.id === placed.id && o.status === 'open') ?? null);
    expect(open).toMatchObject({ clientOrderId: 'ws-rest-1', symbol: SYMBOL, side: 'buy', type: 'limit', price, amount, filled: 0 });
    await ex.cancelOrder(String(placed.id), SYMBOL);
    const canceled = await until('the cancel on the stream', () => streamedOrders(ex).find((o) => o.id === placed.id && o.status === 'canceled') ?? null);
    expect(canceled.clientOrderId).toBe('ws-rest-1');
    expect((canceled.info as Record<string, unknown>).cancelType).toBe('CancelByUser');
  });

  it('watchMyTrades: a market order’s fill carries the price, amount and fee REST lists; watchPositions shows the position it opened, watchBalance the fee paid', async () => {
    const placed = await ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { clientOrderId: 'ws-mkt-1' });
    const streamed = await until('the execution on the stream', () => {
      const mine = streamedTrades(ex).filter((t) => t.order === placed.id);
      const sum = mine.reduce((s, t) => s + (t.amount ?? 0), 0);
      return Math.abs(sum - amount) < 1e-9 ? mine : null;
    });
    const rest = (await ex.fetchMyTrades(SYMBOL)).filter((t) => t.order === placed.id);
    expect(streamed.map((t) => t.id).sort()).toEqual(rest.map((t) => t.id).sort());
    for (const t of streamed) {
      const r = rest.find((x) => x.id === t.id)!;
      expect(t.price).toBe(r.price);
      expect(t.amount).toBe(r.amount);
      expect(t.fee?.cost).toBe(r.fee?.cost);
      expect(t.fee?.cost).toBeGreaterThan(0);
      expect(t.takerOrMaker).toBe('taker');
      expect((t.info as Record<string, unknown>).orderLinkId).toBe('ws-mkt-1');
    }
    const filled = await until('the filled order on the stream', () => streamedOrders(ex).find((o) => o.id === placed.id && o.status === 'closed') ?? null);
    expect(filled.filled).toBeCloseTo(amount, 9);
    const pos = await until('the position on the stream', () => streamedPositions(ex).find((p) => p.symbol === SYMBOL && p.side === 'long' && Math.abs((p.contracts ?? 0) - amount) < 1e-9) ?? null);
    const vwap = streamed.reduce((s, t) => s + (t.price ?? 0) * (t.amount ?? 0), 0) / amount;
    expect(pos.entryPrice).toBeCloseTo(vwap, 6);
    const [restPos] = await ex.fetchPositions([SYMBOL]);
    expect(restPos?.contracts).toBeCloseTo(pos.contracts!, 9);
    // The account's only fill so far: the wallet is the deposit less its fee.
    const fees = streamed.reduce((s, t) => s + (t.fee?.cost ?? 0), 0);
    const wallet = await until('the wallet after the fill', () => {
      const w = streamedWalletUsdt(ex);
      return w !== null && Math.abs(w - (100_000 - fees)) < 1e-6 ? w : null;
    });
    expect(wallet).toBeLessThan(100_000);
  });

  it('watchOrders: a conditional stop shows up untriggered under its client id, then deactivated on cancel', async () => {
    const px = await mid(ex);
    const trigger = Number(ex.priceToPrecision(SYMBOL, px * 0.8));
    const placed = await ex.createOrder(SYMBOL, 'market', 'sell', amount, undefined, { stopLossPrice: trigger, reduceOnly: true, clientOrderId: 'ws-stop-1' });
    const stop = await until('the conditional order on the stream', () => streamedOrders(ex).find((o) => o.id === placed.id) ?? null);
    expect(stop).toMatchObject({ clientOrderId: 'ws-stop-1', side: 'sell', reduceOnly: true, triggerPrice: trigger, status: 'open' });
    expect(stop.info).toMatchObject({ orderStatus: 'Untriggered', stopOrderType: 'Stop', triggerDirection: 2 });
    await ex.cancelOrder(String(placed.id), SYMBOL, { trigger: true });
    const gone = await until('the deactivated stop on the stream', () => streamedOrders(ex).find((o) => o.id === placed.id && (o.info as Record<string, unknown>).orderStatus === 'Deactivated') ?? null);
    expect(gone.status).toBe('canceled');
  });

  it('auth: a bad signature, an unknown key and a past expiry are refused; ccxt reports the refusal as an authentication error', async () => {
    const { ws, reply } = await rawSocket(sim);
    try {
      const expires = String(Date.now() + 10_000);
      ws.send(JSON.stringify({ op: 'auth', args: [KEY.apiKey, expires, sign('not-the-secret', expires)] }));
      expect(await reply('auth')).toMatchObject({ success: false, ret_msg: 'error:signature verification failed' });
      ws.send(JSON.stringify({ op: 'auth', args: ['not-the-key', expires, sign(KEY.secret, expires)] }));
      expect(await reply('auth')).toMatchObject({ success: false, ret_msg: 'error:apikey invalid' });
      const past = String(Date.now() - 1_000);
      ws.send(JSON.stringify({ op: 'auth', args: [KEY.apiKey, past, sign(KEY.secret, past)] }));
      expect(await reply('auth')).toMatchObject({ success: false, ret_msg: 'Params Error' });
      ws.send(JSON.stringify({ op: 'auth', args: [KEY.apiKey, expires, sign(KEY.secret, expires)] }));
      expect(await reply('auth')).toMatchObject({ success: true, op: 'auth' });
    } finally {
      ws.terminate();
    }
    // Markets and the account type are given: ccxt would otherwise ask signed REST endpoints first, which refuse the wrong secret before the stream can.
    const wrong = createBybitClient(sim, { enableRateLimit: false, timeout: 5_000, apiKey: KEY.apiKey, secret: 'not-the-secret', options: { enableUnifiedMargin: false, enableUnifiedAccount: true } });
    wrong.setMarkets(ex.markets);
    try {
      await expect(wrong.watchOrders(SYMBOL)).rejects.toThrow(/Authentication failed: error:signature verification failed/);
    } finally {
      await wrong.close();
    }
  });

  it('subscribing before auth is refused, and nothing is pushed to that socket', async () => {
    const { ws, messages, reply } = await rawSocket(sim);
    try {
      ws.send(JSON.stringify({ op: 'subscribe', req_id: 'early', args: ['order', 'execution'] }));
      expect(await reply('subscribe')).toMatchObject({ success: false, ret_msg: 'Request not authorized', req_id: 'early' });
      ws.send(JSON.stringify({ op: 'ping', req_id: 'p1' }));
      expect(await reply('pong')).toMatchObject({ req_id: 'p1' });
      // An order change now reaches the ccxt client's socket but not this one.
      const before = streamedOrders(ex).length;
      const px = await mid(ex);
      const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, Number(ex.priceToPrecision(SYMBOL, px * 0.7)), { clientOrderId: 'ws-early-1' });
      await until('the order on the authenticated socket', () => (streamedOrders(ex).length > before && streamedOrders(ex).some((o) => o.id === placed.id) ? true : null));
      await ex.cancelOrder(String(placed.id), SYMBOL);
      expect(messages.filter((m) => 'topic' in m)).toEqual([]);
    } finally {
      ws.terminate();
    }
  });
});

describe('the live broker follows the bybit private stream', () => {
  let rig: LiveRig;

  afterAll(async () => {
    await rig?.broker.stop();
    await rig?.stop();
  });

  it('a cancel made outside the app reaches the ledger through the stream; after a drop it reconnects and reconciles', async () => {
    rig = await startLiveRig({ dialect: 'bybit', seed: 23 });
    await rig.broker.start();
    const follower = rig.broker.follow();
    const book = await rig.ex.fetchOrderBook(SYMBOL, 5);
    const px = ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
    const price = Number(rig.ex.priceToPrecision(SYMBOL, px * 0.7));
    const limitEntry = (tradeId: string) => ({ symbol: SYMBOL, side: 'buy' as const, type: 'limit' as const, price, amountBase: rig.amountBase, tradeId, leg: 'entry', risk: entryRisk(SYMBOL, 'long', price) });

    await until('the follower to subscribe to orders', () => (rig.sim.privateSubscriptions('order') >= 1 ? true : null));
    const resting = await rig.broker.placeOrder(limitEntry('stream'));
    expect(resting.state).toBe('ACK');
    const beforeCancel = lookups(rig.sim);
    // Cancelled outside the app (the exchange's web UI): only the stream can tell the broker.
    await rig.ex.cancelOrder(resting.exchangeOrderId ?? '', SYMBOL);
    await until('the stream update in the ledger', () => (rig.store.orders.get(resting.clientOrderId)?.state === 'CANCELLED' ? true : null));
    // follow() reads the order once per stream update (the placement's and the cancel's), never in a polling loop.
    expect(lookups(rig.sim) - beforeCancel, 'order lookups between the cancel and the ledger seeing it').toBeLessThanOrEqual(2);

    // A drop while the exchange refuses websockets: every retry reconciles over REST until it can resubscribe.
    rig.sim.faults.refuseWebsockets(true);
    rig.sim.faults.dropWebsockets();
    await until('a reconciliation after the drop', () => (follower.reconnects() >= 1 ? true : null));
    const orphan = deriveClientOrderId({ ledger: 'live', tradeId: 'while-dropped', leg: 'entry', attempt: 0 });
    await rig.rawOrder('market', 'buy', rig.amountContracts, undefined, orphan);
    // Adoption records the order, then applies its fill: wait for the reconciliation to finish it.
    await until('the order placed while down, adopted and filled by a reconciliation', () => (rig.store.orders.get(orphan)?.state === 'FILLED' ? true : null));
    expect(await rig.ledgerMatches()).toEqual([]);

    rig.sim.faults.refuseWebsockets(false);
    await until('the follower to resubscribe', () => (rig.sim.privateSubscriptions('order') >= 1 ? true : null));
    const again = await rig.broker.placeOrder(limitEntry('after-reconnect'));
    await rig.ex.cancelOrder(again.exchangeOrderId ?? '', SYMBOL);
    await until('the stream update after the reconnect', () => (rig.store.orders.get(again.clientOrderId)?.state === 'CANCELLED' ? true : null));
    expect(await rig.ledgerMatches()).toEqual([]);
  });
});
