import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { createBinanceUsdmClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { LISTEN_KEY_TTL_MS } from '../../sdk/src/sim/dialects/binanceusdm/userDataRoutes.js';
import { openStore, type Store } from '../../sdk/src/store/index.js';
import { CcxtBroker, deriveClientOrderId } from '../../sdk/src/trading/index.js';
import { permissiveRisk, SIM_KEY, tempDir } from '../../sdk/test/trading/helpers.js';
import { SIM_START_MS, until } from '../support/sim.js';

const SYMBOL = 'ETH/USDT:USDT';
const MIN = 60_000;

type Client = ReturnType<typeof createBinanceUsdmClient>;
type Position = Awaited<ReturnType<Client['fetchPositions']>>[number];

/** Bid/ask midpoint over REST. */
async function mid(ex: Client): Promise<number> {
  const book = await ex.fetchOrderBook(SYMBOL, 5);
  return ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
}

/** About 150 USDT of SYMBOL at `px`, on the lot step. */
function amountAt(ex: Client, px: number): number {
  return Number(ex.amountToPrecision(SYMBOL, 150 / px));
}

/** A raw listenKey call: only the API key header, as Binance's USER_STREAM endpoints take. */
async function listenKeyCall(sim: SimExchange, method: 'POST' | 'PUT' | 'DELETE', apiKey: string | null): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}/fapi/v1/listenKey`, { method, headers: apiKey === null ? {} : { 'X-MBX-APIKEY': apiKey } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * A bare websocket client over node:http (the test package has no ws dependency): the upgrade's
 * outcome, and the server's text frames as parsed JSON.
 */
interface RawSocket {
  messages: Record<string, unknown>[];
  close(): void;
}
function openRaw(sim: SimExchange, path: string): Promise<{ refused: { status: number; body: Record<string, unknown> } } | { socket: RawSocket }> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.url}${path}`, { headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64') } });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ refused: { status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> } }));
    });
    req.on('upgrade', (_res, socket: Duplex, head: Buffer) => {
      const messages: Record<string, unknown>[] = [];
      let buf = head;
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        // Server frames are unmasked: opcode in byte 0, length in byte 1 (126: 16-bit, 127: 64-bit follows).
        for (;;) {
          if (buf.length < 2) return;
          let len = buf[1]! & 0x7f;
          let offset = 2;
          if (len === 126) {
            if (buf.length < 4) return;
            len = buf.readUInt16BE(2);
            offset = 4;
          } else if (len === 127) {
            if (buf.length < 10) return;
            len = Number(buf.readBigUInt64BE(2));
            offset = 10;
          }
          if (buf.length < offset + len) return;
          if ((buf[0]! & 0x0f) === 1) messages.push(JSON.parse(buf.subarray(offset, offset + len).toString()) as Record<string, unknown>);
          buf = buf.subarray(offset + len);
        }
      });
      socket.on('error', () => undefined);
      resolve({ socket: { messages, close: () => socket.destroy() } });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ccxt pro binanceusdm against the sim (user-data stream)', () => {
  let sim: SimExchange;
  let ex: Client;

  beforeAll(async () => {
    sim = await startSimExchange({ dialect: 'binanceusdm', symbols: 4, seed: 23, startTimeMs: SIM_START_MS, acceleration: 1, historyBars: 50, apiKey: SIM_KEY, initialBalanceUsdt: 100_000, rateLimitScale: 20, pushIntervalMs: 100 });
    ex = createBinanceUsdmClient(sim, { enableRateLimit: false, timeout: 5_000 });
    await ex.loadMarkets();
  });

  afterAll(async () => {
    await ex?.close();
    await sim?.stop();
  });

  it('declares the private streams in ccxt has', () => {
    for (const m of ['watchOrders', 'watchMyTrades', 'watchPositions', 'watchBalance'] as const) expect(ex.has[m], m).toBe(true);
  });

  it('watchOrders: a limit order rests (NEW), then its cancel arrives', async () => {
    const first = ex.watchOrders(SYMBOL);
    // Events sent before the socket is open are not replayed: wait for the stream to follow the key.
    await until('the user-data socket', () => (sim.privateSubscriptions('userData') >= 1 ? true : null));
    expect(sim.privateSubscriptions('ORDER_TRADE_UPDATE')).toBe(sim.privateSubscriptions('userData'));
    const px = await mid(ex);
    const price = Number(ex.priceToPrecision(SYMBOL, px * 0.8));
    const amount = amountAt(ex, px);
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, price, { newClientOrderId: 'uds-rest-1' });
    await first;
    const rested = await until('the resting order on the stream', async () => {
      const seen = (ex.orders ?? []).find((o) => o.id === placed.id) ?? null;
      return seen ?? ((await ex.watchOrders(SYMBOL)).find((o) => o.id === placed.id) ?? null);
    });
    expect(rested).toMatchObject({ id: placed.id, clientOrderId: 'uds-rest-1', status: 'open', side: 'buy', type: 'limit', price, amount, filled: 0 });
    expect(rested.info).toMatchObject({ x: 'NEW', X: 'NEW', s: 'ETHUSDT', ps: 'BOTH' });

    const cancelled = ex.watchOrders(SYMBOL);
    await ex.cancelOrder(String(placed.id), SYMBOL);
    await cancelled;
    const done = await until('the cancel on the stream', async () => {
      const o = (ex.orders ?? []).find((r) => r.id === placed.id && r.status === 'canceled');
      return o ?? ((await ex.watchOrders(SYMBOL)).find((r) => r.id === placed.id && r.status === 'canceled') ?? null);
    });
    expect(done.info).toMatchObject({ x: 'CANCELED', X: 'CANCELED', c: 'uds-rest-1' });
    expect((await ex.fetchOrder(String(placed.id), SYMBOL)).status, 'REST agrees').toBe('canceled');
  });

  it('a market fill: watchMyTrades carries the REST fill, watchPositions and watchBalance follow it', async () => {
    const trades = ex.watchMyTrades(SYMBOL);
    await until('the user-data socket', () => (sim.privateSubscriptions('userData') >= 1 ? true : null));
    const before = await ex.fetchPositions([SYMBOL]);
    const px = await mid(ex);
    const amount = amountAt(ex, px);
    const positions = ex.watchPositions([SYMBOL]);
    const balance = ex.watchBalance();
    const placed = await ex.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { newClientOrderId: 'uds-fill-1' });
    await trades;
    const streamed = await until('the fills of the market order on the stream', async () => {
      const mine = (ex.myTrades ?? []).filter((t) => t.order === placed.id);
      const sum = mine.reduce((s, t) => s + (t.amount ?? 0), 0);
      if (Math.abs(sum - amount) < 1e-9) return mine;
      await ex.watchMyTrades(SYMBOL);
      return null;
    });
    const rest = (await ex.fetchMyTrades(SYMBOL)).filter((t) => t.order === placed.id);
    expect(rest.length).toBeGreaterThan(0);
    expect(streamed.map((t) => t.id).sort()).toEqual(rest.map((t) => t.id).sort());
    for (const r of rest) {
      const s = streamed.find((t) => t.id === r.id)!;
      expect({ price: s.price, amount: s.amount, fee: s.fee?.cost, currency: s.fee?.currency, takerOrMaker: s.takerOrMaker, side: s.side }, `trade ${r.id}`).toEqual({
        price: r.price,
        amount: r.amount,
        fee: r.fee?.cost,
        currency: r.fee?.currency,
        takerOrMaker: r.takerOrMaker,
        side: r.side,
      });
    }
    const order = await until('the order filled on the stream', () => (ex.orders ?? []).find((o) => o.id === placed.id && o.status === 'closed') ?? null);
    expect(order).toMatchObject({ clientOrderId: 'uds-fill-1', filled: amount });

    const held = (before.find((p) => p.symbol === SYMBOL)?.contracts ?? 0) + amount;
    await positions;
    // ccxt's position cache, which its ACCOUNT_UPDATE handler fills (the first watch may have answered with the REST snapshot).
    const cached = (): Position[] => [...((ex.positions as unknown as Record<string, Position[]> | undefined)?.future ?? [])];
    const pos = await until('the position on the stream', async () => {
      const got = cached().find((p) => p.symbol === SYMBOL && Math.abs((p.contracts ?? 0) - held) < 1e-9 && (p.info as Record<string, unknown>).pa !== undefined);
      if (got) return got;
      await ex.watchPositions([SYMBOL]);
      return null;
    });
    const restPos = (await ex.fetchPositions([SYMBOL])).find((p) => p.symbol === SYMBOL)!;
    expect({ side: pos.side, contracts: pos.contracts, entryPrice: pos.entryPrice }).toEqual({ side: 'long', contracts: restPos.contracts, entryPrice: restPos.entryPrice });

    const wallet = await balance;
    // The wallet after the fee (ccxt reads the wallet balance `wb` as total).
    expect(wallet.USDT?.total).toBeCloseTo(sim.accountSnapshot().balanceUsdt, 6);
    expect(wallet.USDT?.total).toBeLessThan(100_000);
  });

  it('a stop placed as an algo order arrives as ALGO_UPDATE and its cancel too', async () => {
    await until('the user-data socket', () => (sim.privateSubscriptions('userData') >= 1 ? true : null));
    const px = await mid(ex);
    const trigger = Number(ex.priceToPrecision(SYMBOL, px * 0.7));
    const next = ex.watchOrders(SYMBOL);
    // As the gateway places stops: ccxt sends a stopLossPrice market order to /fapi/v1/algoOrder.
    const placed = await ex.createOrder(SYMBOL, 'market', 'sell', amountAt(ex, px), undefined, { stopLossPrice: trigger, reduceOnly: true, clientOrderId: 'uds-stop-1' });
    await next;
    const stop = await until('the stop on the stream', async () => {
      const o = (ex.orders ?? []).find((r) => r.clientOrderId === 'uds-stop-1');
      return o ?? ((await ex.watchOrders(SYMBOL)).find((r) => r.clientOrderId === 'uds-stop-1') ?? null);
    });
    expect(stop).toMatchObject({ id: placed.id, status: 'open', triggerPrice: trigger, side: 'sell', reduceOnly: true });
    expect(stop.info).toMatchObject({ at: 'CONDITIONAL', o: 'STOP_MARKET', X: 'NEW' });
    await ex.cancelOrder(String(placed.id), SYMBOL, { trigger: true });
    const gone = await until('the stop cancel on the stream', async () => {
      const o = (ex.orders ?? []).find((r) => r.clientOrderId === 'uds-stop-1' && r.status === 'canceled');
      return o ?? ((await ex.watchOrders(SYMBOL)).find((r) => r.clientOrderId === 'uds-stop-1' && r.status === 'canceled') ?? null);
    });
    expect(gone.info).toMatchObject({ X: 'CANCELED' });
  });

  it('an unknown listenKey is refused; the listenKey endpoints want the API key header', async () => {
    const refused = await openRaw(sim, '/private/ws?listenKey=notAKeyTheSimGave');
    expect('refused' in refused && refused.refused).toEqual({ status: 400, body: { code: -1125, msg: 'This listenKey does not exist.' } });
    expect(await listenKeyCall(sim, 'POST', null)).toEqual({ status: 401, body: { code: -2014, msg: 'API-key format invalid.' } });
    expect((await listenKeyCall(sim, 'POST', 'someone-else')).body.code).toBe(-2015);
  });
});

