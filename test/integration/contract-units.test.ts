import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { openStore, type Store } from '../../sdk/src/store/index.js';
import { CcxtBroker } from '../../sdk/src/trading/index.js';
import { entryRisk, permissiveRisk, tempDir } from '../../sdk/test/trading/helpers.js';
import { KEY, type Client } from '../../sdk/test/trading/liveRig.js';
import { SIM_START_MS } from '../support/sim.js';

/**
 * Orders sized in base units go through CcxtBroker and ccxt's real blofin class to SimExchange,
 * whose sizes are BloFin's contracts. Base exposure, fees and realized PnL must equal a hand
 * computation from the exchange's own fill prints, for contracts worth 0.001, 0.01, 1 and 10 base
 * units, and the exchange must have recorded exactly base / contractValue contracts.
 */
const CONTRACT_VALUES = [0.001, 0.01, 1, 10] as const;
/** Lots opened, then closed, per symbol; the entry asks for a fraction of a lot more, which must be dropped. */
const ENTRY_LOTS = 20;
const CLOSE_LOTS = 8;

let sim: SimExchange;
let ex: Client;
let store: Store;
let broker: CcxtBroker;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir('perpscope-contracts-');
  cleanup = t.cleanup;
  // Paused: the book cannot move between the order and the checks.
  sim = await startSimExchange({ symbols: 60, seed: 5, startTimeMs: SIM_START_MS, historyBars: 50, apiKey: KEY, initialBalanceUsdt: 1_000_000, rateLimitScale: 20, pausedAtStart: true });
  const clock = new SystemClock();
  store = openStore({ home: t.dir });
  ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 5_000 });
  broker = new CcxtBroker({ store, clock, risk: permissiveRisk(clock), exchange: ex, exchangeId: 'blofin', lookupBaseMs: 30, readRetry: { baseMs: 30 } });
  await ex.loadMarkets();
  await broker.start();
}, 60_000);

afterAll(async () => {
  await broker?.stop();
  await ex?.close();
  await sim?.stop();
  store?.close();
  cleanup?.();
});

