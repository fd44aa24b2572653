import { describe, expect, it } from 'vitest';
import { NetworkError, type Exchange, type OrderBook as CcxtOrderBook } from 'ccxt';
import { SimulatedClock } from '../../src/core/clock.js';
import { CcxtMarketData } from '../../src/market/ccxtMarketData.js';

const SYMBOL = 'BTC/USDT:USDT';
const STALE_MS = 10_000;
const BASE_MS = 100;

interface PendingWatch {
  resolve: (book: CcxtOrderBook) => void;
  reject: (err: unknown) => void;
}

/**
 * A ccxt-like client with Binance USD-M's id and streaming `has`: REST books answer at once, and
 * each `watchOrderBook` does whatever the test's `onWatch` says (hang, push, refuse). Closing it
 * rejects every watch still pending, as ccxt pro does.
 */
class FakeExchange {
  readonly id = 'binanceusdm';
  readonly has = { watchOrderBook: true, watchTrades: true, fetchOrderBook: true, fetchTrades: true };
  enableRateLimit = true;
  restCalls = 0;
  watchCalls = 0;
  closed = 0;
  readonly pending: PendingWatch[] = [];
  onWatch: (call: number) => 'hang' | 'fail' = () => 'hang';

  constructor(private readonly clock: SimulatedClock) {}

  book(price: number): CcxtOrderBook {
    const timestamp = this.clock.nowMs();
    return { symbol: SYMBOL, timestamp, datetime: undefined, nonce: undefined, bids: [[price - 1, 2]], asks: [[price + 1, 3]] } as unknown as CcxtOrderBook;
  }

  fetchOrderBook(): Promise<CcxtOrderBook> {
    this.restCalls++;
    return Promise.resolve(this.book(100));
  }

  fetchTrades(): Promise<unknown[]> {
    this.restCalls++;
    return Promise.resolve([{ id: '1', symbol: SYMBOL, timestamp: this.clock.nowMs(), price: 100, amount: 1, side: 'buy' }]);
  }

  watchTrades(): Promise<unknown[]> {
    this.watchCalls++;
    return new Promise<unknown[]>(() => undefined);
  }