describe('binanceusdm listenKey lifetime (injected wall clock)', () => {
  let sim: SimExchange;
  let wallMs = Date.UTC(2026, 0, 1);

  beforeAll(async () => {
    // The dialect's wall clock (rate windows and listenKey expiry) is stepped by the test.
    sim = await startSimExchange({ dialect: 'binanceusdm', symbols: 2, seed: 5, startTimeMs: SIM_START_MS, apiKey: SIM_KEY, pushIntervalMs: 50, rateLimitClockMs: () => wallMs });
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('a key kept alive stays; one left alone expires with listenKeyExpired and is refused after', async () => {
    const created = await listenKeyCall(sim, 'POST', SIM_KEY.apiKey);
    expect(created.status).toBe(200);
    const key = String(created.body.listenKey);
    expect(key).toMatch(/^[A-Za-z0-9]{64}$/);
    expect((await listenKeyCall(sim, 'POST', SIM_KEY.apiKey)).body.listenKey, 'one key per account: POST returns the active one').toBe(key);
    const opened = await openRaw(sim, `/private/ws?listenKey=${key}`);
    if (!('socket' in opened)) throw new Error(`the active key was refused: ${JSON.stringify(opened.refused)}`);
    try {
      await until('the socket to follow the key', () => (sim.privateSubscriptions('userData') === 1 ? true : null));
      wallMs += LISTEN_KEY_TTL_MS - MIN;
      expect(await listenKeyCall(sim, 'PUT', SIM_KEY.apiKey)).toEqual({ status: 200, body: { listenKey: key } });
      wallMs += LISTEN_KEY_TTL_MS - MIN;
      const stillOpen = await openRaw(sim, `/private/ws?listenKey=${key}`);
      expect('socket' in stillOpen, 'kept alive: 118 minutes after creation, one PUT in between').toBe(true);
      if ('socket' in stillOpen) stillOpen.socket.close();

      wallMs += 2 * MIN;
      const expired = await until('listenKeyExpired on the socket', () => opened.socket.messages.find((m) => m.e === 'listenKeyExpired') ?? null);
      expect(expired.listenKey).toBe(key);
      expect(sim.privateSubscriptions('userData'), 'the expired socket follows nothing').toBe(0);
      expect(await listenKeyCall(sim, 'PUT', SIM_KEY.apiKey)).toEqual({ status: 400, body: { code: -1125, msg: 'This listenKey does not exist.' } });
      const late = await openRaw(sim, `/private/ws?listenKey=${key}`);
      expect('refused' in late && late.refused.status).toBe(400);
      const fresh = String((await listenKeyCall(sim, 'POST', SIM_KEY.apiKey)).body.listenKey);
      expect(fresh, 'a new key after expiry').not.toBe(key);
      expect(await listenKeyCall(sim, 'DELETE', SIM_KEY.apiKey)).toEqual({ status: 200, body: {} });
      expect(await openRaw(sim, `/private/ws?listenKey=${fresh}`), 'a closed key is refused').toHaveProperty('refused.status', 400);
    } finally {
      opened.socket.close();
    }
  });
});

describe('the live broker follows the binanceusdm user-data stream', () => {
  let sim: SimExchange;
  let store: Store;
  let dir: { dir: string; cleanup: () => void };
  const clients: Client[] = [];

  beforeAll(async () => {
    sim = await startSimExchange({ dialect: 'binanceusdm', symbols: 4, seed: 31, startTimeMs: SIM_START_MS, acceleration: 1, historyBars: 50, apiKey: SIM_KEY, initialBalanceUsdt: 100_000, rateLimitScale: 20, pushIntervalMs: 100 });
    dir = tempDir();
    store = openStore({ home: dir.dir });
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await sim?.stop();
    store?.close();
    dir?.cleanup();
  });

  /** Ledger == exchange over REST: every order of ours in the state REST reports, the same fills, the same position. */
  async function ledgerVsExchange(ex: Client): Promise<string[]> {
    const problems: string[] = [];
    const byState: Record<string, string[]> = { open: ['ACK', 'PARTIAL'], closed: ['FILLED'], canceled: ['CANCELLED', 'FILLED'], expired: ['CANCELLED', 'FILLED'] };
    const exchangeOrders = await ex.fetchOrders(SYMBOL);
    for (const o of exchangeOrders) {
      if (!o.clientOrderId?.startsWith('ps')) continue;
      const mine = store.orders.get(o.clientOrderId);
      if (!mine) problems.push(`exchange order ${o.clientOrderId} missing from the ledger`);
      else if (!(byState[o.status ?? ''] ?? []).includes(mine.state)) problems.push(`${o.clientOrderId}: exchange ${o.status}, ledger ${mine.state}`);
      else if (Math.abs((o.filled ?? 0) - mine.filledBase) > 1e-9) problems.push(`${o.clientOrderId}: exchange filled ${o.filled}, ledger ${mine.filledBase}`);
    }
    const exFills = new Set((await ex.fetchMyTrades(SYMBOL)).map((t) => String(t.id)));
    const myFills = new Set(store.fills.since('live', 0).map((f) => f.fillId));
    for (const f of exFills) if (!myFills.has(f)) problems.push(`exchange fill ${f} missing from the ledger`);
    for (const f of myFills) if (!exFills.has(f)) problems.push(`ledger fill ${f} unknown to the exchange`);
    const held = (await ex.fetchPositions([SYMBOL])).find((p) => p.symbol === SYMBOL);
    const size = held ? (held.side === 'short' ? -1 : 1) * (held.contracts ?? 0) : 0;
    const mine = store.positions.get('live', 'binanceusdm', SYMBOL);
    const signed = mine ? (mine.side === 'long' ? mine.sizeBase : -mine.sizeBase) : 0;
    if (Math.abs(signed - size) > 1e-9) problems.push(`exchange position ${size}, ledger ${signed}`);
    return problems;
  }

  it('stream updates reach the ledger without polling; after a drop it reconnects and reconciles', async () => {
    const brokerEx = createBinanceUsdmClient(sim, { enableRateLimit: false, timeout: 5_000 });
    const raw = createBinanceUsdmClient(sim, { enableRateLimit: false, timeout: 5_000 });
    clients.push(brokerEx, raw);
    await raw.loadMarkets();
    const clock = new SystemClock();
    const broker = new CcxtBroker({ store, clock, risk: permissiveRisk(clock), exchange: brokerEx as never, exchangeId: 'binanceusdm', lookupBaseMs: 30, readRetry: { baseMs: 30 }, errorBurst: null });
    await broker.start();
    const follower = broker.follow();
    const ledgerState = (id: string): string | undefined => store.orders.get(id)?.state;
    // The follower is back in watchOrders (ccxt holds its pending 'orders' future): an update it
    // reacts to with REST work must be handled before the next one, or ccxt keeps the later one
    // in its cache until yet another event wakes the watch.
    const listening = (): true | null => (Object.values(brokerEx.clients as Record<string, { futures: Record<string, unknown> }>).some((c) => 'orders' in c.futures) ? true : null);
    try {
      await until('the follower on the user-data stream', () => (sim.privateSubscriptions('userData') >= 1 ? true : null), 45_000);
      await until('the follower waiting on the stream', listening, 45_000);
      const px = await mid(raw);
      const amount = amountAt(raw, px);

      // An order of ours placed outside the broker (another instance, a lost db write): the stream's NEW adopts it.
      const adopted = deriveClientOrderId({ ledger: 'live', tradeId: 'uds-adopt', leg: 'entry', attempt: 0 });
      const resting = await raw.createOrder(SYMBOL, 'limit', 'buy', amount, Number(raw.priceToPrecision(SYMBOL, px * 0.7)), { newClientOrderId: adopted });
      await until('the stream update to adopt the order', () => (ledgerState(adopted) === 'ACK' ? true : null), 45_000);
      expect(store.orders.get(adopted)?.exchangeOrderId).toBe(String(resting.id));
      await until('the follower back on the stream after adopting', listening, 45_000);
      // Cancelled outside the app: the stream tells the ledger, no reconnect or poll involved.
      await raw.cancelOrder(String(resting.id), SYMBOL);
      await until('the cancel to reach the ledger', () => (ledgerState(adopted) === 'CANCELLED' ? true : null), 45_000);
      expect(follower.reconnects(), 'no drop so far: the stream alone moved the ledger').toBe(0);
      await until('the follower waiting on the stream before the drop', listening, 45_000);

      sim.faults.dropWebsockets();
      const whileDropped = deriveClientOrderId({ ledger: 'live', tradeId: 'uds-dropped', leg: 'entry', attempt: 0 });
      await raw.createOrder(SYMBOL, 'market', 'buy', amount, undefined, { newClientOrderId: whileDropped });
      await until('reconciliation after the reconnect', () => (follower.reconnects() >= 1 && store.orders.get(whileDropped) !== undefined ? true : null), 45_000);
      expect(ledgerState(whileDropped)).toBe('FILLED');
      expect(await ledgerVsExchange(raw)).toEqual([]);
      // Following again after the reconnect: the next change arrives on the stream.
      await until('the follower back on the stream', () => (sim.privateSubscriptions('userData') >= 1 && listening() ? true : null), 45_000);
      const after = deriveClientOrderId({ ledger: 'live', tradeId: 'uds-after', leg: 'entry', attempt: 0 });
      const reconnects = follower.reconnects();
      await raw.createOrder(SYMBOL, 'limit', 'buy', amount, Number(raw.priceToPrecision(SYMBOL, px * 0.7)), { newClientOrderId: after });
      await until('the order after the reconnect on the stream', () => (ledgerState(after) === 'ACK' ? true : null), 45_000);
      expect(follower.reconnects()).toBe(reconnects);
      expect(await ledgerVsExchange(raw)).toEqual([]);
    } finally {
      await broker.stop();
    }
  });
});
