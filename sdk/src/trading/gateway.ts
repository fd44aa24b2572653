import type { StoredOrder } from '../store/index.js';

/** What the exchange says about one order. */
export interface ExchangeOrderView {
  exchangeOrderId: string | null;
  status: 'open' | 'filled' | 'canceled' | 'rejected';
  filledBase: number;
  avgFillPrice: number | null;
  /** The order's size (base units) and prices as the exchange holds them, when it says (an amend is seen through them). */
  amountBase?: number | null;
  price?: number | null;
  triggerPrice?: number | null;
}

/** What an amend changes on a working order: its limit price, its total size (base units), its trigger price. */
export interface OrderAmendment {
  price?: number;
  amountBase?: number;
  stopPrice?: number;
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
  /**
   * Amends the working order in place (same client and exchange ids) and returns the exchange's
   * view of it. Present only where the venue amends in place; elsewhere the ledger cancels and
   * places a replacement. Throws NotSupported for an order this venue cannot amend (Binance's
   * conditional orders, for one), which the ledger also answers with cancel-and-replace.
   */
  amend?(order: StoredOrder, change: OrderAmendment): Promise<ExchangeOrderView>;
  /** Executions of the order (empty for an order not yet known to the exchange). */
  fills(order: StoredOrder): Promise<ExchangeFill[]>;
}
