import type { SimFill } from './account.js';
import type { SimOrder } from './orders.js';
import type { SimTrigger } from './tpsl.js';

/**
 * What changed on the sim's test account, before any dialect's wire format: every private
 * websocket (BloFin's channels, Binance's user-data stream, Bybit's and HTX's private topics)
 * renders these its own way. A fill is announced before the order update it belongs to, so a
 * stream that reports the execution with the order (Binance's ORDER_TRADE_UPDATE) has both.
 */
export type SimPrivateEvent =
  | { kind: 'fill'; fill: SimFill }
  | { kind: 'order'; order: SimOrder }
  | { kind: 'trigger'; trigger: SimTrigger }
  /** The position in `instId` changed (or closed); the account holds its current state. */
  | { kind: 'position'; instId: string }
  /** Balance or margin moved (after a fill, funding or a transfer). */
  | { kind: 'balance' };

export type SimPrivateListener = (e: SimPrivateEvent) => void;
