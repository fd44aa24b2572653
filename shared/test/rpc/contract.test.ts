import { describe, expect, it } from 'vitest';
import {
  createApiClient,
  EVENT_NAMES,
  METHOD_NAMES,
  ok,
  RPC_METHODS,
  WireRequestSchema,
  WireServerMessageSchema,
  type EventName,
  type MethodName,
  type Result,
  type RpcTransport,
} from '@perpscope/shared';

describe('RPC contract', () => {
  it('declares every command of the desktop issue', () => {
    const expected = [
      'rankings.query', 'symbol.inspect', 'candles.get', 'signals.list', 'trading.status', 'trading.setAutotrade', 'trading.armLive', 'trading.disarmLive', 'trading.resumeEntries',
      'orders.place', 'orders.cancel', 'orders.history', 'orders.preview', 'orders.amendTrigger', 'history.list', 'positions.close', 'positions.setTrigger', 'emergency.killSwitch', 'emergency.panic', 'settings.get',
      'settings.set', 'profiles.list', 'profiles.apply', 'watchlists.list', 'watchlists.save', 'watchlists.delete',
      'keys.set', 'keys.list', 'keys.delete', 'keys.test', 'health.get', 'alerts.test',
      'backtest.datasets', 'backtest.start', 'backtest.cancel', 'backtest.list', 'backtest.get', 'backtest.bars', 'backtest.report',
      'chart.studies', 'chart.flags',
      'drawings.list', 'drawings.save', 'drawings.delete',
    ];
    expect([...METHOD_NAMES].sort(), 'method table').toEqual([...expected].sort());
    expect([...EVENT_NAMES].sort(), 'event table').toEqual(['alert', 'backtest.progress', 'fill', 'health', 'order', 'position', 'ranking', 'signal', 'warmup.progress']);
  });

  it('accepts valid params', () => {
    const valid: { [M in MethodName]?: unknown } = {
      'rankings.query': { limit: 50, sortBy: 'score', sortDir: 'desc', search: 'btc' },
      'symbol.inspect': { symbol: 'BTC/USDT:USDT' },
      'candles.get': { symbol: 'BTC/USDT:USDT', timeframe: '1m', limit: 100_000, indicators: ['ema21', 'bollinger'] },
      'orders.place': { symbol: 'ETH/USDT:USDT', side: 'buy', type: 'market', notionalUsd: 100, takeProfitPrice: 4000, stopLossPrice: 3000 },
      'emergency.panic': { confirm: true },
      'settings.set': { values: { 'risk.maxPositions': 3, 'gates.killSwitch': false } },
      'keys.set': { exchange: 'blofin', label: 'main', apiKey: 'k', secret: 's', password: 'p' },
      'watchlists.save': { name: 'majors', symbols: ['BTC/USDT:USDT'] },
      'trading.status': {},
      'trading.armLive': { exchange: 'blofin', label: 'main', confirm: 'LIVE blofin:main' },
      'backtest.start': { dataset: '/data/binance', timeframe: '1h', symbols: ['BTC/USDT:USDT'], fromMs: 1_735_689_600_000, toMs: 1_736_899_200_000, riskPerTradePct: 1, strategies: ['breakout'] },
      'backtest.report': { id: 'bt-20250101T000000.000Z-1a2b3c4d-abcdef', kind: 'xlsx' },
      'chart.studies': { symbol: 'BTC/USDT:USDT', timeframe: '15m', studies: ['rsi', 'macd', 'bollinger', 'vwap'], limit: 20_000 },
      'chart.flags': { symbol: 'BTC/USDT:USDT', sinceMs: 0 },
    };
    for (const [method, params] of Object.entries(valid)) {
      const res = RPC_METHODS[method as MethodName].input.safeParse(params);
      expect(res.success, `${method} should accept ${JSON.stringify(params)}`).toBe(true);
    }
  });

  it('rejects invalid params with the field named', () => {
    const cases: [MethodName, unknown, string][] = [
      ['symbol.inspect', { symbol: 'btcusdt' }, 'symbol'],
      ['candles.get', { symbol: 'BTC/USDT:USDT', timeframe: '7m' }, 'timeframe'],
      ['candles.get', { symbol: 'BTC/USDT:USDT', timeframe: '1m', limit: 100_001 }, 'limit'],
      ['orders.place', { symbol: 'BTC/USDT:USDT', side: 'buy', type: 'limit', amountBase: 1 }, 'price'],
      ['orders.place', { symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amountBase: 1, notionalUsd: 5 }, 'amountBase'],
      ['orders.place', { symbol: 'BTC/USDT:USDT', side: 'buy', type: 'limit', amountBase: 1, price: 100, stopLossPrice: 120 }, 'stopLossPrice'],
      ['orders.place', { symbol: 'BTC/USDT:USDT', side: 'hold', type: 'market', amountBase: 1 }, 'side'],
      ['emergency.panic', {}, 'confirm'],
      ['keys.set', { exchange: 'blofin', label: 'a:b', apiKey: 'k', secret: 's' }, 'label'],
      ['trading.setAutotrade', { enabled: 'yes' }, 'enabled'],
      ['trading.status', { extra: 1 }, ''],
    ];
    for (const [method, params, field] of cases) {
      const res = RPC_METHODS[method].input.safeParse(params);
      expect(res.success, `${method} should reject ${JSON.stringify(params)}`).toBe(false);
      if (!res.success && field) {
        expect(res.error.issues.map((i) => i.path.join('.')), `${method} names the bad field`).toContain(field);
      }
    }
  });

  it('describes wire frames', () => {
    expect(WireRequestSchema.safeParse({ id: 1, method: 'health.get', params: {} }).success).toBe(true);
    expect(WireRequestSchema.safeParse({ method: 'health.get' }).success, 'id is required').toBe(false);
    expect(WireServerMessageSchema.safeParse({ id: 1, result: { ok: true, value: 3 } }).success).toBe(true);
    expect(WireServerMessageSchema.safeParse({ id: null, result: { ok: false, error: { code: 'INVALID_INPUT', message: 'x' } } }).success).toBe(true);
    expect(WireServerMessageSchema.safeParse({ event: 'ranking', data: {} }).success).toBe(true);
  });
});

