import { ErrorCode } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { CircuitOpenError, PerpscopeError } from '../core/errors.js';

export const BreakerState = { closed: 'closed', open: 'open', halfOpen: 'half-open' } as const;
export type BreakerState = (typeof BreakerState)[keyof typeof BreakerState];

export interface CircuitBreakerOptions {
  /** Exchange id, named in errors and events. */
  name: string;
  clock: Clock;
  /** Consecutive counted failures that open the breaker. */
  failureThreshold?: number;
  /** Time the breaker stays open before letting probe requests through. */
  coolDownMs?: number;
  /** Probe requests allowed at once while half-open. */
  halfOpenMaxCalls?: number;
  /** Probe successes needed to close again. */
  successThreshold?: number;
  onStateChange?: (change: { name: string; from: BreakerState; to: BreakerState; atMs: number }) => void;
}

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  /** When an open breaker lets probes through; 0 unless open. */
  retryAtMs: number;
  openedCount: number;
}

/**
 * Whether `err` says the exchange is unhealthy or pushing back: network errors, 5xx, timeouts
 * and 429s. A run of them opens the breaker so we stop hammering it. Bad requests are the
 * caller's fault and never trip it.
 */
export function countsAsBreakerFailure(err: unknown): boolean {
  return err instanceof PerpscopeError && err.retryable && err.code !== ErrorCode.CircuitOpen;
}

/**
 * Per-exchange circuit breaker: closed -> open after `failureThreshold` consecutive failures;
 * open -> half-open after `coolDownMs`; half-open -> closed after `successThreshold` probe
 * successes, or back to open on any probe failure.
 *
 * @example
 * const breaker = new CircuitBreaker({ name: 'blofin', clock });
 * const tickers = await breaker.execute(() => exchange.fetchTickers());
 */
export class CircuitBreaker {
  private current: BreakerState = BreakerState.closed;
  private failures = 0;
  private probeSuccesses = 0;
  private probesInFlight = 0;
  private openedAtMs = 0;
  private openedCount = 0;
  private readonly failureThreshold: number;
  private readonly coolDownMs: number;
  private readonly halfOpenMaxCalls: number;
  private readonly successThreshold: number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.coolDownMs = options.coolDownMs ?? 15_000;
    this.halfOpenMaxCalls = options.halfOpenMaxCalls ?? 1;
    this.successThreshold = options.successThreshold ?? 1;
  }

  state(): BreakerState {
    if (this.current === BreakerState.open && this.options.clock.nowMs() >= this.openedAtMs + this.coolDownMs) {
      this.transition(BreakerState.halfOpen);
    }
    return this.current;
  }

  snapshot(): BreakerSnapshot {
    const state = this.state();
    return {
      state,
      consecutiveFailures: this.failures,
      retryAtMs: state === BreakerState.open ? this.openedAtMs + this.coolDownMs : 0,
      openedCount: this.openedCount,
    };
  }

  /** Runs `fn` unless the breaker is open (then throws `CircuitOpenError` without calling it). */
  async execute<T>(fn: () => Promise<T>): Promise<T> {
    this.acquire();
    try {
      const value = await fn();
      this.recordSuccess();
      return value;
    } catch (err) {
      if (countsAsBreakerFailure(err)) this.recordFailure();
      else this.release();
      throw err;
    }
  }

  /** Takes a call slot or throws `CircuitOpenError`. Pair with `recordSuccess`/`recordFailure`/`release`. */
  acquire(): void {
    const state = this.state();
    if (state === BreakerState.closed) return;
    if (state === BreakerState.halfOpen && this.probesInFlight < this.halfOpenMaxCalls) {
      this.probesInFlight++;
      return;
    }
    const retryAtMs = state === BreakerState.open ? this.openedAtMs + this.coolDownMs : this.options.clock.nowMs();
    throw new CircuitOpenError(ErrorCode.CircuitOpen, `circuit open for ${this.options.name}; retry after ${new Date(retryAtMs).toISOString()}`, {
      details: { exchange: this.options.name, state, retryAtMs },
    });
  }

  recordSuccess(): void {
    this.failures = 0;
    if (this.current === BreakerState.halfOpen) {
      this.probesInFlight = Math.max(0, this.probesInFlight - 1);
      this.probeSuccesses++;
      if (this.probeSuccesses >= this.successThreshold) this.transition(BreakerState.closed);
    }
  }

  recordFailure(): void {
    this.failures++;
    if (this.current === BreakerState.halfOpen) {
      this.probesInFlight = Math.max(0, this.probesInFlight - 1);
      this.open();
    } else if (this.current === BreakerState.closed && this.failures >= this.failureThreshold) {
      this.open();
    }
  }

  /** Gives back a slot whose outcome says nothing about the exchange's health. */
  release(): void {
    if (this.current === BreakerState.halfOpen) this.probesInFlight = Math.max(0, this.probesInFlight - 1);
  }

  private open(): void {
    this.openedAtMs = this.options.clock.nowMs();
    this.openedCount++;
    this.transition(BreakerState.open);
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    if (from === to && to !== BreakerState.open) return;
    this.current = to;
    this.probeSuccesses = 0;
    this.probesInFlight = 0;
    if (to === BreakerState.closed) this.failures = 0;
    this.options.onStateChange?.({ name: this.options.name, from, to, atMs: this.options.clock.nowMs() });
  }
}
