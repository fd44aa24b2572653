import type ccxt from 'ccxt';
import type { Exchange } from 'ccxt';
import { SystemClock } from '../../src/core/clock.js';
import { createBinanceUsdmClient, createBlofinClient, createBybitClient, createHtxClient, startSimExchange, type SimExchange } from '../../src/sim/index.js';
import type { SimDialectName } from '../../src/sim/dialects/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { CcxtBroker, htxClientOrderId, type CcxtBrokerOptions } from '../../src/trading/index.js';
import { baseToContracts, contractsToBase } from '../../src/market/contractUnits.js';
import { permissiveRisk, SIM_KEY, SIM_SYMBOL, tempDir } from './helpers.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

export const KEY = SIM_KEY;
export const SYMBOL = SIM_SYMBOL;
/** ccxt's blofin class (BloFin-only tests that call its own methods). */
export type Client = InstanceType<typeof ccxt.pro.blofin>;
/** ccxt's class for whichever dialect a rig speaks. */
export type LiveClient = Exchange;

/** Every wire dialect SimExchange speaks, each with its own ccxt class and order gateway. */
export const LIVE_DIALECTS: readonly SimDialectName[] = ['blofin', 'binanceusdm', 'bybit', 'htx'];

/**
 * Paths that place an order (plain, trigger or attached TP/SL) per dialect: what "never a blind
 * resend" counts. From each dialect's private routes.
 */
const CREATE_PATHS: Readonly<Record<SimDialectName, readonly string[]>> = {
  blofin: ['/api/v1/trade/order', '/api/v1/trade/order-tpsl', '/api/v1/trade/batch-orders', '/api/v1/trade/order-algo'],
  binanceusdm: ['/fapi/v1/order', '/fapi/v1/algoOrder', '/fapi/v1/batchOrders'],
  bybit: ['/v5/order/create', '/v5/order/create-batch', '/v5/position/trading-stop'],
  htx: ['/v5/trade/order', '/v5/algo/order', '/v5/trade/batch_orders'],
};

/** The path each dialect reads positions from (ccxt's fetchPositions). */
const POSITIONS_PATHS: Readonly<Record<SimDialectName, readonly string[]>> = {
  blofin: ['/api/v1/account/positions'],
  binanceusdm: ['/fapi/v2/positionRisk', '/fapi/v3/positionRisk'],
  bybit: ['/v5/position/list'],
  htx: ['/v5/trade/position/opens'],
};

/** ccxt's real class for the dialect, pointed at the sim and signing with its test key unless `ccxtOptions` names another. */
export function liveClientFor(sim: SimExchange, ccxtOptions: Record<string, unknown> = {}): LiveClient {
  if (sim.dialect === 'binanceusdm') return createBinanceUsdmClient(sim, ccxtOptions) as unknown as LiveClient;
  if (sim.dialect === 'bybit') return createBybitClient(sim, ccxtOptions) as unknown as LiveClient;
  if (sim.dialect === 'htx') return createHtxClient(sim, ccxtOptions) as unknown as LiveClient;
  return createBlofinClient(sim, ccxtOptions) as unknown as LiveClient;
}

/** The client id the exchange stores for ours: HTX takes integers, so ours is hashed into one (see htxClientOrderId). */
export function wireClientId(sim: SimExchange, clientOrderId: string): string {
  return sim.dialect === 'htx' ? String(htxClientOrderId(clientOrderId)) : clientOrderId;
}

/** One SimExchange with a live broker over a temp store; `reopen` simulates a process restart. */
export interface LiveRig {
  dialect: SimDialectName;
  /** The broker's exchange id (the ccxt id, which is also the dialect's name). */
  exchangeId: string;
  sim: SimExchange;
  ex: LiveClient;
  store: Store;
  broker: CcxtBroker;
  dir: string;
  clock: SystemClock;
  /** About 100 USD of SYMBOL, whole lots, in base units (what the broker takes). */
  amountBase: number;
  /** `amountBase` in contracts (what ccxt's createOrder and the exchange take). */
  amountContracts: number;
  /** Closes the store and builds a fresh broker over the same file and exchange (a restart). */
  reopen(opts?: Partial<CcxtBrokerOptions>): CcxtBroker;
  /** Requests that place an order, on whatever paths the dialect places them. */
  createRequests(): number;
  /** Requests that read positions. */
  positionsRequests(): number;
  /**
   * An order sent straight through ccxt (outside the broker: a crashed run, the exchange's web UI),
   * with `clientOrderId` as the exchange stores it for this dialect.
   */
  rawOrder(type: 'market' | 'limit', side: 'buy' | 'sell', contracts: number, price: number | undefined, clientOrderId: string): Promise<{ id: string }>;
  /** ledgerMatchesExchange with the client ids the venue reports (see exchangeClientIds). */
  ledgerMatches(): Promise<string[]>;
  /** The exchange's orders carrying one of our client ids, as the venue reports them. */
  exchangeOrders(clientOrderId: string): Promise<Record<string, string | null>[]>;
  stop(): Promise<void>;
}

