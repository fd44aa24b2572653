import { InvalidInputError, OrderState, PerpscopeError, type Broker, type Ledger, type ProtectionManager, type Store, type StoredOrder } from '@perpscope/sdk';
import { ErrorCode } from '@perpscope/shared';

const TRIGGER_TYPES: ReadonlySet<StoredOrder['type']> = new Set(['stop_market', 'take_profit_market']);
const WORKING: ReadonlySet<OrderState> = new Set([OrderState.New, OrderState.Ack, OrderState.Partial]);

export interface TriggerAmendDeps {
  broker: Pick<Broker, 'placeOrder' | 'cancelOrder'> & Partial<Pick<Broker, 'openOrders' | 'fetchPositions'>>;
  store: Pick<Store, 'orders'>;
  ledger: Ledger;
  exchange: string;
  /** The protection manager, when one runs: a stop it plans is moved through it, so break-even and trailing go on from the new level. */
  protection?: Pick<ProtectionManager, 'moveStopTo'>;
}

/**
 * Moves a working stop-loss or take-profit to `triggerPrice`. The new trigger is placed first (the
 * broker runs it through RiskPolicy like every order, as the next attempt of the same trade leg,
 * so its fills keep the leg's exit reason), then the old one is cancelled: the position is never
 * without it. A new trigger the venue refuses leaves the old one working and throws its reason.
 */
export async function amendTrigger(deps: TriggerAmendDeps, orderId: string, triggerPrice: number): Promise<{ order: StoredOrder; replaced: StoredOrder }> {
  const old = deps.store.orders.get(orderId);
  if (!old || old.ledger !== deps.ledger || old.exchange !== deps.exchange) {
    throw new PerpscopeError(ErrorCode.OrderNotFound, `Order ${orderId} is not a working order of the ${deps.ledger} ledger on ${deps.exchange}`, { details: { field: 'orderId', value: orderId } });
  }
  if (!TRIGGER_TYPES.has(old.type)) {
    throw new InvalidInputError('amend', [{ path: 'orderId', received: `${orderId} (${old.type})`, expected: 'a stop-loss or take-profit trigger order' }]);
  }
  if (!WORKING.has(old.state)) {
    throw new InvalidInputError('amend', [{ path: 'orderId', received: `${orderId} (${old.state})`, expected: 'a working order (not filled, cancelled or rejected)' }]);
  }
  if (old.triggerPrice === triggerPrice) return { order: old, replaced: old };
  if (old.purpose === 'stop_loss' && old.tradeId && deps.protection) {
    const moved = await deps.protection.moveStopTo(old.tradeId, triggerPrice);
    if (moved) {
      if (moved.stopPrice !== triggerPrice || !moved.order) {
        throw new PerpscopeError(ErrorCode.InvalidInput, `The stop of ${old.symbol} stays at ${moved.stopPrice}: moving it to ${triggerPrice} was refused`, { details: { field: 'triggerPrice', value: triggerPrice } });
      }
      return { order: moved.order, replaced: deps.store.orders.get(old.clientOrderId) ?? old };
    }
  }
  const leg = typeof old.params.leg === 'string' && old.params.leg ? old.params.leg : old.type === 'stop_market' ? 'sl' : 'tp1';
  const tradeId = old.tradeId ?? `amend_${old.clientOrderId}`;
  const attempt = nextAttempt(deps.store.orders.listByTrade(deps.ledger, tradeId), leg);
  const placed = await deps.broker.placeOrder({
    symbol: old.symbol,
    side: old.side,
    type: old.type as 'stop_market' | 'take_profit_market',
    amountBase: old.amountBase - old.filledBase,
    triggerPrice,
    // The moved trigger keeps the old one's side and reduce-only flag: it is the same order at a new price.
    reduceOnly: old.reduceOnly,
    purpose: old.purpose,
    tradeId,
    leg,
    attempt,
  });
  if (placed.state === OrderState.Rejected || placed.state === OrderState.Lost) {
    throw new PerpscopeError(ErrorCode.InvalidInput, `The ${leg} of ${old.symbol} stays at ${old.triggerPrice}: moving it to ${triggerPrice} was refused (${placed.lastError ?? placed.state})`, {
      details: { field: 'triggerPrice', value: triggerPrice, reason: placed.lastError },
    });
  }
  const replaced = await deps.broker.cancelOrder(old.clientOrderId);
  return { order: deps.store.orders.get(placed.clientOrderId) ?? placed, replaced };
}

