import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blofinSign, createBlofinClient, startSimExchange, type SimExchange } from '@perpscope/sdk/sim';
import { SIM_START_MS, until } from '../support/sim.js';
import { DOC_SECTIONS } from './docSections.js';
import { mergeItems, shapeDiff, unifiedDiff, unifiedShape, type ShapeDifference } from './shapeDiff.js';

/*
 * SimExchange against BloFin's official documentation: for every REST endpoint and websocket
 * channel Perpscope reaches through ccxt, the sim's answer must have the keys and JSON types of
 * the docs' response example (test/fixtures/blofin-docs, from blofin/blofin-api-docs), and ccxt
 * must parse both into unified structures with the same fields defined.
 */

const KEY = { apiKey: 'conformance-key', secret: 'conformance-secret', password: 'conformance-pass' };
const SYMBOL = 'ETH/USDT:USDT';
const INST = 'ETH-USDT';
const FIXTURE_DIR = new URL('../fixtures/blofin-docs/', import.meta.url);

/** The part of a `ws` client socket these tests use. */
interface WsSocket {
  on(event: 'message', listener: (data: { toString(): string }) => void): void;
  once(event: 'open' | 'error', listener: (arg?: unknown) => void): void;
  send(text: string): void;
  close(): void;
}
// `ws` is the sdk's dependency (its sim serves websockets with it); the test package reaches it
// through the sdk instead of declaring a second copy.
const WebSocket = createRequire(new URL('../../sdk/package.json', import.meta.url))('ws') as new (url: string) => WsSocket;

type Client = ReturnType<typeof createBlofinClient>;
type Raw = Record<string, unknown>;
type Market = ReturnType<Client['market']>;

interface Fixture {
  _source: string;
  example: Raw;
}

/** One endpoint or channel under test. */
interface Case {
  fixture: string;
  /** The BloFin REST path (or websocket channel) the sim answered, proving the call reached it. */
  endpoint: string;
  /** ccxt's parse of one `data` item into its unified structure, as the ccxt method Perpscope calls does it. */
  parse?: (ex: Client, item: unknown, market: Market) => unknown;
  /** Wire paths (`data[].field`) where the sim may differ from the docs' example, each with why. */
  allow?: Record<string, string>;
  /** Unified fields that may parse differently, each with why. */
  allowParsed?: Record<string, string>;
  /** The docs item a sim item's parse is compared with (default: the union of the docs' items). */
  docItemFor?: (docItems: Raw[], simItem: Raw) => Raw | undefined;
}

const order = (ex: Client, item: unknown, m: Market) => ex.parseOrder(item as Raw, m);

/** Every order here carries a client id, as Perpscope's do; the docs' example orders have none. */
const CLIENT_ID = { clientOrderId: "the docs' example order has no client id (null or \"\"); the sim's orders here carry one, as Perpscope's do" };

/**
 * Fields the sim's order record carries beyond the REST order examples: one record serves REST
 * and the `orders` channel, and the docs' tables list these for the channel and order history.
 * ccxt reads none of them.
 */
const ORDER_RECORD_EXTRAS = {
  'data[].instType': "listed in the docs' `orders` channel table, not in the REST order tables; ccxt ignores it",
  'data[].cancelSource': "listed in the docs' `orders` channel and order-history tables; ccxt ignores it",
  'data[].cancelSourceReason': "listed in the docs' order-history table; ccxt ignores it",
  'data[].algoClientOrderId': "left: documented as always present (\"\" until an attached TP/SL triggers); the sim's order record (records.ts) omits it; ccxt does not read it",
  'data[].algoId': "left: documented as always present (\"\" until an attached TP/SL triggers); the sim's order record (records.ts) omits it; ccxt does not read it",
};