export interface LiveRigOptions {
  dialect: SimDialectName;
  broker?: Partial<CcxtBrokerOptions>;
  seed?: number;
  requestTimeoutMs?: number;
  acceleration?: number;
}

/**
 * Starts a rig: `startLiveRig({ dialect, broker, seed, ... })`, or the older positional form
 * (broker options, seed, request timeout, acceleration) on the BloFin dialect.
 */
export async function startLiveRig(opts?: LiveRigOptions): Promise<LiveRig>;
export async function startLiveRig(brokerOpts?: Partial<CcxtBrokerOptions>, seed?: number, requestTimeoutMs?: number, acceleration?: number): Promise<LiveRig>;
export async function startLiveRig(first: LiveRigOptions | Partial<CcxtBrokerOptions> = {}, seedArg?: number, timeoutArg?: number, accelerationArg?: number): Promise<LiveRig> {
  const o: LiveRigOptions = 'dialect' in first ? first : { dialect: 'blofin', broker: first, ...(seedArg === undefined ? {} : { seed: seedArg }), ...(timeoutArg === undefined ? {} : { requestTimeoutMs: timeoutArg }), ...(accelerationArg === undefined ? {} : { acceleration: accelerationArg }) };
  const { dialect, broker: brokerOpts = {}, seed = 21, requestTimeoutMs = 1_500, acceleration = 1 } = o;
  const t = tempDir();
  const sim = await startSimExchange({ dialect, symbols: 4, seed, startTimeMs: SIM_START_MS, acceleration, historyBars: 50, apiKey: KEY, initialBalanceUsdt: 100_000, rateLimitScale: 20 });
  const clock = new SystemClock();
  const build = (store: Store, extra: Partial<CcxtBrokerOptions>): { ex: LiveClient; broker: CcxtBroker } => {
    const ex = liveClientFor(sim, { enableRateLimit: false, timeout: requestTimeoutMs });
    const broker = new CcxtBroker({ store, clock, risk: permissiveRisk(clock), exchange: ex, exchangeId: dialect, lookupBaseMs: 30, readRetry: { baseMs: 30 }, ...brokerOpts, ...extra });
    return { ex, broker };
  };
  const store = openStore({ home: t.dir });
  const first1 = build(store, {});
  await first1.ex.loadMarkets();
  const book = await first1.ex.fetchOrderBook(SYMBOL, 5);
  const px = ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
  const lotBase = contractsToBase(first1.ex.market(SYMBOL), first1.ex.market(SYMBOL).precision.amount ?? 1);
  const amountBase = Number((Math.max(1, Math.ceil(100 / px / lotBase)) * lotBase).toPrecision(12));
  // Reads the venue's own records for the exchange-side checks, apart from the broker's client.
  const reader = liveClientFor(sim, { enableRateLimit: false, timeout: 5_000 });
  await reader.loadMarkets();
  const clients: LiveClient[] = [first1.ex, reader];
  const count = (paths: readonly string[], method?: string): number => sim.requestLog().filter((r) => (method === undefined || r.method === method) && paths.includes(r.path)).length;
  const rig: LiveRig = {
    dialect,
    exchangeId: dialect,
    sim,
    ex: first1.ex,
    store,
    broker: first1.broker,
    dir: t.dir,
    clock,
    amountBase,
    amountContracts: baseToContracts(first1.ex.market(SYMBOL), amountBase),
    reopen(opts = {}) {
      rig.store.close();
      rig.store = openStore({ home: t.dir });
      const next = build(rig.store, opts);
      clients.push(next.ex);
      rig.ex = next.ex;
      rig.broker = next.broker;
      return next.broker;
    },
    createRequests: () => count(CREATE_PATHS[dialect], 'POST'),
    positionsRequests: () => count(POSITIONS_PATHS[dialect]),
    async rawOrder(type, side, contracts, price, clientOrderId) {
      const placed = await rig.ex.createOrder(SYMBOL, type, side, contracts, price, { clientOrderId: dialect === 'htx' ? htxClientOrderId(clientOrderId) : clientOrderId });
      if (!placed.id) throw new Error(`${dialect} placed no order for ${clientOrderId}: ${JSON.stringify(placed.info)}`);
      return { id: String(placed.id) };
    },
    ledgerMatches: async () => ledgerMatchesExchange(sim, rig.store, undefined, 'ps', await exchangeClientIds(sim, reader)),
    exchangeOrders: async (clientOrderId) => exchangeOrdersWithClientId(sim, clientOrderId, await exchangeClientIds(sim, reader)),
    async stop() {
      for (const c of clients) await c.close();
      await sim.stop();
      rig.store.close();
      t.cleanup();
    },
  };
  return rig;
}

