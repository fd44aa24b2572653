import { InvalidInputError, OrderState, PerpscopeError, toStep, type Broker, type Logger, type ManualOrderDesk, type MarketPrecision, type ProtectionManager, type StoredOrder, describeError } from '@perpscope/sdk';
import { ErrorCode, type MethodParams } from '@perpscope/shared';

export type CloseRequest = Pick<MethodParams<'positions.close'>, 'fraction' | 'type' | 'price'>;

export interface PositionCloseDeps {
  broker: Pick<Broker, 'fetchPositions'>;
  /** The sdk's order sequence: fresh book, every RiskPolicy gate, reduce-only exits capped at the position. */
  desk: Pick<ManualOrderDesk, 'close' | 'place'>;
  /** The market's lot and minimum size in base units, as the venue lists them; undefined when unknown. */
  precision(symbol: string): Pick<MarketPrecision, 'amountStep' | 'minAmountBase'> | undefined;
  /** Re-sizes a planned stop to the position left after a partial close. */
  protection: Pick<ProtectionManager, 'plans' | 'refreshStop'>;
  logger: Logger;
}

/**
 * Closes all or part of a position, reduce-only. A whole market close is the desk's close; a
 * partial or limit close is a reduce-only order of the lot-rounded amount (rounded down, so it
 * never closes more than asked) through the same desk, so RiskPolicy sees it like every order.
 * A partial filled at once leaves the plan's stop sized for what remains (the protection manager
 * re-places it for the current size); take-profits are reduce-only, so none can exceed it.
 */
export async function closePosition(deps: PositionCloseDeps, symbol: string, req: CloseRequest = {}): Promise<StoredOrder> {
  const fraction = req.fraction ?? 1;
  const type = req.type ?? 'market';
  if (!(Number.isFinite(fraction) && fraction > 0 && fraction <= 1)) {
    throw new InvalidInputError('close', [{ path: 'fraction', received: String(fraction), expected: 'a fraction of the position > 0 and <= 1 (0.5 closes half)' }]);
  }
  if (type === 'market' && fraction === 1) return deps.desk.close(symbol);
  const position = (await deps.broker.fetchPositions()).find((p) => p.symbol === symbol && p.sizeBase > 0);
  if (!position) throw new PerpscopeError(ErrorCode.InvalidInput, `No open position on ${symbol}`, { details: { symbol } });
  const lot = deps.precision(symbol);
  const amountBase = fraction === 1 ? position.sizeBase : toStep(position.sizeBase * fraction, lot?.amountStep, 'down');
  const min = lot?.minAmountBase ?? 0;
  if (!(amountBase > 0) || amountBase < min * (1 - 1e-9)) {
    throw new InvalidInputError('close', [
      {
        path: 'fraction',
        received: String(fraction),
        expected: `a fraction closing at least the market minimum ${min || lot?.amountStep || 'one lot'} on ${symbol}: ${fraction} of the ${position.sizeBase} position rounds to ${amountBase}${lot?.amountStep ? ` on the lot ${lot.amountStep}` : ''}`,
      },
    ]);
  }
  const order = await deps.desk.place({
    symbol,
    side: position.side === 'long' ? 'sell' : 'buy',
    type,
    amountBase,
    ...(type === 'limit' && req.price !== undefined ? { price: req.price } : {}),
    reduceOnly: true,
  });
  if (order.state === OrderState.Filled && amountBase < position.sizeBase) await resizeStops(deps, symbol, position.side);
  return order;
}

/** The plan's stop re-placed for the position left; a failure leaves the old (larger, reduce-only) stop working. */
async function resizeStops(deps: PositionCloseDeps, symbol: string, side: 'long' | 'short'): Promise<void> {
  for (const plan of deps.protection.plans()) {
    if (plan.symbol !== symbol || plan.side !== side) continue;
    await deps.protection.refreshStop(plan.tradeId).catch((err: unknown) => deps.logger.warn({ symbol, err: describeError(err) }, 'stop not resized after a partial close; the old stop stays'));
  }
}