/**
 * Sets the stop-loss (`kind` sl) or take-profit (tp) of the open position on `symbol` at
 * `triggerPrice`: the working reduce-only trigger of that kind on the closing side is moved
 * (amendTrigger); a position without one gets a new reduce-only trigger for its whole size,
 * through the broker's RiskPolicy like every order. Several working legs of that kind (a TP
 * ladder) are refused, naming them. A trigger on the wrong side of the mark is refused here with
 * the side it must be on.
 */
export async function setPositionTrigger(
  deps: TriggerAmendDeps,
  p: { symbol: string; kind: 'sl' | 'tp'; triggerPrice: number },
): Promise<{ order: StoredOrder; replaced: StoredOrder | null }> {
  if (!deps.broker.openOrders || !deps.broker.fetchPositions) throw new PerpscopeError(ErrorCode.NotSupported, 'This broker cannot list positions and orders to set a trigger');
  const position = (await deps.broker.fetchPositions()).find((x) => x.symbol === p.symbol && x.sizeBase > 0);
  if (!position) {
    throw new InvalidInputError('position trigger', [{ path: 'symbol', received: p.symbol, expected: `a symbol with an open position on the ${deps.ledger} ledger` }]);
  }
  const long = position.side === 'long';
  const ref = position.markPrice ?? position.entryPrice;
  // A stop below (long) / above (short) the mark, a take-profit on the other side: else it fires at once.
  const below = (p.kind === 'sl') === long;
  if (below ? !(p.triggerPrice < ref) : !(p.triggerPrice > ref)) {
    const what = p.kind === 'sl' ? 'stop-loss' : 'take-profit';
    throw new InvalidInputError('position trigger', [
      { path: 'triggerPrice', received: String(p.triggerPrice), expected: `a ${what} ${below ? 'below' : 'above'} the ${position.markPrice !== null ? 'mark' : 'entry'} price ${ref} of the ${position.side} position` },
    ]);
  }
  const type = p.kind === 'sl' ? 'stop_market' : 'take_profit_market';
  // Only a reduce-only trigger on the closing side protects this position: a leftover trigger of the
  // other side (from an earlier, opposite position) must not be moved into a wrong-side order.
  const closing = long ? 'sell' : 'buy';
  const working = deps.broker
    .openOrders(p.symbol)
    .filter((o) => o.type === type && WORKING.has(o.state) && o.ledger === deps.ledger && o.reduceOnly && o.side === closing);
  if (working.length > 1) {
    // Moving several legs (a TP ladder) to one price would merge them; each is moved by its id instead.
    const legs = working.map((o) => `${o.clientOrderId} (${typeof o.params.leg === 'string' ? o.params.leg : o.type} at ${o.triggerPrice})`).join(', ');
    throw new InvalidInputError('position trigger', [
      { path: 'kind', received: `${p.kind} with ${working.length} working legs: ${legs}`, expected: 'one working trigger of that kind; move each leg with orders.amendTrigger and its order id' },
    ]);
  }
  if (working[0]) return amendTrigger(deps, working[0].clientOrderId, p.triggerPrice);
  const tradeId = position.tradeId ?? `protect_${p.symbol.replace(/[^A-Za-z0-9]/g, '')}`;
  const leg = p.kind === 'sl' ? 'sl' : 'tp1';
  const existing = deps.store.orders.listByTrade(deps.ledger, tradeId);
  const placed = await deps.broker.placeOrder({
    symbol: p.symbol,
    side: long ? 'sell' : 'buy',
    type,
    amountBase: position.sizeBase,
    triggerPrice: p.triggerPrice,
    reduceOnly: true,
    purpose: p.kind === 'sl' ? 'stop_loss' : 'take_profit',
    tradeId,
    leg,
    attempt: existing.some((o) => o.params.leg === leg) ? nextAttempt(existing, leg) : 0,
  });
  if (placed.state === OrderState.Rejected || placed.state === OrderState.Lost) {
    throw new PerpscopeError(ErrorCode.InvalidInput, `The ${leg} of ${p.symbol} at ${p.triggerPrice} was refused (${placed.lastError ?? placed.state})`, { details: { field: 'triggerPrice', value: p.triggerPrice, reason: placed.lastError } });
  }
  return { order: deps.store.orders.get(placed.clientOrderId) ?? placed, replaced: null };
}

/** One past the highest attempt recorded for `leg` of the trade. */
function nextAttempt(orders: readonly StoredOrder[], leg: string): number {
  let max = 0;
  for (const o of orders) {
    if (o.params.leg !== leg) continue;
    const a = typeof o.params.attempt === 'number' ? o.params.attempt : 0;
    if (a > max) max = a;
  }
  return max + 1;
}