type Raw = Record<string, unknown>;

/** The sim core's market of an instrument id (the account snapshot counts the core's contracts, whatever the dialect). */
function coreMarket(sim: SimExchange, instId: string) {
  const m = sim.source.markets().find((x) => x.id === instId);
  if (!m) throw new Error(`the sim lists no market ${instId}`);
  return m;
}

/** The core's id of a snapshot order or trigger (trigger records carry `algoId` or `tpslId`). */
function coreId(o: Record<string, string | null>): string {
  return o.orderId ?? o.algoId ?? o.tpslId ?? '';
}

/**
 * Every order and trigger of the sim account (core id) -> the client id the venue reports for it.
 * BloFin's routes keep client ids in the core, so the snapshot has them; the other dialects keep
 * them in their own records, so each order is read back through the venue's own endpoint (by its
 * exchange id, with ccxt only signing: the raw answer is read, nothing ccxt parses).
 */
export async function exchangeClientIds(sim: SimExchange, reader: LiveClient): Promise<Map<string, string>> {
  const snap = sim.accountSnapshot();
  const out = new Map<string, string>();
  const api = reader as unknown as Record<string, (p: Raw) => Promise<unknown>>;
  const all = [...snap.orders.map((o) => ({ o, trigger: false })), ...snap.triggers.map((o) => ({ o, trigger: true }))];
  for (const { o, trigger } of all) {
    const id = coreId(o);
    if (sim.dialect === 'blofin') {
      out.set(id, o.clientOrderId ?? '');
      continue;
    }
    const venueId = reader.market(coreMarket(sim, o.instId ?? '').symbol).id;
    let cid: unknown;
    if (sim.dialect === 'binanceusdm') {
      cid = trigger ? ((await api.fapiPrivateGetAlgoOrder!({ algoId: id })) as Raw).clientAlgoId : ((await api.fapiPrivateGetOrder!({ symbol: venueId, orderId: id })) as Raw).clientOrderId;
    } else if (sim.dialect === 'bybit') {
      const page = (await api.privateGetV5OrderHistory!({ category: 'linear', symbol: venueId, orderId: id })) as { result?: { list?: Raw[] } };
      cid = page.result?.list?.[0]?.orderLinkId;
    } else if (trigger) {
      cid = ((await api.contractPrivateGetV5AlgoOrder!({ algo_id: id })) as { data?: Raw[] }).data?.[0]?.algo_client_order_id;
    } else {
      cid = ((await api.contractPrivateGetV5TradeOrder!({ contract_code: venueId, order_id: id })) as { data?: Raw }).data?.client_order_id;
    }
    out.set(id, cid === undefined || cid === null ? '' : String(cid));
  }
  return out;
}

/** Client ids per core id: the snapshot's own on BloFin; on other dialects they must be read (see exchangeClientIds). */
function clientIdsOf(sim: SimExchange, clientIds: Map<string, string> | undefined): (o: Record<string, string | null>) => string {
  if (clientIds) return (o) => clientIds.get(coreId(o)) ?? '';
  if (sim.dialect !== 'blofin') throw new Error(`the ${sim.dialect} dialect keeps client ids out of the account snapshot: pass exchangeClientIds(sim, client)`);
  return (o) => o.clientOrderId ?? '';
}

