import { ErrorCode } from '@perpscope/shared';
import {
  AuthError,
  ExchangeRejectedError,
  InternalError,
  OrderError,
  PerpscopeError,
  RateLimitError,
  TemporaryError,
} from './errors.js';

type Ctor = new (code: ErrorCode, message: string, options?: { details?: Record<string, unknown>; cause?: unknown; retryable?: boolean }) => PerpscopeError;

interface Mapping {
  ctor: Ctor;
  code: ErrorCode;
  retryable?: boolean;
}

/**
 * The one place ccxt errors become Perpscope errors. Every class in ccxt's errorHierarchy has an
 * entry; a test walks the hierarchy to keep it that way. Order matters only for readability:
 * lookup goes by the error's own class name first, then up its prototype chain.
 */
export const CCXT_ERROR_MAP: Readonly<Record<string, Mapping>> = {
  BaseError: { ctor: InternalError, code: ErrorCode.ExchangeError },
  ExchangeError: { ctor: ExchangeRejectedError, code: ErrorCode.ExchangeError },
  AuthenticationError: { ctor: AuthError, code: ErrorCode.AuthenticationFailed },
  PermissionDenied: { ctor: AuthError, code: ErrorCode.PermissionDenied },
  AccountNotEnabled: { ctor: AuthError, code: ErrorCode.PermissionDenied },
  AccountSuspended: { ctor: AuthError, code: ErrorCode.AccountSuspended },
  ArgumentsRequired: { ctor: ExchangeRejectedError, code: ErrorCode.BadRequest },
  BadRequest: { ctor: ExchangeRejectedError, code: ErrorCode.BadRequest },
  BadSymbol: { ctor: ExchangeRejectedError, code: ErrorCode.BadSymbol },
  OperationRejected: { ctor: ExchangeRejectedError, code: ErrorCode.ExchangeError },
  NoChange: { ctor: ExchangeRejectedError, code: ErrorCode.ExchangeError },
  MarginModeAlreadySet: { ctor: ExchangeRejectedError, code: ErrorCode.ExchangeError },
  // A closed market reopens; reads may retry later, writes still never retry blindly.
  MarketClosed: { ctor: TemporaryError, code: ErrorCode.ExchangeUnavailable },
  ManualInteractionNeeded: { ctor: AuthError, code: ErrorCode.PermissionDenied },
  RestrictedLocation: { ctor: AuthError, code: ErrorCode.PermissionDenied },
  InsufficientFunds: { ctor: OrderError, code: ErrorCode.InsufficientFunds },
  InvalidAddress: { ctor: ExchangeRejectedError, code: ErrorCode.BadRequest },
  AddressPending: { ctor: ExchangeRejectedError, code: ErrorCode.BadRequest },
  InvalidOrder: { ctor: OrderError, code: ErrorCode.InvalidOrder },
  OrderNotFound: { ctor: OrderError, code: ErrorCode.OrderNotFound },
  OrderNotCached: { ctor: OrderError, code: ErrorCode.OrderNotFound },
  OrderImmediatelyFillable: { ctor: OrderError, code: ErrorCode.InvalidOrder },
  OrderNotFillable: { ctor: OrderError, code: ErrorCode.InvalidOrder },
  DuplicateOrderId: { ctor: OrderError, code: ErrorCode.DuplicateOrderId },
  ContractUnavailable: { ctor: OrderError, code: ErrorCode.BadSymbol },
  NotSupported: { ctor: ExchangeRejectedError, code: ErrorCode.NotSupported },
  InvalidProxySettings: { ctor: ExchangeRejectedError, code: ErrorCode.InvalidConfig },
  ExchangeClosedByUser: { ctor: ExchangeRejectedError, code: ErrorCode.ExchangeUnavailable },
  OperationFailed: { ctor: TemporaryError, code: ErrorCode.NetworkError },
  NetworkError: { ctor: TemporaryError, code: ErrorCode.NetworkError },
  DDoSProtection: { ctor: RateLimitError, code: ErrorCode.RateLimited },
  RateLimitExceeded: { ctor: RateLimitError, code: ErrorCode.RateLimited },
  ExchangeNotAvailable: { ctor: TemporaryError, code: ErrorCode.ExchangeUnavailable },
  OnMaintenance: { ctor: TemporaryError, code: ErrorCode.ExchangeUnavailable },
  InvalidNonce: { ctor: TemporaryError, code: ErrorCode.NetworkError },
  ChecksumError: { ctor: TemporaryError, code: ErrorCode.NetworkError },
  RequestTimeout: { ctor: TemporaryError, code: ErrorCode.RequestTimeout },
  BadResponse: { ctor: TemporaryError, code: ErrorCode.NetworkError },
  NullResponse: { ctor: TemporaryError, code: ErrorCode.NetworkError },
  // The cancel is still in flight: look again later.
  CancelPending: { ctor: TemporaryError, code: ErrorCode.OrderStateUnknown },
  UnsubscribeError: { ctor: TemporaryError, code: ErrorCode.NetworkError },
};