/** The first listed symbol whose contract is worth `cv` base units and that is tradable now. */
function symbolWithContractValue(cv: number): string {
  const m = sim.source.markets().find((x) => x.contractSize === cv && x.delistAtMs === undefined);
  if (!m) throw new Error(`no sim market with contract value ${cv}`);
  return m.symbol;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

describe('contracts end to end: base amounts in Perpscope, contracts on the wire', () => {
  it('lists BloFin instrument values: BTC-USDT 0.001 with a 0.1 lot and minimum, ETH-USDT 0.01', () => {
    const btc = ex.market('BTC/USDT:USDT');
    expect([btc.contractSize, btc.precision.amount, btc.limits.amount?.min], 'BTC-USDT as BloFin documents it').toEqual([0.001, 0.1, 0.1]);
    expect(ex.market('ETH/USDT:USDT').contractSize).toBe(0.01);
  });

  for (const cv of CONTRACT_VALUES) {
    it(`contract value ${cv}: exposure, fees and realized PnL equal the hand computation`, async () => {
      const symbol = symbolWithContractValue(cv);
      const market = sim.source.markets().find((m) => m.symbol === symbol)!;
      const lotContracts = market.lotSize;
      const lotBase = lotContracts * cv;
      const balanceBefore = sim.accountSnapshot().balanceUsdt;
      const book = await ex.fetchOrderBook(symbol, 5);
      const mid = ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;

      const entry = await broker.placeOrder({
        symbol,
        side: 'buy',
        type: 'market',
        amountBase: (ENTRY_LOTS + 0.7) * lotBase,
        tradeId: `cv-${cv}`,
        leg: 'entry',
        risk: entryRisk(symbol, 'long', mid),
      });
      await vi.waitFor(() => expect(store.orders.get(entry.clientOrderId)?.state).toBe('FILLED'), { timeout: 30_000, interval: 50 });
      const entryContracts = ENTRY_LOTS * lotContracts;
      expect(store.orders.get(entry.clientOrderId)?.amountBase, 'the fraction of a lot is dropped, never rounded up').toBeCloseTo(ENTRY_LOTS * lotBase, 12);

      const exit = await broker.placeOrder({ symbol, side: 'sell', type: 'market', amountBase: CLOSE_LOTS * lotBase, reduceOnly: true, tradeId: `cv-${cv}`, leg: 'exit' });
      await vi.waitFor(() => expect(store.orders.get(exit.clientOrderId)?.state).toBe('FILLED'), { timeout: 30_000, interval: 50 });

      const snap = sim.accountSnapshot();
      const orderOf = (id: string) => snap.orders.find((o) => o.clientOrderId === id)!;
      const entryRec = orderOf(entry.clientOrderId);
      const exitRec = orderOf(exit.clientOrderId);
      expect(Number(entryRec.size), 'contracts the exchange recorded = base / contract value').toBeCloseTo(entryContracts, 9);
      expect(Number(exitRec.size)).toBeCloseTo(CLOSE_LOTS * lotContracts, 9);

      // Hand computation from the exchange's prints: base = contracts x contract value.
      const prints = (rec: Record<string, string | null>) =>
        snap.fills.filter((f) => f.orderId === rec.orderId).map((f) => ({ tradeId: f.tradeId!, price: Number(f.fillPrice), base: Number(f.fillSize) * cv }));
      const entryPrints = prints(entryRec);
      const exitPrints = prints(exitRec);
      expect(sum(entryPrints.map((p) => p.base)), 'entry fills sum to the order').toBeCloseTo(ENTRY_LOTS * lotBase, 9);
      const entryAvg = sum(entryPrints.map((p) => p.price * p.base)) / sum(entryPrints.map((p) => p.base));
      const feeOf = (p: { price: number; base: number }) => p.price * p.base * market.takerFee;
      const realizedHand = sum(exitPrints.map((p) => (p.price - entryAvg) * p.base));
      const feesHand = sum([...entryPrints, ...exitPrints].map(feeOf));
      const openBase = (ENTRY_LOTS - CLOSE_LOTS) * lotBase;

      // The ledger: every fill in base units, with the fee a base amount implies.
      const ledgerFills = store.fills.since('live', 0).filter((f) => f.symbol === symbol);
      for (const p of [...entryPrints, ...exitPrints]) {
        const f = ledgerFills.find((x) => x.fillId === p.tradeId);
        expect(f, `fill ${p.tradeId} in the ledger`).toBeDefined();
        expect(f!.amountBase, 'fill in base units').toBeCloseTo(p.base, 12);
        expect(f!.feeCost, 'fee = price x base x taker rate').toBeCloseTo(feeOf(p), 8);
      }
      const position = store.positions.get('live', 'blofin', symbol);
      expect(position?.sizeBase, 'ledger exposure in base').toBeCloseTo(openBase, 12);
      expect(position?.entryPrice).toBeCloseTo(entryAvg, 9);
      expect(position?.realizedPnlUsd, 'realized PnL of the partial close').toBeCloseTo(realizedHand, 8);

      // The venue's view, read back through ccxt and the broker.
      const venue = (await broker.fetchPositions()).find((p) => p.symbol === symbol);
      expect(venue?.sizeBase, 'broker position in base').toBeCloseTo(openBase, 12);
      const simPos = snap.positions.find((p) => p.instId === market.id)!;
      expect(Number(simPos.positions), 'the exchange holds contracts').toBeCloseTo(openBase / cv, 9);
      expect(Number(simPos.notionalUsd), 'notional = contracts x contract value x mark').toBeCloseTo(openBase * Number(simPos.markPrice), 6);
      expect(sum(exitPrints.map((p) => Number(snap.fills.find((f) => f.tradeId === p.tradeId)!.fillPnl))), 'the exchange realized the same PnL').toBeCloseTo(realizedHand, 8);
      expect(snap.balanceUsdt - balanceBefore, 'balance moved by realized PnL minus fees').toBeCloseTo(realizedHand - feesHand, 6);
    }, 60_000);
  }
});