/** The exchange's orders (and stops) carrying a given client id of ours, whatever the dialect (`clientIds` from exchangeClientIds off BloFin). */
export function exchangeOrdersWithClientId(sim: SimExchange, clientOrderId: string, clientIds?: Map<string, string>): Record<string, string | null>[] {
  const snap = sim.accountSnapshot();
  const wire = wireClientId(sim, clientOrderId);
  const cidOf = clientIdsOf(sim, clientIds);
  return [...snap.orders, ...snap.triggers].filter((o) => cidOf(o) === wire);
}

/**
 * Ledger == exchange, read from the sim's core so it holds on every dialect: every exchange
 * order with our prefix is in the ledger in the matching state, the ledger's fills are exactly
 * the exchange's, and positions agree. On HTX the exchange keeps only the integer hash of our
 * client id: its orders are matched to the ledger's by that hash, so an order of ours the ledger
 * never recorded cannot be told from a foreign one there. Off BloFin, pass the venue's client ids
 * (exchangeClientIds, or `rig.ledgerMatches()`); `_ex` is kept for older call sites.
 */
export function ledgerMatchesExchange(sim: SimExchange, store: Store, _ex?: unknown, prefix = 'ps', clientIds?: Map<string, string>): string[] {
  const problems: string[] = [];
  const snap = sim.accountSnapshot();
  const cidOf = clientIdsOf(sim, clientIds);
  const exchangeId = sim.dialect;
  const byWire = new Map<string, string>();
  if (sim.dialect === 'htx') for (const o of store.orders.listRecent('live', exchangeId, 100_000)) byWire.set(wireClientId(sim, o.clientOrderId), o.clientOrderId);
  const stateOf: Record<string, string[]> = {
    live: ['ACK'],
    partially_filled: ['PARTIAL'],
    filled: ['FILLED'],
    canceled: ['CANCELLED', 'FILLED'],
    partially_canceled: ['CANCELLED'],
    effective: ['FILLED', 'CANCELLED'],
    order_failed: ['REJECTED', 'CANCELLED'],
  };
  for (const o of [...snap.orders, ...snap.triggers]) {
    const wire = cidOf(o);
    const id = sim.dialect === 'htx' ? (byWire.get(wire) ?? '') : wire;
    if (!id.startsWith(prefix)) continue;
    const mine = store.orders.get(id);
    if (!mine) {
      problems.push(`exchange order ${id} missing from the ledger`);
      continue;
    }
    const allowed = stateOf[o.state ?? ''] ?? [];
    const cancelledAfterFill = o.state === 'canceled' && Number(o.filledSize ?? 0) > 0;
    if (!allowed.includes(mine.state) && !(cancelledAfterFill && mine.state === 'CANCELLED')) problems.push(`${id}: exchange ${o.state}, ledger ${mine.state}`);
    const filledBase = contractsToBase(coreMarket(sim, o.instId ?? ''), Number(o.filledSize ?? 0));
    if (o.filledSize !== undefined && o.filledSize !== null && Math.abs(filledBase - mine.filledBase) > 1e-9) {
      problems.push(`${id}: exchange filled ${o.filledSize} contracts (${filledBase} base), ledger ${mine.filledBase}`);
    }
  }
  // ccxt's htx names a contract fill `${trade_id}-${order_id}` (a trade id alone repeats across its two sides).
  const fillKey = (f: Record<string, string>): string | undefined => (sim.dialect === 'htx' ? `${f.tradeId}-${f.orderId}` : f.tradeId);
  const exFills = new Set(snap.fills.map(fillKey));
  const myFills = new Set(store.fills.since('live', 0).map((f) => f.fillId));
  for (const f of exFills) if (f === undefined || !myFills.has(f)) problems.push(`exchange fill ${f} missing from the ledger`);
  for (const f of myFills) if (!exFills.has(f)) problems.push(`ledger fill ${f} unknown to the exchange`);
  for (const p of snap.positions) {
    const m = coreMarket(sim, p.instId ?? '');
    const size = contractsToBase(m, Number(p.positions));
    const mine = store.positions.get('live', exchangeId, m.symbol);
    const signed = mine ? (mine.side === 'long' ? mine.sizeBase : -mine.sizeBase) : 0;
    if (Math.abs(signed - size) > 1e-9) problems.push(`${m.symbol}: exchange position ${size}, ledger ${signed}`);
  }
  for (const mine of store.positions.list('live')) {
    if (!snap.positions.some((p) => coreMarket(sim, p.instId ?? '').symbol === mine.symbol && Number(p.positions) !== 0)) problems.push(`ledger position ${mine.symbol} not on the exchange`);
  }
  return problems;
}
