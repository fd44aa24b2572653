import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { RETRY_FIRST_MS, RETRY_MAX_FAILURES, RETRY_MAX_MS, retryDelayMs } from '../../src/renderer/lib/retryBackoff.js';

describe('renderer: asking again after temporary trouble', () => {
  it('waits one second after the first failure, doubling up to ten seconds, and stops after the last allowed failure', () => {
    const waits = Array.from({ length: RETRY_MAX_FAILURES + 2 }, (_, i) => retryDelayMs(ErrorCode.ExchangeUnavailable, i + 1));
    expect(RETRY_MAX_FAILURES).toBe(8);
    expect(waits).toEqual([RETRY_FIRST_MS, 2_000, 4_000, 8_000, RETRY_MAX_MS, RETRY_MAX_MS, RETRY_MAX_MS, RETRY_MAX_MS, null, null]);
    expect(retryDelayMs(ErrorCode.ExchangeUnavailable, 1_000), 'still stopped long after').toBeNull();
  });

  it('retries every temporary code and none of the permanent ones', () => {
    for (const code of [ErrorCode.NetworkError, ErrorCode.RequestTimeout, ErrorCode.RateLimited, ErrorCode.ExchangeUnavailable, ErrorCode.CircuitOpen]) {
      expect(retryDelayMs(code, 1), code).toBe(RETRY_FIRST_MS);
    }
    for (const code of [ErrorCode.InvalidInput, ErrorCode.UnknownSymbol, ErrorCode.RiskRejected, ErrorCode.AuthenticationFailed, ErrorCode.Internal, 'NOT_A_CODE']) {
      expect(retryDelayMs(code, 1), code).toBeNull();
    }
  });

  it('treats a failure count below one or fractional as the first failure', () => {
    expect(retryDelayMs(ErrorCode.RateLimited, 0)).toBe(RETRY_FIRST_MS);
    expect(retryDelayMs(ErrorCode.RateLimited, 2.7)).toBe(2_000);
  });
});
