import type { CloseLeg } from './exitReason.js';
import type { Fill, Ledger, MarginMode, OrderPurpose, OrderSide, PositionSide, StoredOrder } from '../store/index.js';
import type { RiskOrderRequest } from '../risk/index.js';
import type { ExecutableQuote } from './executablePrice.js';

/** What `Broker.quote` prices. */
export type QuoteRequest = Pick<PlaceOrderRequest, 'symbol' | 'side' | 'type' | 'price'> & { amountBase?: number };

/** Order types a broker accepts. Stops and take-profits are reduce-only triggers. */
export type BrokerOrderType = 'market' | 'limit' | 'stop_market' | 'take_profit_market';

/** A request to place one order of a trade. The client order id is derived from tradeId/leg/attempt. */
export interface PlaceOrderRequest {
  symbol: string;
  side: OrderSide;
  type: BrokerOrderType;
  amountBase: number;
  /** Limit price (limit orders only). */
  price?: number;
  /** Trigger price (stop_market and take_profit_market only). */
  triggerPrice?: number;
  reduceOnly?: boolean;
  purpose?: OrderPurpose;
  /** The trade this order belongs to; orders are grouped by it, never by time. */
  tradeId: string;
  /** Which order of the trade (`entry`, `sl`, `tp1`, `exit`, ...). */
  leg: string;
  /** Re-placement counter of the leg; default 0. */
  attempt?: number;
  /**
   * The risk request an entry is checked against (required unless reduce-only): every opening
   * order passes RiskPolicy.evaluateEntry; reduce-only orders pass evaluateExit.
   */
  risk?: RiskOrderRequest;
  leverage?: number;
  marginMode?: MarginMode;
  /** Limit orders only: rest on the book as maker, cancelled by the venue rather than take liquidity. */
  postOnly?: boolean;
  /** Limit orders only (default GTC); IOC and FOK cannot be post-only. */
  timeInForce?: TimeInForce;
}

/**
 * An amend of a working order: a new limit price, total size (base units, including what already
 * filled) and/or trigger price. An opening order is risk-checked again as the order it becomes,
 * which takes its risk context (as `placeOrder` does).
 */
export interface AmendOrderRequest {
  price?: number;
  amountBase?: number;
  triggerPrice?: number;
  risk?: RiskOrderRequest;
}

/** How long a limit order works: good till cancelled, immediate-or-cancel, fill-or-kill. */
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';

export interface BrokerPosition {
  symbol: string;
  side: PositionSide;
  sizeBase: number;
  entryPrice: number;
  markPrice: number | null;
  unrealizedPnlUsd: number;
  realizedPnlUsd: number;
  liquidationPrice: number | null;
  leverage: number;
  marginMode: MarginMode;
  tradeId: string | null;
}

export interface BrokerAccount {
  equityUsd: number;
  balanceUsd: number;
  availableUsd: number;
  unrealizedPnlUsd: number;
  realizedPnlUsd: number;
}

export type BrokerEvent =
  | { type: 'order'; order: StoredOrder }
  | { type: 'fill'; fill: Fill }
  | { type: 'position'; symbol: string; position: BrokerPosition | null }
  | { type: 'alert'; level: 'info' | 'warn' | 'error'; reason: string; message: string; details?: Record<string, unknown> };

export type BrokerListener = (event: BrokerEvent) => void;

/**
 * The one trading port: paper and live brokers implement it and pass the same contract test.
 * Every order is recorded in the store's ledger (intent first) and passes the RiskPolicy.
 */
export interface Broker {
  readonly ledger: Ledger;
  readonly exchange: string;
  /** Resumes from the store (paper) or reconciles with the exchange (live). */
  start(): Promise<void>;
  stop(): Promise<void>;
  placeOrder(req: PlaceOrderRequest): Promise<StoredOrder>;
  /**
   * Amends a working order by client order id, risk-checked as the order it becomes. In place where
   * the venue amends (same client id; the order returned), else cancel-and-replace (the replacement
   * returned, a new client id from the same trade and leg). An amend that loses the race against a
   * fill leaves the order FILLED and throws OrderError `order_not_open`.
   */
  amendOrder(clientOrderId: string, change: AmendOrderRequest): Promise<StoredOrder>;
  /** Cancels by client order id. A cancel that loses the race against a fill ends FILLED. */
  cancelOrder(clientOrderId: string): Promise<StoredOrder>;
  /** Orders that may still be live, from the ledger. */
  openOrders(symbol?: string): StoredOrder[];
  fetchPositions(): Promise<BrokerPosition[]>;
  fetchAccount(): Promise<BrokerAccount>;
  /**
   * The price an order would be sized and risk-checked at, from the book it would meet now (see
   * `executablePrice`); null when there is no book to price it against.
   */
  quote(order: QuoteRequest): Promise<ExecutableQuote | null>;
  /** Closes the symbol's whole position with a reduce-only market order; null when flat. */
  /** Market-closes the position reduce-only; `reason` (default `manual`) becomes the exit reason of its fills. */
  closePosition(symbol: string, opts?: { tradeId?: string; attempt?: number; reason?: CloseLeg }): Promise<StoredOrder | null>;
  on(listener: BrokerListener): () => void;
}
