import { ErrorCode, type ErrorInfo } from '@perpscope/shared';

export interface PerpscopeErrorOptions {
  /** Structured facts behind the error (field, value, expected, symbol...). Never secrets. */
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Overrides the class default. */
  retryable?: boolean;
}

/**
 * Root of every error the engine throws. `code` says what happened, `retryable` says whether the
 * same call may succeed later. Retry logic reads `retryable` and nothing else.
 */
export class PerpscopeError extends Error {
  override readonly name: string = 'PerpscopeError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;
  /** The message without details, for one-line UIs. */
  readonly shortMessage: string;

  constructor(code: ErrorCode, message: string, options: PerpscopeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.shortMessage = message;
    this.details = options.details ?? {};
    this.retryable = options.retryable ?? (this.constructor as typeof PerpscopeError).defaultRetryable;
  }

  static readonly defaultRetryable: boolean = false;

  /** Walks the `cause` chain; returns the first error for which `fn` is true, else the deepest. */
  walk(fn?: (err: unknown) => boolean): unknown {
    // Bounded: a cause chain could in principle be cyclic.
    let current: unknown = this as unknown;
    for (let depth = 0; depth < 32; depth++) {
      if (fn && fn(current)) return current;
      const next = current instanceof Error ? (current as Error & { cause?: unknown }).cause : undefined;
      if (next === undefined) return fn ? undefined : current;
      current = next;
    }
    return current;
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

/** One bad field in a config, an RPC payload, a file row or a webhook body. */
export interface FieldIssue {
  /** Dotted path, e.g. `universe.minQuoteVolumeUsd`. */
  path: string;
  /** The value received, rendered for humans (secrets are never passed here). */
  received: string;
  /** What was expected. */
  expected: string;
}

function renderIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `  - ${i.path || '(root)'}: got ${i.received}, expected ${i.expected}`).join('\n');
}

/** Bad input from a user, file or peer. Lists every bad field at once. */
export class InvalidInputError extends PerpscopeError {
  override readonly name: string = 'InvalidInputError';
  readonly issues: readonly FieldIssue[];
  constructor(subject: string, issues: readonly FieldIssue[], code: ErrorCode = ErrorCode.InvalidInput) {
    super(code, `Invalid ${subject} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${renderIssues(issues)}`, {
      details: { issues },
    });
    this.issues = issues;
  }
}

/** An invalid configuration; one error naming every bad field. */
export class ConfigError extends InvalidInputError {
  override readonly name: string = 'ConfigError';
  constructor(issues: readonly FieldIssue[]) {
    super('configuration', issues, ErrorCode.InvalidConfig);
  }
}

/** A symbol that cannot be mapped to a market of the exchange. */
export class UnknownSymbolError extends PerpscopeError {
  override readonly name: string = 'UnknownSymbolError';
}

/** Temporary exchange or network trouble: retry with backoff and jitter. */
export class TemporaryError extends PerpscopeError {
  override readonly name: string = 'TemporaryError';
  static override readonly defaultRetryable: boolean = true;
}

/** The exchange answered 429 or asked us to slow down. */
export class RateLimitError extends TemporaryError {
  override readonly name: string = 'RateLimitError';
}

/** Calls to an exchange are short-circuited while its breaker is open. */
export class CircuitOpenError extends TemporaryError {
  override readonly name: string = 'CircuitOpenError';
}

/** The exchange refused this request for good: do not retry it as is. */
export class ExchangeRejectedError extends PerpscopeError {
  override readonly name: string = 'ExchangeRejectedError';
}

/** Order-specific refusal (bad size, unknown order, duplicate id, no funds). */
export class OrderError extends ExchangeRejectedError {
  override readonly name: string = 'OrderError';
}

/** Credentials or permissions failed: halt trading and tell the user. */
export class AuthError extends PerpscopeError {
  override readonly name: string = 'AuthError';
}

/** A risk gate refused an order. `details.reason` is machine-readable. */
export class RiskRejectedError extends PerpscopeError {
  override readonly name: string = 'RiskRejectedError';
}

/** Local storage failed or refused (schema too new, corrupt file). */
export class StoreError extends PerpscopeError {
  override readonly name: string = 'StoreError';
}

/** Another trading process holds the Perpscope home; `details` names it (pid, command, since). */
export class HomeLockedError extends StoreError {
  override readonly name: string = 'HomeLockedError';
}

/** The OS keychain is missing or refused; there is never a plaintext fallback. */
export class SecretStoreError extends PerpscopeError {
  override readonly name: string = 'SecretStoreError';
}

/** A long-running job stopped because its caller aborted it (an AbortSignal); nothing is wrong. */
export class CancelledError extends PerpscopeError {
  override readonly name: string = 'CancelledError';
  constructor(message: string, options: PerpscopeErrorOptions = {}) {
    super(ErrorCode.Cancelled, message, options);
  }
}

/** A bug: an invariant broke. */
export class InternalError extends PerpscopeError {
  override readonly name: string = 'InternalError';
}

export function isPerpscopeError(err: unknown): err is PerpscopeError {
  return err instanceof PerpscopeError;
}

/** Renders any thrown value for a log line or a CLI message. */
export function describeError(err: unknown): string {
  if (err instanceof PerpscopeError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