/** The sim's TP/SL record against the docs' TP/SL examples (list and detail). */
const TPSL_RECORD = {
  'data[].leverage': "left: in the docs' example and table; the sim's TP/SL record (records.ts triggerRecord) omits it; ccxt does not read it",
  'data[].actualSize': "left: in the docs' example and table; the sim's TP/SL record omits it; ccxt does not read it",
  'data[].instType': 'sim extra (one record builder for TP/SL and algo orders, whose channel lists it); ccxt ignores it',
  'data[].actualOrderId': 'sim extra: the order a triggered TP/SL became; not in the docs; ccxt ignores it',
  'data[].updateTime': "sim extra, documented for the algo channel and order history; ccxt reads it as lastUpdateTimestamp",
  'data[].orderType': "sim extra (`conditional`/`oco`), documented in the TP/SL history table; ccxt reads it as type",
};
/** ccxt places market TP/SL legs with order price "-1" (BloFin's "at market"); the docs' examples show null. */
const MARKET_LEG_PRICES = {
  stopLossPrice: "ccxt sends slOrderPrice \"-1\" for a market SL leg, which the sim echoes; the docs' example shows null",
  takeProfitPrice: "ccxt sends tpOrderPrice \"-1\" for a market TP leg, which the sim echoes; the docs' example shows null",
};
const TPSL_PARSED = {
  ...MARKET_LEG_PRICES,
  lastUpdateTimestamp: 'from the extra updateTime (see the wire allow-list)',
  type: 'from the extra orderType (see the wire allow-list)',
};

