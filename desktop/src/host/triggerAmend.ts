import { InvalidInputError, OrderState, PerpscopeError, type Broker, type Ledger, type ProtectionManager, type Store, type StoredOrder } from '@perpscope/sdk';
import { ErrorCode } from '@perpscope/shared';

const TRIGGER_TYPES: ReadonlySet<StoredOrder['type']> = new Set(['stop_market', 'take_profit_market']);
const WORKING: ReadonlySet<OrderState> = new Set([OrderState.New, OrderState.Ack, OrderState.Partial]);

export interface TriggerAmendDeps {
  broker: Pick<Broker, 'placeOrder' | 'cancelOrder'>;
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
    reduceOnly: true,
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
