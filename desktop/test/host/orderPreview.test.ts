import { describe, expect, it } from 'vitest';
import { ErrorCode, type Market } from '@perpscope/shared';
import { PerpscopeError, type Broker } from '@perpscope/sdk';
import { previewOrder, type OrderPreviewDeps } from '../../src/host/orderPreview.js';

const BTC = { symbol: 'BTC/USDT:USDT', id: 'BTCUSDT', base: 'BTC', quote: 'USDT', settle: 'USDT', type: 'swap', contractSize: 1, lotSize: 0.001, tickSize: 0.1, makerFee: 0.0002, takerFee: 0.0005 } as unknown as Market;

function deps(markets: readonly Market[], reference: number | null): OrderPreviewDeps {
  const broker: Pick<Broker, 'quote' | 'fetchAccount'> = {
    quote: () => Promise.resolve(null),
    fetchAccount: () => Promise.resolve({ equityUsd: 1_000, availableUsd: 1_000 } as Awaited<ReturnType<Broker['fetchAccount']>>),
  };
  return { broker, markets: () => markets, refreshBook: () => Promise.resolve(reference), defaultLeverage: 5 };
}

async function failure(p: Promise<unknown>): Promise<PerpscopeError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e, 'the preview fails').toBeInstanceOf(PerpscopeError);
  return e as PerpscopeError;
}

describe('order preview: temporary trouble is retryable, a bad symbol is not', () => {
  it('before the markets are read, "btc" is temporary trouble, not an unknown symbol', async () => {
    const e = await failure(previewOrder(deps([], 60_000), { symbol: 'btc', side: 'buy', type: 'market', notionalUsd: 60 }));
    expect(e.code).toBe(ErrorCode.ExchangeUnavailable);
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/markets are still loading/);
  });

  it('a listed market without any price yet is temporary trouble naming the symbol', async () => {
    const e = await failure(previewOrder(deps([BTC], null), { symbol: 'btc', side: 'buy', type: 'market', notionalUsd: 60 }));
    expect(e.code).toBe(ErrorCode.ExchangeUnavailable);
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('BTC/USDT:USDT');
  });

  it('a symbol the loaded markets do not list is bad input, not retried', async () => {
    const e = await failure(previewOrder(deps([BTC], 60_000), { symbol: 'NOPE', side: 'buy', type: 'market', notionalUsd: 60 }));
    expect(e.code).toBe(ErrorCode.InvalidInput);
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/symbol.*NOPE/s);
  });

  it('once the markets are read the same ticket prices', async () => {
    const p = await previewOrder(deps([BTC], 60_000), { symbol: 'btc', side: 'buy', type: 'market', notionalUsd: 60 });
    expect(p.symbol).toBe('BTC/USDT:USDT');
    expect(p.notionalUsd!).toBeLessThanOrEqual(60 + 1e-9);
    expect(p.notionalUsd!).toBeGreaterThan(60 - 60_000 * 0.001);
  });
});
