import { ErrorCode, type MethodInput, type OrderView } from '@perpscope/shared';
import type { Host } from '../host/index.js';
import type { WebhookSignal } from './parseWebhookBody.js';

/** The error an RPC reply carries. */
export interface OrderError {
  code: string;
  message: string;
}

/** What the order path did with one alert. */
export type OrderOutcome = { kind: 'placed'; order: OrderView } | { kind: 'refused'; error: OrderError } | { kind: 'failed'; error: OrderError };

/** Codes that mean the order path said no on purpose; anything else is a failure to reach a decision. */
const REFUSAL_CODES: ReadonlySet<string> = new Set<string>([
  ErrorCode.KillSwitchActive,
  ErrorCode.RiskRejected,
  ErrorCode.InvalidInput,
  ErrorCode.UnknownSymbol,
  ErrorCode.InvalidOrder,
  ErrorCode.InsufficientFunds,
  ErrorCode.BadSymbol,
  ErrorCode.NotSupported,
  ErrorCode.OrderNotFound,
  ErrorCode.PermissionDenied,
]);

/**
 * The ticket an alert becomes: a limit order at `price` when it has one, else a market order; sized
 * by the alert (`amountBase` or `notionalUsd`) or `defaultNotionalUsd`. No sizing or risk logic
 * here: `orders.place` applies RiskPolicy, its caps and the kill switch.
 */
export function ticketOf(signal: WebhookSignal & { action: 'buy' | 'sell' }, symbol: string, defaultNotionalUsd: number): MethodInput<'orders.place'> {
  const size = signal.amountBase !== undefined ? { amountBase: signal.amountBase } : { notionalUsd: signal.notionalUsd ?? defaultNotionalUsd };
  return signal.price !== undefined
    ? { symbol, side: signal.action, type: 'limit', price: signal.price, ...size }
    : { symbol, side: signal.action, type: 'market', ...size };
}

/** Sends the alert down the one order path (`orders.place`, or `positions.close` for close). Never throws. */
export async function placeAlertOrder(host: Pick<Host, 'call'>, signal: WebhookSignal, symbol: string, defaultNotionalUsd: number): Promise<OrderOutcome> {
  try {
    const action = signal.action;
    const res = action === 'close' ? await host.call('positions.close', { symbol }) : await host.call('orders.place', ticketOf({ ...signal, action }, symbol, defaultNotionalUsd));
    if (res.ok) return { kind: 'placed', order: res.value.order };
    return { kind: REFUSAL_CODES.has(res.error.code) ? 'refused' : 'failed', error: res.error };
  } catch (err) {
    return { kind: 'failed', error: { code: ErrorCode.Internal, message: err instanceof Error ? err.message : String(err) } };
  }
}

/** The HTTP status an outcome replies with: 200 placed, 409 kill switch, 422 other refusals, 502 failures. */
export function statusOf(outcome: OrderOutcome): number {
  if (outcome.kind === 'placed') return 200;
  if (outcome.kind === 'failed') return 502;
  return outcome.error.code === ErrorCode.KillSwitchActive ? 409 : 422;
}