describe('createApiClient', () => {
  function fakeTransport() {
    const calls: [MethodName, unknown][] = [];
    let emit: (event: EventName, data: unknown) => void = () => {};
    const transport: RpcTransport = {
      request(method, params) {
        calls.push([method, params]);
        return Promise.resolve(ok({ echoed: method }) as Result<unknown>);
      },
      subscribe(listener) {
        emit = listener;
        return () => {
          emit = () => {};
        };
      },
      close() {},
    };
    return { transport, calls, emit: (e: EventName, d: unknown) => emit(e, d) };
  }

  it('maps namespaced verbs to wire methods and passes empty params as {}', async () => {
    const t = fakeTransport();
    const api = createApiClient(t.transport);
    await api.rankings.query({ limit: 5 });
    await api.health.get();
    await api.watchlists.delete({ name: 'x' });
    const res = await api.call('keys.list');
    expect(res.ok).toBe(true);
    expect(t.calls, 'wire calls').toEqual([
      ['rankings.query', { limit: 5 }],
      ['health.get', {}],
      ['watchlists.delete', { name: 'x' }],
      ['keys.list', {}],
    ]);
  });

  it('routes events to listeners of that event only, and unsubscribes', () => {
    const t = fakeTransport();
    const api = createApiClient(t.transport);
    const seen: unknown[] = [];
    const off = api.on('alert', (a) => seen.push(a.message));
    t.emit('alert', { message: 'one' });
    t.emit('signal', { message: 'not an alert' });
    off();
    t.emit('alert', { message: 'two' });
    expect(seen).toEqual(['one']);
  });
});