const CASES: readonly Case[] = [
  { fixture: 'market-instruments', endpoint: '/api/v1/market/instruments', parse: (ex, item) => ex.parseMarket(item as Raw) },
  { fixture: 'market-tickers', endpoint: '/api/v1/market/tickers', parse: (ex, item, m) => ex.parseTicker(item as Raw, m) },
  { fixture: 'market-books', endpoint: '/api/v1/market/books', parse: (ex, item) => ex.parseOrderBook(item as Raw, SYMBOL, ex.safeInteger(item as Raw, 'ts')) },
  { fixture: 'market-trades', endpoint: '/api/v1/market/trades', parse: (ex, item, m) => ex.parseTrade(item as Raw, m) },
  { fixture: 'market-mark-price', endpoint: '/api/v1/market/mark-price', parse: (ex, item, m) => ex.parseTicker(item as Raw, m) },
  { fixture: 'market-funding-rate', endpoint: '/api/v1/market/funding-rate', parse: (ex, item, m) => ex.parseFundingRate(item as Raw, m) },
  {
    fixture: 'market-funding-rate-history',
    endpoint: '/api/v1/market/funding-rate-history',
    // ccxt builds these rows inline in fetchFundingRateHistory (no parse method): the same reads.
    parse: (ex, item) => ({ fundingRate: ex.safeNumber(item as Raw, 'fundingRate'), timestamp: ex.safeInteger(item as Raw, 'fundingTime') }),
  },
  { fixture: 'market-candles', endpoint: '/api/v1/market/candles', parse: (ex, item, m) => ex.parseOHLCV(item as unknown[], m) },
  {
    fixture: 'account-balance',
    endpoint: '/api/v1/account/balance',
    parse: (ex, item) => ex.parseBalance({ code: '0', data: item }),
    allow: { 'data[].details[].unrealizedPnl': "left: sim extra (account.ts), the currency's total unrealized PnL; the docs list only isolatedUnrealizedPnl; ccxt ignores it" },
  },
  {
    fixture: 'account-positions',
    endpoint: '/api/v1/account/positions',
    parse: (ex, item, m) => ex.parsePosition(item as Raw, m),
    // ccxt reads margin fields by margin mode: compare with the docs' position of the same mode.
    docItemFor: (docItems, simItem) => docItems.find((d) => d.marginMode === simItem.marginMode),
    allow: {
      'data[].notionalUsd': "the docs' example omits it, but ccxt's parsePosition reads notionalUsd for a linear position's notional, so BloFin sends it",
      'data[].realizedPnl': "listed in the docs' GET Positions table; the example omits it",
    },
    allowParsed: {
      notional: 'from notionalUsd (see the wire allow-list)',
      maintenanceMarginPercentage: 'ccxt divides maintenanceMargin by notionalUsd',
      initialMarginPercentage: 'ccxt divides initialMargin by notionalUsd for a cross position',
      realizedPnl: 'from realizedPnl (see the wire allow-list)',
    },
  },
  { fixture: 'account-margin-mode', endpoint: '/api/v1/account/margin-mode', parse: (ex, item, m) => ex.parseMarginMode(item as Raw, m) },
  { fixture: 'account-set-margin-mode', endpoint: '/api/v1/account/set-margin-mode', parse: (ex, item, m) => ex.parseMarginMode(item as Raw, m) },
  {
    fixture: 'account-leverage-info',
    endpoint: '/api/v1/account/leverage-info',
    parse: (ex, item, m) => ex.parseLeverage(item as Raw, m),
    allow: { 'data[].positionSide': "documented for batch-leverage-info and set-leverage, whose record the sim answers here too; this deprecated endpoint's example omits it; ccxt's parseLeverage ignores it" },
  },
  // ccxt's setLeverage returns the raw response: the wire shape is the whole contract.
  { fixture: 'account-set-leverage', endpoint: '/api/v1/account/set-leverage' },
  { fixture: 'trade-order', endpoint: '/api/v1/trade/order', parse: order },
  { fixture: 'trade-order-tpsl', endpoint: '/api/v1/trade/order-tpsl', parse: order, allowParsed: CLIENT_ID },
  {
    fixture: 'trade-cancel-order',
    endpoint: '/api/v1/trade/cancel-order',
    parse: order,
    allow: { data: "the docs' example shows one object, but ccxt's cancelOrder reads safeList(response, 'data')[0]: BloFin answers a list of per-order results, as for Place Order" },
    allowParsed: CLIENT_ID,
  },
  { fixture: 'trade-cancel-tpsl', endpoint: '/api/v1/trade/cancel-tpsl', parse: order, allowParsed: CLIENT_ID },
  { fixture: 'trade-order-detail', endpoint: '/api/v1/trade/order-detail', parse: order, allow: ORDER_RECORD_EXTRAS, allowParsed: { ...CLIENT_ID, ...MARKET_LEG_PRICES } },
  { fixture: 'trade-orders-pending', endpoint: '/api/v1/trade/orders-pending', parse: order, allow: ORDER_RECORD_EXTRAS, allowParsed: { ...CLIENT_ID, ...MARKET_LEG_PRICES } },
  { fixture: 'trade-orders-tpsl-pending', endpoint: '/api/v1/trade/orders-tpsl-pending', parse: order, allow: TPSL_RECORD, allowParsed: TPSL_PARSED },
  { fixture: 'trade-order-tpsl-detail', endpoint: '/api/v1/trade/order-tpsl-detail', parse: order, allow: TPSL_RECORD, allowParsed: TPSL_PARSED },
  { fixture: 'trade-fills-history', endpoint: '/api/v1/trade/fills-history', parse: (ex, item, m) => ex.parseTrade(item as Raw, m) },
  { fixture: 'ws-trades', endpoint: 'trades', parse: (ex, item, m) => ex.parseWsTrade(item as Raw, m) },
  { fixture: 'ws-candles', endpoint: 'candle1m', parse: (ex, item, m) => ex.parseOHLCV(item as unknown[], m) },
  { fixture: 'ws-books-snapshot', endpoint: 'books', parse: (ex, item) => ex.parseOrderBook(item as Raw, SYMBOL, ex.safeInteger(item as Raw, 'ts')) },
  { fixture: 'ws-books-update', endpoint: 'books', parse: (ex, item) => ex.parseOrderBook(item as Raw, SYMBOL, ex.safeInteger(item as Raw, 'ts')) },
  { fixture: 'ws-tickers', endpoint: 'tickers', parse: (ex, item, m) => ex.parseWsTicker(item as Raw, m) },
  {
    fixture: 'ws-orders',
    endpoint: 'orders',
    parse: (ex, item, m) => ex.parseWsOrder(item as Raw, m),
    allow: {
      'data[].tpTriggerPrice': 'left: the sim pushes a new order before attaching its TP/SL (restPrivate.ts), so the first push shows them unset (null); REST order-detail shows them',
      'data[].tpTriggerPriceType': 'null with tpTriggerPrice (above)',
      'data[].tpOrderPrice': 'null with tpTriggerPrice (above)',
    },
    allowParsed: {
      ...CLIENT_ID,
      takeProfitTriggerPrice: 'from tpTriggerPrice, unset in the first push (see the wire allow-list)',
      takeProfitPrice: 'from tpOrderPrice, unset in the first push (see the wire allow-list)',
    },
  },
];

