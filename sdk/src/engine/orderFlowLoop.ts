import type { Clock } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export interface OrderFlowLoopOptions {
  engine: { universe(): readonly { symbol: string }[]; refreshOrderFlows(symbols?: readonly string[]): Promise<void> };
  /** Wall clock: exchanges count requests in wall time. */
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  /** Symbols per pass, by 24h volume rank (default 150): a pass costs ~5 requests per symbol. */
  maxSymbols?: number;
}

/**
 * Refreshes order flow (book, trades, funding, OI, mark) for the universe right away and then
 * `intervalMs` after each pass ends, so passes never overlap; spreads, depth and slippage in the
 * ranking are then real figures. Each pass also brings funding history (once per funding interval)
 * and OI history (hourly, where ccxt declares it) to the radar; see `MarketDataService.refreshOrderFlow`. Returns a stop function; a pass in flight is not awaited (stopping
 * the engine closes its connection, and the pass's failure is only logged). `perpscope run` and
 * the desktop host both run it.
 */
export function startOrderFlowLoop(o: OrderFlowLoopOptions): () => void {
  let stopped = false;
  let cancelTimer: (() => void) | undefined;

  const pass = async (): Promise<void> => {
    const symbols = o.engine.universe().slice(0, o.maxSymbols ?? 150).map((m) => m.symbol);
    try {
      await o.engine.refreshOrderFlows(symbols);
    } catch (err) {
      o.logger.warn({ err: describeError(err), symbols: symbols.length }, 'order-flow refresh failed; retrying next pass');
    }
  };
  const run = (): void => {
    if (stopped) return;
    pass()
      .catch((err: unknown) => o.logger.warn({ err: describeError(err) }, 'order-flow pass failed'))
      .finally(() => {
        if (!stopped) cancelTimer = o.clock.setTimer(o.intervalMs, run);
      });
  };
  run();
  return () => {
    stopped = true;
    cancelTimer?.();
  };
}