/**
 * Refusals of a request's timestamp that ccxt files under another class: HTX answers a stale
 * signed request with `api-signature-not-valid` ("Signature not valid: Invalid Timestamp"), which
 * ccxt throws as AuthenticationError. Taken as what it is, a clock problem (InvalidNonce), the
 * broker re-measures the exchange's clock and retries once instead of halting on a bad key.
 */
const TIMESTAMP_REFUSALS: readonly { ccxtClass: string; message: RegExp }[] = [{ ccxtClass: 'AuthenticationError', message: /api-signature-not-valid.*Invalid Timestamp/i }];

function ccxtClassChain(err: object): string[] {
  const names: string[] = [];
  let proto: unknown = Object.getPrototypeOf(err);
  while (proto && proto !== Error.prototype && proto !== Object.prototype) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name) names.push(name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

/**
 * Converts anything a ccxt call threw into a PerpscopeError. Already-mapped errors pass through.
 * Non-ccxt errors become retryable network errors only when they look like socket failures.
 */
export function mapCcxtError(err: unknown, context: { exchange: string; operation: string; symbol?: string }): PerpscopeError {
  if (err instanceof PerpscopeError) return err;
  const details: Record<string, unknown> = { exchange: context.exchange, operation: context.operation };
  if (context.symbol) details.symbol = context.symbol;
  if (err instanceof Error) {
    const chain = ccxtClassChain(err);
    if (TIMESTAMP_REFUSALS.some((r) => chain[0] === r.ccxtClass && r.message.test(err.message))) {
      const nonce = CCXT_ERROR_MAP.InvalidNonce!;
      return new nonce.ctor(nonce.code, `${context.exchange} ${context.operation}: ${err.message}`, { details: { ...details, ccxtClass: 'InvalidNonce', ccxtThrownClass: chain[0] }, cause: err });
    }
    for (const name of chain) {
      const mapping = CCXT_ERROR_MAP[name];
      if (!mapping) continue;
      details.ccxtClass = ccxtClassChain(err)[0];
      return new mapping.ctor(mapping.code, `${context.exchange} ${context.operation}: ${err.message}`, {
        details,
        cause: err,
        ...(mapping.retryable === undefined ? {} : { retryable: mapping.retryable }),
      });
    }
    const sys = (err as { code?: unknown }).code;
    if (typeof sys === 'string' && /^(ECONN|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR)/.test(sys)) {
      return new TemporaryError(ErrorCode.NetworkError, `${context.exchange} ${context.operation}: ${err.message}`, { details, cause: err });
    }
    return new InternalError(ErrorCode.Internal, `${context.exchange} ${context.operation}: ${err.message}`, { details, cause: err });
  }
  return new InternalError(ErrorCode.Internal, `${context.exchange} ${context.operation}: ${String(err)}`, { details });
}

/** One failed item of a per-order answer. */
export interface FailedItem {
  code: string;
  msg: string;
}

type ErrorCtor = new (message: string) => Error;

/**
 * The first failed item behind a BloFin per-order envelope: top-level code `1` ("All operations
 * failed") or `2` ("Partially succeeded") with each order's own `code`/`msg` in `data[]`. ccxt puts
 * the body in the message of the ExchangeError it throws (`"blofin {...}"`). Null for anything else.
 */
export function failedItem(err: unknown): FailedItem | null {
  if (!(err instanceof Error) || ccxtClassChain(err)[0] !== 'ExchangeError') return null;
  const start = err.message.indexOf('{');
  if (start < 0) return null;
  let body: unknown;
  try {
    body = JSON.parse(err.message.slice(start));
  } catch {
    return null;
  }
  const env = body as { code?: unknown; data?: unknown };
  if ((String(env.code) !== '1' && String(env.code) !== '2') || !Array.isArray(env.data)) return null;
  for (const item of env.data as unknown[]) {
    const rec = item as { code?: unknown; msg?: unknown } | null;
    if (rec && rec.code !== undefined && rec.code !== null && String(rec.code) !== '0') return { code: String(rec.code), msg: String(rec.msg ?? '') };
  }
  return null;
}

/**
 * ccxt's handleErrors throws a generic ExchangeError on a per-order envelope's top-level code
 * before it reads the item inside, so a refused order would surface as a bare exchange error.
 * This rebuilds the error ccxt's own exception map (`exchange.exceptions`) gives the failed
 * item's code, then its message, so an order refused for margin is InsufficientFunds here just as
 * a plain error would be. Anything else is returned unchanged.
 */
export function unwrapItemError(err: unknown, exceptions: { exact?: Record<string, unknown>; broad?: Record<string, unknown> } | undefined): unknown {
  const item = failedItem(err);
  if (!item || !exceptions) return err;
  const exact = exceptions.exact ?? {};
  let ctor = (exact[item.code] ?? exact[item.msg]) as ErrorCtor | undefined;
  if (!ctor) {
    for (const [needle, c] of Object.entries(exceptions.broad ?? {})) {
      if (item.msg.includes(needle)) {
        ctor = c as ErrorCtor;
        break;
      }
    }
  }
  if (typeof ctor !== 'function') return err;
  const refined = new ctor((err as Error).message);
  (refined as Error & { cause?: unknown }).cause = err;
  return refined;
}
