import type { Side } from './account.js';
import type { Rejection } from './orders.js';

/**
 * TP/SL attached to a `trade/order` (`tpTriggerPrice`/`tpOrderPrice`, `slTriggerPrice`/
 * `slOrderPrice`). An order price of -1 closes at market. Prices are in quote currency.
 */
export interface AttachedTpsl {
  tpTriggerPrice: number | null;
  tpOrderPrice: number | null;
  slTriggerPrice: number | null;
  slOrderPrice: number | null;
}

/** The parent order as the checks see it: a market order meets the touch, the others rest at `price`. */
export interface AttachedParent {
  side: Side;
  isMarket: boolean;
  /** The limit price of a non-market order (quote currency). */
  price: number;
  bestBid: number | null;
  bestAsk: number | null;
}

type Body = Record<string, unknown>;

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/** One trigger/order price pair; both or neither, as BloFin documents. */
function pair(b: Body, leg: 'tp' | 'sl'): { trigger: number; order: number } | null | Rejection {
  const triggerKey = `${leg}TriggerPrice`;
  const orderKey = `${leg}OrderPrice`;
  const hasTrigger = present(b[triggerKey]);
  const hasOrder = present(b[orderKey]);
  if (!hasTrigger && !hasOrder) return null;
  if (!hasTrigger) return { code: '152001', msg: `Parameter ${triggerKey} cannot be empty when ${orderKey} is set` };
  if (!hasOrder) return { code: '152001', msg: `Parameter ${orderKey} cannot be empty when ${triggerKey} is set` };
  const trigger = Number(b[triggerKey]);
  const order = Number(b[orderKey]);
  if (!(Number.isFinite(trigger) && trigger > 0)) return { code: '152002', msg: `Parameter ${triggerKey} error: got "${String(b[triggerKey])}", expected a price > 0` };
  if (!(order === -1 || (Number.isFinite(order) && order > 0))) return { code: '152002', msg: `Parameter ${orderKey} error: got "${String(b[orderKey])}", expected a price > 0 or -1 (market)` };
  return { trigger, order };
}

const isRejection = (v: unknown): v is Rejection => typeof v === 'object' && v !== null && 'code' in v;

/**
 * Reads and checks the TP/SL attached to an order, as BloFin does at placement (codes
 * 102047-102055). A buy opens or adds long, so its take-profit sits above and its stop below;
 * a sell mirrors that. A resting order is checked against its own price; a market order against
 * the touch it meets (best ask for a buy, best bid for a sell). Whatever the order type, a stop
 * that the touch has already crossed is refused (102048 for a sell's stop at or below the best
 * bid, 102050 for a resting buy's stop at or above the best ask; a market buy's is 102055).
 * Returns null when nothing is attached.
 */
export function parseAttachedTpsl(b: Body, parent: AttachedParent): AttachedTpsl | null | Rejection {
  const tp = pair(b, 'tp');
  if (isRejection(tp)) return tp;
  const sl = pair(b, 'sl');
  if (isRejection(sl)) return sl;
  if (tp === null && sl === null) return null;
  const buy = parent.side === 'buy';
  const { bestBid, bestAsk } = parent;
  if (!parent.isMarket) {
    if (buy && sl && sl.trigger >= parent.price) return { code: '102051', msg: 'stop loss trigger price should be lower than the order price' };
    if (buy && tp && tp.trigger <= parent.price) return { code: '102052', msg: 'take profit trigger price should be higher than the order price' };
    if (!buy && sl && sl.trigger <= parent.price) return { code: '102047', msg: 'Stop loss trigger price should be higher than the order price' };
    if (!buy && tp && tp.trigger >= parent.price) return { code: '102049', msg: 'Take profit trigger price should be lower than the order price' };
    if (buy && sl && bestAsk !== null && sl.trigger >= bestAsk) return { code: '102050', msg: 'stop loss trigger price must be lower than the best ask price' };
  } else {
    if (buy && tp && bestAsk !== null && tp.trigger <= bestAsk) return { code: '102054', msg: 'take profit trigger price should be higher than the best ask price' };
    if (buy && sl && bestAsk !== null && sl.trigger >= bestAsk) return { code: '102055', msg: 'stop loss trigger price should be lower than the best ask price' };
    if (!buy && tp && bestBid !== null && tp.trigger >= bestBid) return { code: '102053', msg: 'take profit trigger price should be lower than the best bid price' };
  }
  if (!buy && sl && bestBid !== null && sl.trigger <= bestBid) return { code: '102048', msg: 'stop loss trigger price must be higher than the best bid price' };
  return { tpTriggerPrice: tp?.trigger ?? null, tpOrderPrice: tp?.order ?? null, slTriggerPrice: sl?.trigger ?? null, slOrderPrice: sl?.order ?? null };
}
