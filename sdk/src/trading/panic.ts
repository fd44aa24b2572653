import type { Clock } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import type { Store } from '../store/index.js';
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
  if (cancel) {
    for (const o of broker.openOrders()) {
      if (wanted && !wanted.has(o.symbol)) continue;
      try {
        await broker.cancelOrder(o.clientOrderId);
        report.cancelled.push(o.clientOrderId);
      } catch (err) {
        report.failures.push({ target: o.clientOrderId, error: describeError(err) });
      }
    }
  }
  if (close) {
    let positions: Awaited<ReturnType<Broker['fetchPositions']>> = [];
    try {
      positions = await broker.fetchPositions();
    } catch (err) {
      report.failures.push({ target: 'positions', error: describeError(err) });
    }
    for (const p of positions) {
      if (wanted && !wanted.has(p.symbol)) continue;
      try {
        const tradeId = `panic_${p.symbol}_${clock.nowMs()}`;
        await broker.closePosition(p.symbol, { tradeId, reason: 'panic' });
        report.closed.push(p.symbol);
      } catch (err) {
        report.failures.push({ target: p.symbol, error: describeError(err) });
      }
    }
  }
  return report;
}
