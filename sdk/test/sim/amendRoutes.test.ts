import ccxt, { type Exchange } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBinanceUsdmClient, createBybitClient, startSimExchange, type SimExchange } from '../../src/sim/index.js';
import { SIM_KEY, SIM_SYMBOL } from '../trading/helpers.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as Error,
  );
}

/**
 * The amend endpoints of the Binance (`PUT /fapi/v1/order`) and Bybit (`POST /v5/order/amend`)
 * dialects through ccxt's own `editOrder`: the answers it parses, and each refusal in the venue's
 * code as ccxt files it.
 */
for (const dialect of ['binanceusdm', 'bybit'] as const) {
  describe(`SimExchange ${dialect} dialect: amending an order through ccxt's editOrder`, () => {
    let sim: SimExchange;
    let ex: Exchange;
    let amount = 0;
    let mid = 0;

    beforeAll(async () => {
      sim = await startSimExchange({ dialect, symbols: 4, seed: 23, startTimeMs: SIM_START_MS, acceleration: 1, historyBars: 50, apiKey: SIM_KEY, initialBalanceUsdt: 100_000, rateLimitScale: 20 });
      const options = { enableRateLimit: false, timeout: 5_000 };
      ex = (dialect === 'bybit' ? createBybitClient(sim, options) : createBinanceUsdmClient(sim, options)) as unknown as Exchange;
      await ex.loadMarkets();
      const book = await ex.fetchOrderBook(SIM_SYMBOL, 5);
      mid = ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
      const lot = ex.market(SIM_SYMBOL).precision.amount ?? 1;
      amount = Number((Math.ceil(100 / mid / lot) * lot).toPrecision(12));
    });
    afterAll(async () => {
      await ex.close();
      await sim.stop();
    });

    const px = (f: number): number => Number(ex.priceToPrecision(SIM_SYMBOL, mid * f));

    it('amends price and quantity in place: same ids, new terms read back, one amend request', async () => {
      const placed = await ex.createOrder(SIM_SYMBOL, 'limit', 'buy', amount, px(0.8), { clientOrderId: `am${dialect.slice(0, 3)}1` });
      const from = sim.requestLog().length;
      const edited = await ex.editOrder(String(placed.id), SIM_SYMBOL, 'limit', 'buy', amount * 2, px(0.81), dialect === 'bybit' ? { orderLinkId: `am${dialect.slice(0, 3)}1` } : {});
      expect(edited.id).toBe(placed.id);
      const amendRoute = dialect === 'bybit' ? 'POST /v5/order/amend' : 'PUT /fapi/v1/order';
      expect(sim.requestLog().slice(from).map((r) => `${r.method} ${r.path}`)).toEqual([amendRoute]);
      const read = await ex.fetchOrder(String(placed.id), SIM_SYMBOL, dialect === 'bybit' ? { acknowledged: true } : {});
      expect(read).toMatchObject({ id: String(placed.id), clientOrderId: `am${dialect.slice(0, 3)}1`, price: px(0.81), status: 'open' });
      expect(read.amount).toBeCloseTo(amount * 2, 9);
      await ex.cancelOrder(String(placed.id), SIM_SYMBOL);
    });

    it('refuses an amend that changes nothing, and one of a finished order, in the venue codes', async () => {
      const placed = await ex.createOrder(SIM_SYMBOL, 'limit', 'buy', amount, px(0.8));
      const same = await rejection(ex.editOrder(String(placed.id), SIM_SYMBOL, 'limit', 'buy', amount, px(0.8)));
      expect(same.message).toMatch(dialect === 'bybit' ? /"retCode":10001.*remains unchanged/ : /-5027/);
      await ex.cancelOrder(String(placed.id), SIM_SYMBOL);
      const gone = await rejection(ex.editOrder(String(placed.id), SIM_SYMBOL, 'limit', 'buy', amount, px(0.79)));
      expect(gone).toBeInstanceOf(ccxt.OrderNotFound);
      expect(gone.message).toMatch(dialect === 'bybit' ? /110001/ : /-2013/);
    });

    it('an amend through the book matches at once', async () => {
      const placed = await ex.createOrder(SIM_SYMBOL, 'limit', 'buy', amount, px(0.8));
      await ex.editOrder(String(placed.id), SIM_SYMBOL, 'limit', 'buy', amount, px(1.05));
      const read = await ex.fetchOrder(String(placed.id), SIM_SYMBOL, dialect === 'bybit' ? { acknowledged: true } : {});
      expect(read.status).toBe('closed');
      expect(read.filled).toBeCloseTo(amount, 9);
      expect(read.average ?? 0, 'at the book, not at the new limit').toBeLessThan(px(1.05));
      await ex.createOrder(SIM_SYMBOL, 'market', 'sell', amount, undefined, { reduceOnly: true });
    });
  });
}
