import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '@perpscope/sdk';
import type { Host } from '../../src/host/index.js';
import {
  createRateLimiter,
  idempotencyKey,
  outsideWindowMs,
  parseWebhookBody,
  resolveAlertSymbol,
  secretsMatch,
  statusOf,
  ticketOf,
  type WebhookSignal,
} from '../../src/gateway/index.js';

const ok = (body: string): WebhookSignal => {
  const r = parseWebhookBody(body);
  if (!r.ok) throw new Error(`expected ${body} to parse: ${JSON.stringify(r.issues)}`);
  return r.signal;
};
const issuesOf = (body: string) => {
  const r = parseWebhookBody(body);
  if (r.ok) throw new Error(`expected ${body} to be refused`);
  return r.issues;
};

describe('webhook body parsing (pure)', () => {
  it('reads a TradingView JSON alert under every accepted spelling', () => {
    expect(ok('{"secret":"s","symbol":"BINANCE:BTCUSDT.P","side":"buy","price":65000.5,"id":"a1","time":"2026-01-02T03:04:05Z"}')).toEqual({
      action: 'buy',
      symbolInput: 'BINANCE:BTCUSDT.P',
      price: 65000.5,
      id: 'a1',
      timeMs: Date.UTC(2026, 0, 2, 3, 4, 5),
      secret: 's',
    });
    expect(ok('{"ticker":"ETHUSDT","action":"Short","notional":"75","alert_id":7,"timestamp":1767323045}')).toEqual({
      action: 'sell',
      symbolInput: 'ETHUSDT',
      notionalUsd: 75,
      id: '7',
      timeMs: 1_767_323_045_000,
    });
    expect(ok('{"Ticker":"BTCUSDT","order_action":"exit","contracts":0.5,"idempotencyKey":"k","time":1767323045123}')).toMatchObject({ action: 'close', amountBase: 0.5, id: 'k', timeMs: 1_767_323_045_123 });
    expect(ok('{"symbol":"BTCUSDT","signal":"flat","size_usd":10,"comment":"from my strategy"}')).toMatchObject({ action: 'close', notionalUsd: 10 });
  });

  it('maps side words: buy|long -> buy, sell|short -> sell, close|flat|exit -> close', () => {
    const actions = ['buy', 'LONG', 'sell', 'short', 'close', 'Flat', 'exit'].map((w) => ok(`{"symbol":"BTCUSDT","side":"${w}"}`).action);
    expect(actions).toEqual(['buy', 'buy', 'sell', 'sell', 'close', 'close', 'close']);
  });

  it('reads the text grammar with tokens in any order', () => {
    expect(ok('buy BINANCE:BTCUSDT.P price=65000 secret=abc id=a1')).toEqual({ action: 'buy', symbolInput: 'BINANCE:BTCUSDT.P', price: 65000, secret: 'abc', id: 'a1' });
    expect(ok('id=x2 notional=40 btc-usdt short time=2026-01-02T03:04:05Z')).toEqual({ action: 'sell', symbolInput: 'btc-usdt', notionalUsd: 40, id: 'x2', timeMs: Date.UTC(2026, 0, 2, 3, 4, 5) });
    expect(ok('  close\n BTCUSDT  ')).toEqual({ action: 'close', symbolInput: 'BTCUSDT' });
  });

  it('names the field, the value and what was expected for every bad field', () => {
    expect(issuesOf('{"symbol":"BTCUSDT","side":"hold","price":"abc","notional":-5,"time":"nope"}')).toEqual([
      { path: 'side', received: '"hold"', expected: 'one of buy, long, sell, short, close, flat, exit' },
      { path: 'price', received: '"abc"', expected: 'a positive price (a number or numeric text)' },
      { path: 'notional', received: '-5', expected: 'a positive notional in USD' },
      { path: 'time', received: '"nope"', expected: 'an ISO-8601 time such as 2026-01-02T03:04:05Z, or epoch ms (epoch seconds below 1e11)' },
    ]);
    expect(issuesOf('{"symbol":"BTCUSDT","side":"buy","qty":1,"notional":40}')[0]).toMatchObject({ path: 'qty', expected: expect.stringContaining('at most one of notionalUsd') });
    expect(issuesOf('{"symbol":"BTCUSDT","ticker":"ETHUSDT","side":"buy"}')[0]).toEqual({ path: 'ticker', received: 'both "symbol" and "ticker"', expected: 'one spelling of symbol' });
    expect(issuesOf('{"symbol":"BTCUSDT","side":"buy","leverage":5}')[0]).toMatchObject({ path: 'leverage', received: 'an unknown key' });
    expect(issuesOf('{"symbol":"BTCUSDT","side":"buy","price":1e400}')[0], 'Infinity is not a price').toMatchObject({ path: 'price' });
    expect(issuesOf('buy BTCUSDT ETHUSDT')[0]).toMatchObject({ path: 'symbol', expected: 'one symbol per alert' });
    expect(issuesOf('buy BTCUSDT lev=5')[0]).toMatchObject({ path: 'lev', expected: expect.stringContaining('a known key') });
    expect(issuesOf('buy')[0]).toMatchObject({ path: 'symbol', received: 'nothing' });
    // Found by the fuzz: a time beyond what a Date holds once reached the stale-window message and threw.
    expect(issuesOf('{"symbol":"BTCUSDT","side":"buy","time":1e21}')[0]).toEqual({ path: 'time', received: '1e+21', expected: 'a time a date can hold (epoch ms up to 8.64e15)' });
  });

  it('refuses syntax it cannot read, and prototype keys, without throwing', () => {
    expect(issuesOf('')[0]).toMatchObject({ path: '(body)', received: 'an empty body' });
    expect(issuesOf('{"symbol":"BTC')[0]).toMatchObject({ path: '(body)', expected: 'a valid JSON object' });
    expect(issuesOf('[1,2]')[0]).toMatchObject({ path: '(body)', received: 'a JSON array' });
    expect(issuesOf('{"__proto__":{"admin":true},"symbol":"BTCUSDT","side":"buy"}')[0]).toMatchObject({ path: '__proto__', received: 'a prototype key' });
    expect(issuesOf('{"symbol":{"constructor":{"prototype":1}},"side":"buy"}')[0]).toMatchObject({ path: 'symbol.constructor', received: 'a prototype key' });
    expect(({} as Record<string, unknown>).admin, 'nothing reached Object.prototype').toBeUndefined();
  });

  it('never echoes the secret in an issue', () => {
    const issues = issuesOf(`{"secret":${JSON.stringify('x'.repeat(600))},"symbol":"BTCUSDT","side":"buy"}`);
    expect(issues).toEqual([{ path: 'secret', received: 'a value that is not valid text', expected: expect.any(String) }]);
    expect(JSON.stringify(issuesOf('buy BTCUSDT secret=hunter2-hunter2 secret=again-again-again'))).not.toMatch(/hunter2|again/);
  });
});