  watchOrderBook(): Promise<CcxtOrderBook> {
    this.watchCalls++;
    if (this.onWatch(this.watchCalls) === 'fail') return Promise.reject(new NetworkError('socket dropped'));
    return new Promise<CcxtOrderBook>((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  close(): Promise<void> {
    this.closed++;
    for (const p of this.pending.splice(0)) p.reject(new NetworkError('connection closed by user'));
    return Promise.resolve();
  }
}

function setup(options: { idleMs?: number; streams?: boolean } = {}): { clock: SimulatedClock; fake: FakeExchange; source: CcxtMarketData } {
  const clock = new SimulatedClock(1_700_000_000_000);
  const fake = new FakeExchange(clock);
  const source = new CcxtMarketData({
    exchange: fake as unknown as Exchange,
    clock,
    streamStaleAfterMs: STALE_MS,
    streamIdleMs: options.idleMs ?? 300_000,
    backoff: { baseMs: BASE_MS, maxMs: 1_000 },
    // A zero draw: the pause is the floor (the backoff base), so its end is known exactly.
    random: () => 0,
    ...(options.streams !== undefined ? { streams: options.streams } : {}),
  });
  return { clock, fake, source };
}

describe('CcxtMarketData order-flow streams', () => {
  it('with streams off (a one-shot reader), every read is REST and nothing subscribes', async () => {
    const { fake, source } = setup({ streams: false });
    const first = await source.fetchOrderBook(SYMBOL, 10);
    await source.fetchOrderBook(SYMBOL, 10);
    const trades = await source.fetchTrades(SYMBOL, 10);
    expect(first.bids[0]![0]).toBe(99);
    expect(trades.map((t) => t.price), 'the tape from REST').toEqual([100]);
    expect(fake.restCalls, 'every read went to REST').toBe(3);
    expect(fake.watchCalls, 'no websocket subscription was made').toBe(0);
    expect(source.streamStats().active).toEqual([]);
    await source.close();
  });

  it('reads a hung book stream from REST, resubscribes after the deadline, and stops everything on close', async () => {
    const { clock, fake, source } = setup();

    const first = await source.fetchOrderBook(SYMBOL, 10);
    expect(first.bids[0]![0], 'no push yet: the REST book').toBe(99);
    expect(fake.restCalls).toBe(1);
    expect(fake.watchCalls, 'the first read starts the stream').toBe(1);
    expect(source.streamStats().active).toEqual([`orderbook|${SYMBOL}`]);

    await clock.advance(STALE_MS - 1);
    expect(fake.watchCalls, 'the hung watch is still within its deadline').toBe(1);
    await source.fetchOrderBook(SYMBOL, 10);
    expect(fake.restCalls, 'a hung stream never answers reads').toBe(2);

    await clock.advance(1);
    expect(source.streamStats().failures.orderbook, 'the deadline counts as a stream failure').toBe(1);
    expect(fake.watchCalls, 'no resubscription before the backoff pause').toBe(1);
    await clock.advance(BASE_MS);
    expect(fake.watchCalls, 'resubscribed once the pause ended').toBe(2);
    expect(source.streamStats().resubscribes).toBe(1);

    // The resubscription pushes: reads now come from the stream, not REST.
    fake.pending.at(-1)!.resolve(fake.book(200));
    await clock.advance(0);
    const streamed = await source.fetchOrderBook(SYMBOL, 10);
    expect(streamed.bids[0]![0], 'the pushed book').toBe(199);
    expect(fake.restCalls).toBe(2);
    expect(source.streamStats().servedFromStream.orderbook).toBe(1);
    expect(fake.watchCalls, 'after a push the loop awaits the next one').toBe(3);

    await source.close();
    expect(fake.closed).toBe(1);
    expect(clock.pendingTimers(), 'close cancels the stream deadline').toBe(0);
    await clock.advance(10 * STALE_MS);
    expect(fake.watchCalls, 'nothing subscribes after close').toBe(3);
    expect(source.streamStats().active).toEqual([]);

    // A read after close does not start a stream again.
    await source.fetchOrderBook(SYMBOL, 10).catch(() => undefined);
    await clock.advance(10 * STALE_MS);
    expect(fake.watchCalls).toBe(3);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('backs off between failing subscriptions instead of spinning, and close ends the pause', async () => {
    const { clock, fake, source } = setup();
    fake.onWatch = () => 'fail';

    await source.fetchOrderBook(SYMBOL, 10);
    await clock.advance(0);
    expect(fake.watchCalls, 'one refused subscription, then a pause').toBe(1);
    expect(source.streamStats().failures.orderbook).toBe(1);
    await clock.advance(BASE_MS - 1);
    expect(fake.watchCalls, 'a zero jitter draw still waits the backoff base').toBe(1);
    await clock.advance(1);
    expect(fake.watchCalls).toBe(2);
    await clock.advance(BASE_MS);
    expect(fake.watchCalls).toBe(3);
    expect(source.health().wsErrors).toBe(3);

    await source.close();
    expect(clock.pendingTimers(), 'close cancels the backoff pause').toBe(0);
    await clock.advance(100 * BASE_MS);
    expect(fake.watchCalls, 'no resubscription after close').toBe(3);
  });

  it('ends a stream nobody reads once it has been idle, without spinning', async () => {
    const { clock, fake, source } = setup({ idleMs: 60_000 });

    await source.fetchOrderBook(SYMBOL, 10);
    // Push every second for two minutes with no reads.
    for (let s = 0; s < 120; s++) {
      fake.pending.at(-1)?.resolve(fake.book(100 + s));
      await clock.advance(1_000);
    }
    const calls = fake.watchCalls;
    expect(calls, 'one watch per push until the first push past the 60 s idle limit, then none').toBe(61);
    expect(source.streamStats().active).toEqual([]);
    await clock.advance(10 * STALE_MS);
    expect(fake.watchCalls, 'an ended stream subscribes no more').toBe(calls);
    expect(clock.pendingTimers(), 'an ended stream holds no timers').toBe(0);
    await source.close();
  });
});
