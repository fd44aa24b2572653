import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimExchange } from '../../src/sim/index.js';
import { client, startFidelitySim, SYMBOL, thrown, type Client } from './fidelityHelpers.js';

type Raw = Record<string, unknown>;
interface Implicit {
  privateGetAccountPositionsHistory(p: Raw): Promise<{ data: Raw[] }>;
  privateGetAssetBills(p: Raw): Promise<{ data: Raw[] }>;
  publicGetMarketTickers(p: Raw): Promise<{ data: Raw[] }>;
}

const INITIAL_USDT = 100_000;
/** ccxt fills `exitPrice` from `closeAveragePrice`; its Position type does not declare it. */
const exitPrice = (p: object): number | undefined => (p as { exitPrice?: number }).exitPrice;

describe('SimExchange fidelity: history and ledger endpoints through ccxt', () => {
  let sim: SimExchange;
  let ex: Client;
  let raw: Implicit;
  let lot = 0;
  let amount = 0;

  /** The fills of the given orders, from the sim's own account. */
  function fillsOf(orderIds: readonly string[]): { price: number; size: number; fee: number; pnl: number }[] {
    return sim
      .accountSnapshot()
      .fills.filter((f) => orderIds.includes(String(f.orderId)))
      .map((f) => ({ price: Number(f.fillPrice), size: Number(f.fillSize), fee: Number(f.fee), pnl: Number(f.fillPnl) }));
  }
  const avgPrice = (fills: readonly { price: number; size: number }[]): number => fills.reduce((s, f) => s + f.price * f.size, 0) / fills.reduce((s, f) => s + f.size, 0);
  const market = async (side: 'buy' | 'sell', size: number): Promise<string> => String((await ex.createOrder(SYMBOL, 'market', side, size, undefined, { marginMode: 'cross' })).id);

  beforeAll(async () => {
    sim = await startFidelitySim({ initialBalanceUsdt: INITIAL_USDT });
    ex = client(sim);
    raw = ex as unknown as Implicit;
    await ex.loadMarkets();
    const m = ex.market(SYMBOL);
    lot = m.precision.amount ?? 1;
    const book = await ex.fetchOrderBook(SYMBOL, 5);
    amount = Number(ex.amountToPrecision(SYMBOL, Math.max(lot, Math.ceil(100 / book.asks[0]![0]! / (m.contractSize ?? 1) / lot) * lot)));
  });
  afterAll(async () => {
    await ex.close();
    await sim.stop();
  });

  it('fetchPositionsHistory (account/positions-history): each closed position with its sizes, prices, fee and net PnL; open ones are not listed', async () => {
    const longOrders = [await market('buy', 2 * amount), await market('buy', amount), await market('sell', 3 * amount)];
    const shortOrders = [await market('sell', amount), await market('buy', amount)];
    await market('buy', amount);
    const history = await ex.fetchPositionsHistory([SYMBOL]);
    expect(history, 'two closed positions; the one still open is not history').toHaveLength(2);
    const long = history.find((p) => (p.info as Raw).side === 'buy')!;
    const short = history.find((p) => (p.info as Raw).side === 'sell')!;

    const longFills = fillsOf(longOrders);
    const opens = fillsOf(longOrders.slice(0, 2));
    const closes = fillsOf(longOrders.slice(2));
    const info = long.info as Raw;
    expect(Number(info.maxPositions), 'largest size, in contracts').toBeCloseTo(3 * amount, 9);
    expect(Number(info.closePositions)).toBeCloseTo(3 * amount, 9);
    expect(Number(info.liquidationPositions)).toBe(0);
    expect(long.entryPrice, 'ccxt entryPrice = openAveragePrice, size-weighted over the opening fills').toBeCloseTo(avgPrice(opens), 6);
    expect(exitPrice(long), 'ccxt exitPrice = closeAveragePrice').toBeCloseTo(avgPrice(closes), 6);
    const fees = longFills.reduce((s, f) => s + f.fee, 0);
    const gross = longFills.reduce((s, f) => s + f.pnl, 0);
    expect(Number(info.fee), 'fee is a cost: negative, as BloFin answers').toBeCloseTo(-fees, 8);
    expect(long.realizedPnl, 'net of every fee, opening and closing').toBeCloseTo(gross - fees, 8);
    expect(gross, 'gross PnL is the price move on the contracts').toBeCloseTo((avgPrice(closes) - avgPrice(opens)) * 3 * amount * (ex.market(SYMBOL).contractSize ?? 1), 6);
    expect(info.marginMode).toBe('cross');
    expect(Number(short.info.maxPositions)).toBeCloseTo(amount, 9);
    expect(short.entryPrice, 'the short opened with the sell').toBeCloseTo(avgPrice(fillsOf(shortOrders.slice(0, 1))), 6);
    expect(exitPrice(short), 'and closed with the buy').toBeCloseTo(avgPrice(fillsOf(shortOrders.slice(1))), 6);
    expect(short.timestamp! >= long.timestamp!, 'updateTime is the close').toBe(true);

    const newest = (await raw.privateGetAccountPositionsHistory({ limit: '1' })).data;
    expect(newest.map((r) => r.side), 'newest first').toEqual(['sell']);
    const older = (await raw.privateGetAccountPositionsHistory({ after: newest[0]!.historyId })).data;
    expect(older.map((r) => r.side), 'after = older than that historyId').toEqual(['buy']);
    expect((await raw.privateGetAccountPositionsHistory({ state: 'liquidated' })).data, 'nothing was liquidated').toEqual([]);
    const both = await thrown(raw.privateGetAccountPositionsHistory({ after: '1', before: '2' }));
    expect(both.message, 'after and before cannot be used together').toContain('152002');
  });

  it('a fill that flips the position closes one and opens the next', async () => {
    await ex.closePosition(SYMBOL, undefined, { marginMode: 'cross' });
    const before = (await raw.privateGetAccountPositionsHistory({ limit: '100' })).data.length;
    await market('buy', amount);
    await market('sell', 2 * amount);
    await market('buy', amount);
    const rows = (await raw.privateGetAccountPositionsHistory({ limit: '100' })).data;
    expect(rows.length - before, 'the flipped long and the short after it').toBe(2);
    expect(rows.slice(0, 2).map((r) => [r.side, Number(r.maxPositions), Number(r.closePositions)])).toEqual([
      ['sell', amount, amount],
      ['buy', amount, amount],
    ]);
  });

  it('fetchLedger (asset/bills): the funds transfers, the initial funding among them', async () => {
    const ledger = await ex.fetchLedger('USDT');
    expect(ledger, 'the sim makes one transfer: the initial funding').toHaveLength(1);
    expect(ledger[0]!.amount).toBe(INITIAL_USDT);
    expect(ledger[0]!.currency).toBe('USDT');
    expect(ledger[0]!.info).toMatchObject({ fromAccount: 'funding', toAccount: 'futures' });
    expect(await ex.fetchLedger('BTC'), 'filtered by currency').toEqual([]);
    expect((await raw.privateGetAssetBills({ before: String(ledger[0]!.timestamp) })).data, 'before = newer than that time').toEqual([]);
    const bad = await thrown(raw.privateGetAssetBills({ fromAccount: 'wallet' }));
    expect(bad.message, 'an unknown account is named').toMatch(/152002.*fromAccount.*wallet/);
  });

  it('tickers carry only the documented fields (no quote volume)', async () => {
    const rows = (await raw.publicGetMarketTickers({ instId: 'ETH-USDT' })).data;
    expect(Object.keys(rows[0]!).sort()).toEqual(['askPrice', 'askSize', 'bidPrice', 'bidSize', 'high24h', 'instId', 'last', 'lastSize', 'low24h', 'open24h', 'ts', 'vol24h', 'volCurrency24h']);
    expect((await ex.fetchTicker(SYMBOL)).quoteVolume, 'ccxt leaves swap quote volume undefined, as on BloFin').toBeUndefined();
  });

  it('what ccxt blofin does not implement is not served: funding-fees fails in ccxt before any request', async () => {
    const requests = sim.requestLog().length;
    expect([ex.has.fetchMarkOHLCV, ex.has.fetchIndexOHLCV, ex.has.fetchLeverageTiers, ex.has.fetchMarketLeverageTiers, ex.has.editOrder], 'mark/index candles, position tiers, amend').toEqual([false, false, false, false, false]);
    expect((await thrown(ex.fetchFundingHistory(SYMBOL))).constructor.name, 'has says true, but no method reads account/funding-fees').toBe('NotSupported');
    expect(sim.requestLog().length, 'no request reached the sim').toBe(requests);
  });

  it('editOrder never calls the amend endpoint: ccxt emulates it with cancel-order then order', async () => {
    const book = await ex.fetchOrderBook(SYMBOL, 5);
    const px = Number(ex.priceToPrecision(SYMBOL, book.bids[0]![0]! * 0.9));
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, px, { marginMode: 'cross' });
    const from = sim.requestLog().length;
    const edited = await ex.editOrder(String(placed.id), SYMBOL, 'limit', 'buy', amount, Number(ex.priceToPrecision(SYMBOL, px * 0.99)), { marginMode: 'cross' });
    const paths = sim.requestLog().slice(from).map((r) => r.path);
    expect(paths).toEqual(['/api/v1/trade/cancel-order', '/api/v1/trade/order']);
    expect(edited.id, 'a new order replaces the old one').not.toBe(placed.id);
    await ex.cancelOrder(String(edited.id), SYMBOL);
  });
});
