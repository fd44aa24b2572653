import type { StoredOrder } from '../store/index.js';

/** What the exchange says about one order. */
export interface ExchangeOrderView {
  exchangeOrderId: string | null;
  status: 'open' | 'filled' | 'canceled' | 'rejected';
  filledBase: number;
  avgFillPrice: number | null;
}

/** One execution as the exchange reports it; `fillId` is the exchange's trade id. */
export interface ExchangeFill {
  fillId: string;
  exchangeOrderId: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  price: number;
  amountBase: number;
  feeCost: number;
  feeCurrency: string | null;
  liquidity: 'maker' | 'taker' | null;
  atMs: number;
}

/**
 * The exchange side of the OrderLedger: the only calls that leave the process. Implementations
 * throw PerpscopeErrors (mapped with mapCcxtError); the ledger decides what each error means.
 */
export interface OrderGateway {
  /** Sends the order with its client order id. Never called twice for one id without a lookup first. */
  create(order: StoredOrder): Promise<{ exchangeOrderId: string | null }>;
  /** Looks the order up by client order id; null when the exchange does not know it. */
  lookup(order: StoredOrder): Promise<ExchangeOrderView | null>;
  cancel(order: StoredOrder): Promise<void>;
  /** Executions of the order (empty for an order not yet known to the exchange). */
  fills(order: StoredOrder): Promise<ExchangeFill[]>;
}