function loadFixture(name: string): Fixture {
  const raw = JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURE_DIR), 'utf8')) as Partial<Fixture>;
  if (typeof raw._source !== 'string' || typeof raw.example !== 'object' || raw.example === null) {
    throw new Error(`fixture ${name}.json: expected { _source: string, example: object }, got keys ${Object.keys(raw).join(', ')}`);
  }
  return raw as Fixture;
}

/** `data` as a list of items: BloFin answers a list or a single object. */
function items(message: Raw): unknown[] {
  const data = message.data;
  return Array.isArray(data) ? data : data === undefined || data === null ? [] : [data];
}

/**
 * Every shape difference between the docs' example and the sim's message: the envelope (every key
 * but `data`), whether `data` is a list, and each sim item against the docs' items.
 */
function wireDiff(doc: Raw, sim: Raw): ShapeDifference[] {
  const { data: docData, ...docEnvelope } = doc;
  const { data: simData, ...simEnvelope } = sim;
  const out = shapeDiff(docEnvelope, simEnvelope);
  if (Array.isArray(docData) !== Array.isArray(simData)) {
    out.push({ path: 'data', problem: `docs ${Array.isArray(docData) ? 'list' : 'object'}, sim ${Array.isArray(simData) ? 'list' : 'object'}` });
  }
  out.push(...shapeDiff(items(doc), items(sim), 'data'));
  return dedupe(out);
}

function dedupe(diffs: ShapeDifference[]): ShapeDifference[] {
  const seen = new Set<string>();
  return diffs.filter((d) => (seen.has(d.path) ? false : (seen.add(d.path), true)));
}

/** Differences not on the allow-list, one per line ('' when none), so a failure prints them all. */
const unallowed = (diffs: ShapeDifference[], allow: Record<string, string> = {}) =>
  diffs
    .filter((d) => !(d.path in allow))
    .map((d) => `${d.path}: ${d.problem}`)
    .join('\n');
/** Allow-list entries that match no difference any more ('' when none). */
const unused = (diffs: ShapeDifference[], allow: Record<string, string> = {}) =>
  Object.keys(allow)
    .filter((p) => !diffs.some((d) => d.path === p))
    .join(', ');

/** What one call brought back: the message and the endpoint (REST path or channel) that sent it. */
interface Captured {
  message: Raw;
  endpoint: string;
}

