import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { CCXT_ERROR_MAP, mapCcxtError } from '../../src/core/ccxtErrors.js';
import { AuthError, OrderError, PerpscopeError, RateLimitError, TemporaryError } from '../../src/core/errors.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

function flatten(node: Record<string, unknown>, out: string[] = []): string[] {
  for (const [name, child] of Object.entries(node)) {
    out.push(name);
    flatten(child as Record<string, unknown>, out);
  }
  return out;
}

const ctx = { exchange: 'blofin', operation: 'createOrder', symbol: 'BTC/USDT:USDT' };
// ccxt does not export its hierarchy; load the generated file by path so new ccxt classes fail this test.
const ccxtDir = dirname(createRequire(import.meta.url).resolve('ccxt'));
const hierarchyUrl = pathToFileURL(join(ccxtDir, '..', 'js', 'src', 'base', 'errorHierarchy.js')).href;
const errorHierarchy = ((await import(hierarchyUrl)) as { default: Record<string, unknown> }).default;
const ccxtClasses = flatten(errorHierarchy);

describe('mapCcxtError', () => {
  it('covers every class in ccxt errorHierarchy', () => {
    expect(ccxtClasses.length, 'hierarchy was read').toBeGreaterThan(35);
    const missing = ccxtClasses.filter((c) => !(c in CCXT_ERROR_MAP));
    expect(missing, 'unmapped ccxt error classes').toEqual([]);
  });

  it.each(ccxtClasses.filter((c) => c in ccxt))('maps a thrown %s to its declared code', (name) => {
    const Cls = (ccxt as unknown as Record<string, new (m: string) => Error>)[name]!;
    const mapped = mapCcxtError(new Cls('boom'), ctx);
    expect(mapped).toBeInstanceOf(PerpscopeError);
    expect(mapped.code).toBe(CCXT_ERROR_MAP[name]!.code);
    expect(mapped.details.ccxtClass).toBe(name);
    expect(mapped.message).toContain('blofin createOrder');
  });

  it('groups errors by what the caller should do', () => {
    const map = (e: Error) => mapCcxtError(e, ctx);
    expect(map(new ccxt.RateLimitExceeded('429'))).toBeInstanceOf(RateLimitError);
    expect(map(new ccxt.DDoSProtection('slow down')).retryable).toBe(true);
    expect(map(new ccxt.RequestTimeout('t')).retryable, 'timeouts are retryable reads').toBe(true);
    expect(map(new ccxt.ExchangeNotAvailable('503'))).toBeInstanceOf(TemporaryError);
    expect(map(new ccxt.AuthenticationError('bad key'))).toBeInstanceOf(AuthError);
    expect(map(new ccxt.AuthenticationError('bad key')).retryable).toBe(false);
    expect(map(new ccxt.InsufficientFunds('no money'))).toBeInstanceOf(OrderError);
    expect(map(new ccxt.InsufficientFunds('no money')).code).toBe('INSUFFICIENT_FUNDS');
    expect(map(new ccxt.DuplicateOrderId('dup')).code).toBe('DUPLICATE_ORDER_ID');
    expect(map(new ccxt.OrderNotFound('gone')).retryable).toBe(false);
  });

  it("takes HTX's stale-timestamp refusal, which ccxt throws as AuthenticationError, as a clock problem; a bad signature stays an auth failure", () => {
    const stale = new ccxt.AuthenticationError('htx {"status":"error","err-code":"api-signature-not-valid","err-msg":"Signature not valid: Invalid Timestamp [时间戳错误]"}');
    const mapped = mapCcxtError(stale, { exchange: 'htx', operation: 'fetchBalance' });
    expect(mapped).toBeInstanceOf(TemporaryError);
    expect(mapped.details).toMatchObject({ ccxtClass: 'InvalidNonce', ccxtThrownClass: 'AuthenticationError' });
    const badSignature = new ccxt.AuthenticationError('htx {"status":"error","err-code":"api-signature-not-valid","err-msg":"Signature not valid: Verification failure"}');
    expect(mapCcxtError(badSignature, { exchange: 'htx', operation: 'fetchBalance' })).toBeInstanceOf(AuthError);
    // Only that refusal: a plain error or a bad request whose text mentions a timestamp keeps its class.
    expect(mapCcxtError(new Error('Invalid Timestamp'), { exchange: 'htx', operation: 'x' }).details?.ccxtClass).toBeUndefined();
    const badSince = mapCcxtError(new ccxt.BadRequest('foxbit {"error":"invalid timestamp"}'), { exchange: 'foxbit', operation: 'fetchOHLCV' });
    expect(badSince.details?.ccxtClass).toBe('BadRequest');
  });

  it('keeps the original as cause and passes PerpscopeErrors through', () => {
    const original = new ccxt.NetworkError('socket hang up');
    const mapped = mapCcxtError(original, ctx);
    expect(mapped.cause).toBe(original);
    expect(mapCcxtError(mapped, ctx)).toBe(mapped);
  });

  it('treats raw socket errors as retryable and anything else as internal', () => {
    const sock = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(mapCcxtError(sock, ctx).retryable).toBe(true);
    expect(mapCcxtError(new TypeError('x is undefined'), ctx).code).toBe('INTERNAL');
    expect(mapCcxtError('weird', ctx).code).toBe('INTERNAL');
  });
});
