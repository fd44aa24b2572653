import { describe, expect, it } from 'vitest';
import { ConfigError, PerpscopeError, RateLimitError, TemporaryError } from '../../src/core/errors.js';

describe('PerpscopeError', () => {
  it('takes retryable from its class unless told otherwise', () => {
    expect(new TemporaryError('NETWORK_ERROR', 'x').retryable).toBe(true);
    expect(new RateLimitError('RATE_LIMITED', 'x').retryable).toBe(true);
    expect(new PerpscopeError('INTERNAL', 'x').retryable).toBe(false);
    expect(new TemporaryError('NETWORK_ERROR', 'x', { retryable: false }).retryable).toBe(false);
  });

  it('walks the cause chain', () => {
    const root = new Error('socket closed');
    const mid = new TemporaryError('NETWORK_ERROR', 'fetch failed', { cause: root });
    const top = new PerpscopeError('EXCHANGE_ERROR', 'scan failed', { cause: mid });
    expect(top.walk(), 'deepest cause').toBe(root);
    expect(top.walk((e) => e instanceof TemporaryError)).toBe(mid);
    expect(top.walk((e) => e instanceof ConfigError)).toBeUndefined();
  });

  it('serializes to a plain info object', () => {
    const err = new ConfigError([{ path: 'a.b', received: '1', expected: 'a string' }]);
    expect(err.toInfo()).toMatchObject({ code: 'INVALID_CONFIG', retryable: false, details: { issues: [{ path: 'a.b' }] } });
    expect(JSON.parse(JSON.stringify(err.toInfo())).message).toContain('a.b: got 1, expected a string');
  });
});
