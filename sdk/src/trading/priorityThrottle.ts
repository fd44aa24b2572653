import { AsyncLocalStorage } from 'node:async_hooks';
import type { Exchange } from 'ccxt';
import { LimiterPriority } from '../market/weightedLimiter.js';

/**
 * The priority of the exchange requests made inside the current async call chain. Set with
 * {@link withExchangePriority}; requests outside any such chain are `high`.
 */
const context = new AsyncLocalStorage<LimiterPriority>();

/** Runs `fn` with every request it makes through a prioritised client queued at `priority`. */
export function withExchangePriority<T>(priority: LimiterPriority, fn: () => Promise<T>): Promise<T> {
  return context.run(priority, fn);
}

interface Waiter {
  cost: number | undefined;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const INSTALLED = Symbol.for('perpscope.priorityThrottle');

/**
 * Puts priority lanes in front of a ccxt client's own rate limiter. ccxt's throttle is one FIFO
 * queue: on a slow machine, or with a screen polling balances and positions, a trader's cancel
 * or panic close would wait behind every read queued before it. Here each request waits in the
 * lane of its call chain (`urgent` for a trader's commands, `high` by default, `normal` for
 * status reads) and only one at a time is handed to ccxt's throttle, so the budget ccxt keeps
 * for the exchange is exactly what it was; only the order changes. Idempotent per client.
 *
 * @example
 * installPriorityThrottle(exchange);
 * await withExchangePriority(LimiterPriority.urgent, () => exchange.cancelOrder(id, symbol));
 */
export function installPriorityThrottle(exchange: Exchange): Exchange {
  const ex = exchange as Exchange & { [INSTALLED]?: true; throttle: (cost?: number) => Promise<unknown> };
  if (ex[INSTALLED]) return exchange;
  ex[INSTALLED] = true;
  const inner = ex.throttle.bind(ex);
  const lanes: Record<LimiterPriority, Waiter[]> = { urgent: [], high: [], normal: [] };
  let pumping = false;
  const next = (): Waiter | undefined => lanes.urgent.shift() ?? lanes.high.shift() ?? lanes.normal.shift();
  const pump = async (): Promise<void> => {
    if (pumping) return;
    pumping = true;
    try {
      for (let w = next(); w; w = next()) {
        try {
          await inner(w.cost);
          w.resolve();
        } catch (err) {
          w.reject(err);
        }
      }
    } finally {
      pumping = false;
    }
  };
  ex.throttle = (cost?: number) =>
    new Promise<void>((resolve, reject) => {
      lanes[context.getStore() ?? LimiterPriority.high].push({ cost, resolve, reject });
      // pump never rejects: each waiter gets its own throttle error.
      pump().catch(() => undefined);
    });
  return exchange;
}