describe('webhook gateway parts (pure)', () => {
  it('keys a delivery by its id, else by the normalized order and its time', () => {
    const a: WebhookSignal = { action: 'buy', symbolInput: 'BTCUSDT', timeMs: 1_000 };
    expect(idempotencyKey({ ...a, id: 'x' }, 'BTC/USDT:USDT')).toBe('id:x');
    expect(idempotencyKey(a, 'BTC/USDT:USDT'), 'spelling does not matter, the resolved symbol does').toBe(idempotencyKey({ ...a, symbolInput: 'BINANCE:BTCUSDT.P' }, 'BTC/USDT:USDT'));
    expect(idempotencyKey(a, 'BTC/USDT:USDT')).not.toBe(idempotencyKey({ ...a, timeMs: 2_000 }, 'BTC/USDT:USDT'));
    expect(idempotencyKey(a, 'BTC/USDT:USDT')).not.toBe(idempotencyKey({ ...a, action: 'sell' }, 'BTC/USDT:USDT'));
    expect(idempotencyKey(a, 'BTC/USDT:USDT')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('accepts a time within maxAgeMs either way and reports how far off one outside is', () => {
    expect(outsideWindowMs(undefined, 1_000_000, 300_000)).toBeNull();
    expect(outsideWindowMs(1_000_000 - 300_000, 1_000_000, 300_000)).toBeNull();
    expect(outsideWindowMs(1_000_000 - 300_001, 1_000_000, 300_000)).toBe(300_001);
    expect(outsideWindowMs(1_000_000 + 400_000, 1_000_000, 300_000)).toBe(-400_000);
  });

  it('rate-limits per source with a token bucket on the injected clock', async () => {
    const clock = new SimulatedClock(0);
    const limiter = createRateLimiter(2, clock);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([true, true, false]);
    expect(limiter.take('b'), 'sources are separate').toBe(true);
    expect(limiter.retryAfterMs('a')).toBe(30_000);
    await clock.advance(29_999);
    expect(limiter.take('a')).toBe(false);
    await clock.advance(1);
    expect(limiter.take('a')).toBe(true);
  });

  it('compares secrets in constant time and refuses non-text', () => {
    expect(secretsMatch('s'.repeat(20), 's'.repeat(20))).toBe(true);
    expect(secretsMatch('s'.repeat(20), 's'.repeat(19))).toBe(false);
    expect(secretsMatch('s'.repeat(20), undefined)).toBe(false);
    expect(secretsMatch('s'.repeat(20), '')).toBe(false);
    expect(secretsMatch('s'.repeat(20), ['s'.repeat(20)])).toBe(false);
  });

  it('turns an alert into a ticket: limit at its price, else market; its size, else the default', () => {
    expect(ticketOf({ action: 'buy', symbolInput: 'x' }, 'BTC/USDT:USDT', 50)).toEqual({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', notionalUsd: 50 });
    expect(ticketOf({ action: 'sell', symbolInput: 'x', price: 10, amountBase: 2 }, 'BTC/USDT:USDT', 50)).toEqual({ symbol: 'BTC/USDT:USDT', side: 'sell', type: 'limit', price: 10, amountBase: 2 });
    expect(ticketOf({ action: 'buy', symbolInput: 'x', notionalUsd: 80 }, 'BTC/USDT:USDT', 50)).toMatchObject({ notionalUsd: 80 });
  });

  it('replies 200 placed, 409 kill switch, 422 other refusals, 502 failures', () => {
    expect(statusOf({ kind: 'refused', error: { code: 'KILL_SWITCH_ACTIVE', message: '' } })).toBe(409);
    expect(statusOf({ kind: 'refused', error: { code: 'RISK_REJECTED', message: '' } })).toBe(422);
    expect(statusOf({ kind: 'failed', error: { code: 'NETWORK_ERROR', message: '' } })).toBe(502);
  });

  it('resolves every spelling against the host markets (ranked rows and open positions)', async () => {
    const host = {
      call: (method: string) =>
        Promise.resolve(
          method === 'rankings.query'
            ? { ok: true, value: { rows: [{ symbol: 'BTC/USDT:USDT' }, { symbol: 'ETH/USDT:USDT' }, { symbol: 'BTC/USDC:USDC' }] } }
            : { ok: true, value: { positions: [{ symbol: 'DOGE/USDT:USDT' }] } },
        ),
    } as unknown as Pick<Host, 'call'>;
    for (const form of ['BINANCE:BTCUSDT.P', 'BTCUSDT', 'BTC/USDT', 'btc-usdt', 'BTC/USDT:USDT']) {
      expect(await resolveAlertSymbol(host, form), form).toEqual({ ok: true, symbol: 'BTC/USDT:USDT' });
    }
    expect(await resolveAlertSymbol(host, 'DOGEUSDT'), 'a held position resolves too').toEqual({ ok: true, symbol: 'DOGE/USDT:USDT' });
    expect(await resolveAlertSymbol(host, 'BTCUSDC')).toEqual({ ok: true, symbol: 'BTC/USDC:USDC' });
    expect(await resolveAlertSymbol(host, 'XRPUSDT')).toMatchObject({ ok: false });
  });
});
