import type { Clock } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import { OPEN_ORDER_STATES, OrderState, type Store } from '../store/index.js';
import type { KillSwitch } from './killSwitch.js';
import type { Broker } from './types.js';

export interface PanicOptions {
  /** Cancel open orders (default true). */
  cancel?: boolean;
  /** Close positions reduce-only at market (default true). */
  close?: boolean;
  /** Limit to these symbols (default: all). */
  symbols?: readonly string[];
  /** Why, as the kill switch and the event log record it (default `panic`). */
  reason?: string;
}

export interface PanicReport {
  cancelled: string[];
  closed: string[];
  failures: { target: string; error: string }[];
}

/**
 * Emergency: turns the kill switch on (so nothing new opens meanwhile), cancels every open order
 * and closes every position with reduce-only market orders, optionally for chosen symbols only.
 * It keeps going past individual failures and reports them. `perpscope panic [--cancel|--close|--all]
 * [--symbols A,B]` maps to `{ cancel, close, symbols }` (`--all` or no flag: both).
 */
export async function panic(deps: { broker: Broker; store: Store; clock: Clock; killSwitch?: KillSwitch }, opts: PanicOptions = {}): Promise<PanicReport> {
  const { broker, store, clock } = deps;
  const cancel = opts.cancel ?? true;
  const close = opts.close ?? true;
  const wanted = opts.symbols && opts.symbols.length > 0 ? new Set(opts.symbols) : null;
  const report: PanicReport = { cancelled: [], closed: [], failures: [] };
  deps.killSwitch?.set(true, opts.reason ?? 'panic');
  store.events.append({ atMs: clock.nowMs(), type: 'panic', ledger: broker.ledger, payload: { cancel, close, symbols: opts.symbols ?? null } });
  // Cancels, then closes, go out several at a time rather than one after another: on a slow
  // exchange (or machine) each round trip can take seconds, and a flatten must not add them up.
  // At most PANIC_CONCURRENCY at once, so a burst stays inside per-account order limits (Bybit: 10/s).
  if (cancel) {
    const orders = broker.openOrders().filter((o) => !wanted || wanted.has(o.symbol));
    const results = await settledInPool(orders, (o) => broker.cancelOrder(o.clientOrderId));
    for (const [i, r] of results.entries()) {
      const id = orders[i]!.clientOrderId;
      if (r.status === 'rejected') {
        report.failures.push({ target: id, error: describeError(r.reason) });
        continue;
      }
      // A refused cancel (a rate limit, say) comes back as the order still working: once more,
      // alone, and if it is still working it is a failure, never reported as cancelled.
      let order = r.value;
      if (OPEN_ORDER_STATES.includes(order.state)) order = await broker.cancelOrder(id).catch(() => order);
      if (OPEN_ORDER_STATES.includes(order.state)) report.failures.push({ target: id, error: `still ${order.state} on the exchange after two cancel requests` });
      else report.cancelled.push(id);
    }
  }
  if (close) {
    let positions: Awaited<ReturnType<Broker['fetchPositions']>> = [];
    try {
      positions = await broker.fetchPositions();
    } catch (err) {
      report.failures.push({ target: 'positions', error: describeError(err) });
    }
    const targets = positions.filter((p) => !wanted || wanted.has(p.symbol));
    const results = await settledInPool(targets, (p) => broker.closePosition(p.symbol, { tradeId: `panic_${p.symbol}_${clock.nowMs()}`, reason: 'panic' }));
    for (const [i, r] of results.entries()) {
      const symbol = targets[i]!.symbol;
      if (r.status === 'rejected') report.failures.push({ target: symbol, error: describeError(r.reason) });
      // A close the exchange cancelled or rejected closed nothing.
      else if (r.value && (r.value.state === OrderState.Rejected || r.value.state === OrderState.Cancelled)) report.failures.push({ target: symbol, error: `the close order was ${r.value.state}` });
      else report.closed.push(symbol);
    }
  }
  return report;
}

/** Cancels or closes in flight at once during a panic. */
const PANIC_CONCURRENCY = 4;

/** `Promise.allSettled` over `items`, with at most PANIC_CONCURRENCY calls of `fn` running at a time. */
async function settledInPool<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await fn(items[i]!) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PANIC_CONCURRENCY, items.length) }, lane));
  return out;
}
