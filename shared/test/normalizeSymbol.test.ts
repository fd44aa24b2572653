import { describe, expect, it } from 'vitest';
import { resolveSymbol, type SymbolMarket } from '../src/index.js';

const swap = (base: string, quote = 'USDT', settle = quote, id = `${base}-${quote}`): SymbolMarket => ({
  symbol: `${base}/${quote}:${settle}`,
  id,
  base,
  quote,
  settle,
  type: 'swap',
});

const markets: SymbolMarket[] = [
  swap('BTC'),
  swap('ETH'),
  swap('1000PEPE'),
  swap('BTC', 'USD', 'BTC', 'BTC-USD'),
  swap('BTC', 'USDC'),
  { symbol: 'BTC/USDT', id: 'BTCUSDT', base: 'BTC', quote: 'USDT', type: 'spot' },
];

describe('resolveSymbol', () => {
  it.each([
    ['BINANCE:BTCUSDT.P', 'BTC/USDT:USDT'],
    ['BTCUSDT', 'BTC/USDT:USDT'],
    ['BTC-USDT', 'BTC/USDT:USDT'],
    ['BTC/USDT', 'BTC/USDT:USDT'],
    ['btc/usdt:usdt', 'BTC/USDT:USDT'],
    ['BTC-USDT-SWAP', 'BTC/USDT:USDT'],
    ['BTC/USDT:USDT', 'BTC/USDT:USDT'],
    ['btc-usdt', 'BTC/USDT:USDT'],
    ['BTC_USDT', 'BTC/USDT:USDT'],
    ['BYBIT:ETHUSDT.P', 'ETH/USDT:USDT'],
    ['1000PEPEUSDT', '1000PEPE/USDT:USDT'],
    ['BTCUSDC', 'BTC/USDC:USDC'],
    ['BTC/USD:BTC', 'BTC/USD:BTC'],
    ['  ethusdt  ', 'ETH/USDT:USDT'],
    ['BTC', 'BTC/USDT:USDT'],
  ])('%s -> %s', (input, expected) => {
    expect(resolveSymbol(input, markets), `input ${input}`).toEqual({ ok: true, symbol: expected });
  });

  it.each([
    ['DOGEUSDT', 'no perpetual with that base currency'],
    ['', 'expected a symbol'],
    ['A/B/C', 'expected a symbol'],
    ['BTCEUR', 'no perpetual with that'],
  ])('rejects %j with a reason', (input, reason) => {
    const r = resolveSymbol(input, markets);
    expect(r.ok, 'unmappable input must fail').toBe(false);
    if (!r.ok) {
      expect(r.reason).toContain(reason);
      expect(r.input).toBe(input);
    }
  });

  it('never maps a perpetual request to a spot market', () => {
    const spotOnly: SymbolMarket[] = [{ symbol: 'SOL/USDT', id: 'SOLUSDT', base: 'SOL', quote: 'USDT', type: 'spot' }];
    expect(resolveSymbol('SOLUSDT', spotOnly).ok).toBe(false);
  });
});
