import { describeError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { OrderFlowSnapshot } from '../market/marketDataService.js';
import type { StoredOrder } from '../store/index.js';
import type { ManualOrderContext, ManualOrderIntent, ManualOrders } from './manualOrders.js';
import type { PanicReport } from './panic.js';
import type { TradingStack } from './tradingStack.js';

/** What the scanner last knew of a symbol; the desk adds the price it reads fresh. */
export interface ManualOrderScan extends Omit<ManualOrderContext, 'referencePrice'> {
  /** The last ranked close, used only when the fresh read has neither a book nor a mark. */
  lastPrice: number | null;
}

export interface ManualOrderDeskOptions {
  stack: TradingStack;
  manual: ManualOrders;
  /**
   * Reads the symbol's current book, tape and mark and feeds them to the broker (a paper broker
   * walks that book), e.g. `TradingBridge.refresh`.
   */
  refreshFlow(symbol: string): Promise<Pick<OrderFlowSnapshot, 'bookTop' | 'markPrice'>>;
  /** What the scanner knows of the symbol (null when it is not ranked), for the gates that read it. */
  scan(symbol: string): ManualOrderScan | null;
  logger?: Logger;
  /** Wall-time bound on panic's book refresh, so closing never waits on a slow exchange (default 3 s). */
  panicBookRefreshTimeoutMs?: number;
}

/** Default of {@link ManualOrderDeskOptions.panicBookRefreshTimeoutMs}. */
const PANIC_BOOK_REFRESH_TIMEOUT_MS = 3_000;

/**
 * A trader's own commands in the one order they must run in: the kill switch checked before any
 * network work, the symbol's order flow read fresh (so a paper order walks the current book),
 * priced at the executable price, sized, placed through every RiskPolicy gate, and protected by
 * its stop and take-profit once filled (ManualOrders). Scripts (the facade) and the desktop host
 * both drive it; neither keeps a sequence of its own.
 *
 * @example
 * const desk = new ManualOrderDesk({ stack, manual, refreshFlow: (s) => bridge.refresh(s), scan: () => null });
 * await desk.place({ symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', notionalUsd: 50, stopLossPrice: 41_000 });
 */
export class ManualOrderDesk {
  private readonly log: Logger;

  constructor(private readonly o: ManualOrderDeskOptions) {
    this.log = o.logger ?? silentLogger;
  }

  /** The freshest mid (else mark) after feeding the broker the symbol's current book; null when neither is known. */
  async refresh(symbol: string): Promise<number | null> {
    const flow = await this.o.refreshFlow(symbol);
    const bid = flow.bookTop?.bids[0]?.[0];
    const ask = flow.bookTop?.asks[0]?.[0];
    return bid !== undefined && ask !== undefined ? (bid + ask) / 2 : (flow.markPrice?.markPrice ?? null);
  }

  /**
   * Places a trader's own order. Throws KILL_SWITCH_ACTIVE for an opening order while the switch
   * is on, before anything is read from the exchange.
   */
  async place(intent: ManualOrderIntent): Promise<StoredOrder> {
    this.o.manual.refuseIfKilled(intent);
    return this.o.stack.commands.command(async () => {
      const fresh = await this.refresh(intent.symbol);
      const scan = this.o.scan(intent.symbol);
      return this.o.manual.place(intent, {
        referencePrice: fresh ?? scan?.lastPrice ?? null,
        manipScore: scan?.manipScore ?? null,
        quoteVolume24hUsd: scan?.quoteVolume24hUsd ?? 0,
        atrPct: scan?.atrPct ?? null,
      });
    });
  }

  /** Market-closes the symbol's position reduce-only, against its current book. */
  async close(symbol: string): Promise<StoredOrder> {
    return this.o.stack.commands.command(async () => {
      await this.refresh(symbol);
      return this.o.manual.close(symbol);
    });
  }

  /**
   * Kill switch on at once (synchronously, before anything awaits, so nothing new opens meanwhile),
   * then the books of the symbols to close read fresh within the panic timeout, then every open
   * order cancelled and every position (or only `symbols`') closed.
   */
  async panic(symbols?: readonly string[]): Promise<PanicReport> {
    // An async body runs synchronously up to its first await: the switch is on when panic() returns.
    this.o.stack.killSwitch.set(true, 'panic');
    return this.o.stack.commands.command(async () => {
      await this.refreshBooksForPanic(symbols);
      return this.o.stack.autoTrader.panic(symbols ? { symbols } : {});
    });
  }

  /** Best effort: a failure or a late answer only costs the fresh book; panic goes on against the last one. */
  private async refreshBooksForPanic(symbols: readonly string[] | undefined): Promise<void> {
    const timeoutMs = this.o.panicBookRefreshTimeoutMs ?? PANIC_BOOK_REFRESH_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const work = (async () => {
      const wanted = symbols ?? (await this.o.stack.broker.fetchPositions()).map((p) => p.symbol);
      await Promise.all(wanted.map((s) => this.refresh(s).catch((err: unknown) => this.log.warn({ symbol: s, err: describeError(err) }, 'panic: book refresh failed; closing against the last book'))));
    })().catch((err: unknown) => this.log.warn({ err: describeError(err) }, 'panic: position read failed; closing what the broker finds'));
    try {
      if ((await Promise.race([work, deadline])) === 'timeout') this.log.warn({ timeoutMs }, 'panic: book refresh too slow; closing against the last books');
    } finally {
      clearTimeout(timer);
    }
  }
}