describe('SimExchange conforms to the BloFin API documentation', () => {
  let sim: SimExchange;
  let ex: Client;
  let market: Market;
  const captured = new Map<string, Captured>();
  const sockets: WsSocket[] = [];

  /** Runs one ccxt call and keeps the raw answer it received, with the path it asked. */
  async function rest(fixture: string, call: () => Promise<unknown>): Promise<void> {
    await call();
    captured.set(fixture, { message: ex.last_json_response as Raw, endpoint: new URL(String(ex.last_request_url)).pathname });
  }

  /** Keeps a pushed message, with the channel it came on. */
  function pushed(fixture: string, message: Raw): void {
    captured.set(fixture, { message, endpoint: channelOf(message) });
  }

  /** A websocket on `path` that keeps every JSON message it receives. */
  async function socket(path: 'public' | 'private'): Promise<{ ws: WsSocket; messages: Raw[] }> {
    const ws = new WebSocket(`${sim.wsUrl}/${path}`);
    sockets.push(ws);
    const messages: Raw[] = [];
    ws.on('message', (data) => {
      const text = data.toString();
      if (text !== 'pong') messages.push(JSON.parse(text) as Raw);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return { ws, messages };
  }

  async function firstPush(messages: Raw[], what: string, match: (m: Raw) => boolean): Promise<Raw> {
    return until(what, () => messages.find((m) => m.data !== undefined && match(m)) ?? null);
  }

  const channelOf = (m: Raw): string => String((m.arg as Raw | undefined)?.channel ?? '');

  beforeAll(async () => {
    sim = await startSimExchange({ symbols: 3, seed: 20, startTimeMs: SIM_START_MS, acceleration: 60, apiKey: KEY, initialBalanceUsdt: 100_000, rateLimitScale: 10 });
    ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 5_000, enableLastJsonResponse: true });
    await rest('market-instruments', () => ex.loadMarkets());
    market = ex.market(SYMBOL);
    const minAmount = market.limits.amount?.min ?? 1;

    await rest('market-tickers', () => ex.fetchTicker(SYMBOL));
    await rest('market-books', () => ex.fetchOrderBook(SYMBOL, 5));
    await rest('market-trades', () => ex.fetchTrades(SYMBOL, undefined, 5));
    await rest('market-mark-price', () => ex.fetchMarkPrice(SYMBOL));
    await rest('market-funding-rate', () => ex.fetchFundingRate(SYMBOL));
    await rest('market-funding-rate-history', () => ex.fetchFundingRateHistory(SYMBOL, undefined, 3));
    await rest('market-candles', () => ex.fetchOHLCV(SYMBOL, '1m', undefined, 3));

    // The private socket listens before any order exists, so the first `orders` push is the resting order's.
    const priv = await socket('private');
    const timestamp = String(Date.now());
    const nonce = `conformance-${timestamp}`;
    const sign = blofinSign(KEY.secret, `/users/self/verify` + 'GET' + timestamp + nonce);
    priv.ws.send(JSON.stringify({ op: 'login', args: [{ apiKey: KEY.apiKey, passphrase: KEY.password, timestamp, sign, nonce }] }));
    await until('the login ack', () => priv.messages.find((m) => m.event === 'login') ?? null);
    priv.ws.send(JSON.stringify({ op: 'subscribe', args: [{ channel: 'orders' }] }));
    await until('the orders subscription ack', () => priv.messages.find((m) => m.event === 'subscribe') ?? null);

    await rest('account-set-margin-mode', () => ex.setMarginMode('cross', SYMBOL));
    await rest('account-margin-mode', () => ex.fetchMarginMode(SYMBOL));
    await rest('account-set-leverage', () => ex.setLeverage(5, SYMBOL, { marginMode: 'cross' }));
    await rest('account-leverage-info', () => ex.fetchLeverage(SYMBOL, { marginMode: 'cross' }));

    const last = (await ex.fetchTicker(SYMBOL)).last!;
    const px = (factor: number) => Number(ex.priceToPrecision(SYMBOL, last * factor));
    // Like the docs' order examples: a resting limit order with a TP and an SL attached.
    const attached = { takeProfit: { triggerPrice: px(1.2) }, stopLoss: { triggerPrice: px(0.8) } };
    await rest('trade-order', () => ex.createOrder(SYMBOL, 'limit', 'buy', minAmount, px(0.95), { clientOrderId: 'conformanceRest1', marginMode: 'cross', ...attached }));
    pushed('ws-orders', await firstPush(priv.messages, 'the resting order push', (m) => channelOf(m) === 'orders'));
    await rest('trade-orders-pending', () => ex.privateGetTradeOrdersPending({ instId: INST }));
    await rest('trade-order-detail', () => ex.privateGetTradeOrderDetail({ instId: INST, clientOrderId: 'conformanceRest1' }));
    await rest('trade-cancel-order', () => ex.cancelOrder('', SYMBOL, { clientOrderId: 'conformanceRest1' }));

    await ex.createOrder(SYMBOL, 'market', 'buy', minAmount, undefined, { clientOrderId: 'conformanceFill1', marginMode: 'cross' });
    await rest('account-positions', () => ex.fetchPositions());
    await rest('account-balance', () => ex.fetchBalance());
    await rest('trade-fills-history', () => ex.privateGetTradeFillsHistory({ instId: INST }));

    // Like the docs' TP/SL examples: one TP/SL order with both legs.
    const tpsl = { stopLossPrice: px(0.8), takeProfitPrice: px(1.2), tpsl: true, reduceOnly: true, clientOrderId: 'conformanceSl1', marginMode: 'cross' };
    await rest('trade-order-tpsl', () => ex.createOrder(SYMBOL, 'market', 'sell', minAmount, undefined, tpsl));
    await rest('trade-orders-tpsl-pending', () => ex.privateGetTradeOrdersTpslPending({ instId: INST }));
    await rest('trade-order-tpsl-detail', () => ex.privateGetTradeOrderTpslDetail({ instId: INST, clientOrderId: 'conformanceSl1' }));
    await rest('trade-cancel-tpsl', () => ex.privatePostTradeCancelTpsl([{ instId: INST, clientOrderId: 'conformanceSl1' }]));

    const pub = await socket('public');
    const channels = ['trades', 'candle1m', 'books', 'tickers'];
    pub.ws.send(JSON.stringify({ op: 'subscribe', args: channels.map((channel) => ({ channel, instId: INST })) }));
    const push = (channel: string, action?: string) => firstPush(pub.messages, `a ${channel} ${action ?? ''} push`, (m) => channelOf(m) === channel && (action === undefined || m.action === action));
    pushed('ws-trades', await push('trades'));
    pushed('ws-candles', await push('candle1m'));
    pushed('ws-tickers', await push('tickers'));
    pushed('ws-books-snapshot', await push('books', 'snapshot'));
    pushed('ws-books-update', await push('books', 'update'));
  });

  afterAll(async () => {
    for (const ws of sockets) ws.close();
    await ex?.close();
    await sim?.stop();
  });

  it('has a fixture for every case and a case for every fixture', () => {
    const files = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
    expect(files, 'fixtures on disk = docs sections extracted').toEqual(DOC_SECTIONS.map((s) => s.fixture).sort());
    expect(CASES.map((c) => c.fixture).sort(), 'every fixture is checked against the sim').toEqual(files);
  });

  describe.each(CASES)('$fixture', (c) => {
    const fixture = loadFixture(c.fixture);
    const doc = fixture.example;

    it(`answers on ${c.endpoint} with the docs' keys and JSON types`, () => {
      const got = captured.get(c.fixture);
      expect(got, `a message was captured for ${c.fixture}`).toBeDefined();
      expect(got!.endpoint, 'the ccxt call reached the documented endpoint').toBe(c.endpoint);
      expect(items(got!.message).length, 'the sim answered at least one data item to compare').toBeGreaterThan(0);
      const diffs = wireDiff(doc, got!.message);
      expect(unallowed(diffs, c.allow), `sim vs ${fixture._source}`).toBe('');
      expect(unused(diffs, c.allow), 'allow-list entries that no longer match a difference (remove them)').toBe('');
    });

    it.runIf(c.parse !== undefined)('parses to the same unified structure in ccxt', () => {
      const got = captured.get(c.fixture)!;
      const docItems = items(doc);
      const objects = docItems.every((i) => typeof i === 'object' && i !== null && !Array.isArray(i));
      const docItemFor = (simItem: unknown): unknown => {
        const chosen = objects && c.docItemFor ? c.docItemFor(docItems as Raw[], simItem as Raw) : undefined;
        return chosen ?? (objects ? mergeItems(docItems as Raw[])[0] : docItems[0]);
      };
      const diffs = dedupe(
        items(got.message).flatMap((item) => unifiedDiff(unifiedShape(c.parse!(ex, docItemFor(item), market)), unifiedShape(c.parse!(ex, item, market)))),
      );
      expect(unallowed(diffs, c.allowParsed), `ccxt's parse of the sim vs of ${fixture._source}`).toBe('');
      expect(unused(diffs, c.allowParsed), 'allow-list entries that no longer match a difference (remove them)').toBe('');
    });
  });
});
