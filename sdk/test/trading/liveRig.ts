import type ccxt from 'ccxt';
import { SystemClock } from '../../src/core/clock.js';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../src/sim/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { CcxtBroker, type CcxtBrokerOptions } from '../../src/trading/index.js';
import { baseToContracts, contractsToBase } from '../../src/market/contractUnits.js';
import { permissiveRisk, SIM_KEY, SIM_SYMBOL, tempDir } from './helpers.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

export const KEY = SIM_KEY;
export const SYMBOL = SIM_SYMBOL;
export type Client = InstanceType<typeof ccxt.pro.blofin>;

/** One SimExchange with a live broker over a temp store; `reopen` simulates a process restart. */
export interface LiveRig {
  sim: SimExchange;
  ex: Client;
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
  createRequests(): number;
  stop(): Promise<void>;
}

export async function startLiveRig(brokerOpts: Partial<CcxtBrokerOptions> = {}, seed = 21, requestTimeoutMs = 1_500, acceleration = 1): Promise<LiveRig> {
  const t = tempDir();
  const sim = await startSimExchange({ symbols: 4, seed, startTimeMs: SIM_START_MS, acceleration, historyBars: 50, apiKey: KEY, initialBalanceUsdt: 100_000, rateLimitScale: 20 });
  const clock = new SystemClock();
  const build = (store: Store, extra: Partial<CcxtBrokerOptions>): { ex: Client; broker: CcxtBroker } => {
    const ex = createBlofinClient(sim, { enableRateLimit: false, timeout: requestTimeoutMs });
    const broker = new CcxtBroker({ store, clock, risk: permissiveRisk(clock), exchange: ex, exchangeId: 'blofin', lookupBaseMs: 30, readRetry: { baseMs: 30 }, ...brokerOpts, ...extra });
    return { ex, broker };
  };
  const store = openStore({ home: t.dir });
  const first = build(store, {});
  await first.ex.loadMarkets();
  const book = await first.ex.fetchOrderBook(SYMBOL, 5);
  const px = ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
  const lotBase = contractsToBase(first.ex.market(SYMBOL), first.ex.market(SYMBOL).precision.amount ?? 1);
  const amountBase = Number((Math.max(1, Math.ceil(100 / px / lotBase)) * lotBase).toPrecision(12));
  const clients: Client[] = [first.ex];
  const rig: LiveRig = {
    sim,
    ex: first.ex,
    store,
    broker: first.broker,
    dir: t.dir,
    clock,
    amountBase,
    amountContracts: baseToContracts(first.ex.market(SYMBOL), amountBase),
    reopen(opts = {}) {
      rig.store.close();
      rig.store = openStore({ home: t.dir });
      const next = build(rig.store, opts);
      clients.push(next.ex);
      rig.ex = next.ex;
      rig.broker = next.broker;
      return next.broker;
    },
    createRequests: () => sim.requestLog().filter((r) => r.method === 'POST' && (r.path === '/api/v1/trade/order' || r.path === '/api/v1/trade/order-tpsl')).length,
    async stop() {
      for (const c of clients) await c.close();
      await sim.stop();
      rig.store.close();
      t.cleanup();
    },
  };
  return rig;
}

/** The exchange's orders carrying a given client id. */
export function exchangeOrdersWithClientId(sim: SimExchange, clientOrderId: string): Record<string, string | null>[] {
  const snap = sim.accountSnapshot();
  return [...snap.orders, ...snap.triggers].filter((o) => o.clientOrderId === clientOrderId);
}

/**
 * Ledger == exchange: every exchange order with our prefix is in the ledger in the matching state,
 * the ledger's fills are exactly the exchange's, and positions agree.
 */
export function ledgerMatchesExchange(sim: SimExchange, store: Store, ex: Client, prefix = 'ps'): string[] {
  const problems: string[] = [];
  const snap = sim.accountSnapshot();
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
    const id = o.clientOrderId ?? '';
    if (!id.startsWith(prefix)) continue;
    const mine = store.orders.get(id);
    if (!mine) {
      problems.push(`exchange order ${id} missing from the ledger`);
      continue;
    }
    const allowed = stateOf[o.state ?? ''] ?? [];
    const cancelledAfterFill = o.state === 'canceled' && Number(o.filledSize ?? 0) > 0;
    if (!allowed.includes(mine.state) && !(cancelledAfterFill && mine.state === 'CANCELLED')) problems.push(`${id}: exchange ${o.state}, ledger ${mine.state}`);
    const filledBase = contractsToBase(ex.market(ex.safeSymbol(o.instId ?? '')), Number(o.filledSize ?? 0));
    if (o.filledSize !== undefined && o.filledSize !== null && Math.abs(filledBase - mine.filledBase) > 1e-9) {
      problems.push(`${id}: exchange filled ${o.filledSize} contracts (${filledBase} base), ledger ${mine.filledBase}`);
    }
  }
  const exFills = new Set(snap.fills.map((f) => f.tradeId));
  const myFills = new Set(store.fills.since('live', 0).map((f) => f.fillId));
  for (const f of exFills) if (f === undefined || !myFills.has(f)) problems.push(`exchange fill ${f} missing from the ledger`);
  for (const f of myFills) if (!exFills.has(f)) problems.push(`ledger fill ${f} unknown to the exchange`);
  for (const p of snap.positions) {
    const symbol = ex.safeSymbol(p.instId ?? '');
    const size = contractsToBase(ex.market(symbol), Number(p.positions));
    const mine = store.positions.get('live', 'blofin', symbol);
    const signed = mine ? (mine.side === 'long' ? mine.sizeBase : -mine.sizeBase) : 0;
    if (Math.abs(signed - size) > 1e-9) problems.push(`${symbol}: exchange position ${size}, ledger ${signed}`);
  }
  for (const mine of store.positions.list('live')) {
    if (!snap.positions.some((p) => ex.safeSymbol(p.instId ?? '') === mine.symbol && Number(p.positions) !== 0)) problems.push(`ledger position ${mine.symbol} not on the exchange`);
  }
  return problems;
}
