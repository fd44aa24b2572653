/**
 * Machine-readable error codes shared by the engine, the RPC contract and the UI. Grouped by what
 * the caller should do, not by where the error came from.
 */
export const ErrorCode = {
  // Bad input from a user, a file or a peer: fix the input, do not retry.
  InvalidConfig: 'INVALID_CONFIG',
  InvalidInput: 'INVALID_INPUT',
  UnknownSymbol: 'UNKNOWN_SYMBOL',
  // Exchange: temporary (retry with backoff).
  NetworkError: 'NETWORK_ERROR',
  RequestTimeout: 'REQUEST_TIMEOUT',
  RateLimited: 'RATE_LIMITED',
  ExchangeUnavailable: 'EXCHANGE_UNAVAILABLE',
  CircuitOpen: 'CIRCUIT_OPEN',
  // Exchange: permanent for this request.
  BadRequest: 'BAD_REQUEST',
  BadSymbol: 'BAD_SYMBOL',
  NotSupported: 'NOT_SUPPORTED',
  InvalidOrder: 'INVALID_ORDER',
  OrderNotFound: 'ORDER_NOT_FOUND',
  DuplicateOrderId: 'DUPLICATE_ORDER_ID',
  InsufficientFunds: 'INSUFFICIENT_FUNDS',
  // Exchange: stop trading and tell the user.
  AuthenticationFailed: 'AUTHENTICATION_FAILED',
  PermissionDenied: 'PERMISSION_DENIED',
  AccountSuspended: 'ACCOUNT_SUSPENDED',
  ExchangeError: 'EXCHANGE_ERROR',
  // Trading and risk.
  RiskRejected: 'RISK_REJECTED',
  KillSwitchActive: 'KILL_SWITCH_ACTIVE',
  OrderStateUnknown: 'ORDER_STATE_UNKNOWN',
  // Local resources.
  StoreError: 'STORE_ERROR',
  SchemaTooNew: 'SCHEMA_TOO_NEW',
  /** The database file is damaged (failed `PRAGMA quick_check`, or SQLite reported corruption). */
  DbCorrupt: 'DB_CORRUPT',
  /** The disk (or the database's size limit) is full; nothing was written. */
  DiskFull: 'DISK_FULL',
  /** Another trading process holds this Perpscope home. */
  HomeLocked: 'HOME_LOCKED',
  KeychainUnavailable: 'KEYCHAIN_UNAVAILABLE',
  /** The keychain exists but is locked: unlock it (log in, or unlock the login keyring) and retry. */
  KeychainLocked: 'KEYCHAIN_LOCKED',
  SecretNotFound: 'SECRET_NOT_FOUND',
  Unauthorized: 'UNAUTHORIZED',
  /** The caller cancelled a long-running job (a backtest); nothing was kept from it. */
  Cancelled: 'CANCELLED',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The codes of trouble that passes by itself: the same call may succeed if asked again after a backoff. */
const TEMPORARY_CODES: ReadonlySet<ErrorCode> = new Set([ErrorCode.NetworkError, ErrorCode.RequestTimeout, ErrorCode.RateLimited, ErrorCode.ExchangeUnavailable, ErrorCode.CircuitOpen]);

/** True for a code the caller may retry as is after a backoff (an RPC reply carries the code, not the engine's `retryable`). */
export function isTemporaryErrorCode(code: string): boolean {
  return TEMPORARY_CODES.has(code as ErrorCode);
}

/** Serializable error shape that crosses process and network boundaries. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}
