import { describe, expect, it } from 'vitest';
import { OrderState, type StoredOrder } from '../../src/store/index.js';
import { panic } from '../../src/trading/panic.js';
import type { Broker } from '../../src/trading/types.js';
import { freshStorePerTest } from './helpers.js';

const fx = freshStorePerTest();

/** Only what panic reads of an order. */
const order = (clientOrderId: string, state: OrderState, symbol = 'ABC/USDT:USDT') => ({ clientOrderId, symbol, state }) as unknown as StoredOrder;

/**
 * The broker surface panic uses: open orders, cancel, positions and close. Each cancel answers
 * with the state `cancelAnswers` gives for that attempt (an Error rejects), and every call counts
 * how many are in flight at once.
 */
function fakeBroker(o: { open: StoredOrder[]; cancelAnswers: (id: string, attempt: number) => OrderState | Error; positions?: string[]; closeAnswer?: (symbol: string) => OrderState | Error }) {
  const attempts = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const busy = async <T>(fn: () => T): Promise<T> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Two turns of the microtask queue: every lane gets to start before any finishes.
    await Promise.resolve();
    await Promise.resolve();
    inFlight--;
    return fn();
  };
  const broker = {
    ledger: 'paper',
    openOrders: () => o.open,
    cancelOrder: (id: string) =>
      busy(() => {
        const n = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, n);
        const answer = o.cancelAnswers(id, n);
        if (answer instanceof Error) throw answer;
        return order(id, answer);
      }),
    fetchPositions: async () => (o.positions ?? []).map((symbol) => ({ symbol })),
    closePosition: (symbol: string) =>
      busy(() => {
        const answer = o.closeAnswer?.(symbol) ?? OrderState.Filled;
        if (answer instanceof Error) throw answer;
        return order(`close-${symbol}`, answer, symbol);
      }),
  } as unknown as Broker;
  return { broker, attempts, maxInFlight: () => maxInFlight };
}

describe('panic report', () => {
  it('reports an order as cancelled only once the exchange says it is no longer working', async () => {
    const { broker, attempts } = fakeBroker({
      open: [order('a', OrderState.Ack), order('b', OrderState.Ack), order('c', OrderState.Ack)],
      // a: the first cancel is refused (it comes back still working), the second goes through;
      // b: never goes through; c: the request itself fails.
      cancelAnswers: (id, n) => (id === 'a' ? (n === 1 ? OrderState.Ack : OrderState.Cancelled) : id === 'b' ? OrderState.Ack : new Error('exchange down')),
    });
    const report = await panic({ broker, store: fx.store, clock: fx.clock }, { close: false });
    expect(report.cancelled, 'a, after a second request').toEqual(['a']);
    expect(attempts.get('a')).toBe(2);
    expect(attempts.get('b'), 'one retry, then reported').toBe(2);
    expect(report.failures.map((f) => f.target).sort()).toEqual(['b', 'c']);
    expect(report.failures.find((f) => f.target === 'b')?.error).toMatch(/still ACK/);
  });

  it('sends cancels and closes several at a time, never more than four at once', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `o${i}`);
    const { broker, maxInFlight } = fakeBroker({ open: ids.map((id) => order(id, OrderState.Ack)), cancelAnswers: () => OrderState.Cancelled, positions: ['X/USDT:USDT', 'Y/USDT:USDT'] });
    const report = await panic({ broker, store: fx.store, clock: fx.clock });
    expect(report.cancelled.sort()).toEqual([...ids].sort());
    expect(report.closed.sort()).toEqual(['X/USDT:USDT', 'Y/USDT:USDT']);
    expect(maxInFlight(), 'in parallel, within the cap').toBe(4);
  });

  it('counts a close the exchange rejected as a failure, not a closed position', async () => {
    const { broker } = fakeBroker({ open: [], cancelAnswers: () => OrderState.Cancelled, positions: ['X/USDT:USDT', 'Y/USDT:USDT'], closeAnswer: (s) => (s === 'X/USDT:USDT' ? OrderState.Rejected : OrderState.Filled) });
    const report = await panic({ broker, store: fx.store, clock: fx.clock });
    expect(report.closed).toEqual(['Y/USDT:USDT']);
    expect(report.failures).toEqual([{ target: 'X/USDT:USDT', error: 'the close order was REJECTED' }]);
  });
});
