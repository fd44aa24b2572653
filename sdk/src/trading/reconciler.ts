import type { Clock } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { contractsToBase } from '../market/contractUnits.js';
import { OrderState, type StoredOrder, type StoredPosition } from '../store/index.js';
import { DEFAULT_READ_RETRY as DEFAULT_RETRY, retryRead, type AdoptedIntent, type CcxtGatewayBase } from './ccxtGatewayBase.js';
import { isOwnClientOrderId } from './clientOrderId.js';
import type { ExchangeFill } from './gateway.js';
import type { OrderLedger } from './orderLedger.js';

export interface ReconcileReport {
  /** Intents found on the exchange by client id, or sent after confirming they were not. */
  resumed: string[];
  /** Orders with our prefix the exchange holds but the ledger did not: now in the ledger. */
  adopted: string[];
  /** Open orders refreshed from the exchange. */
  refreshed: string[];
  lost: string[];
  fillsApplied: number;
  /** Symbols whose ledger position was corrected to the exchange's. */
  positionsCorrected: string[];
  /** Open orders without our prefix (manual or another bot): reported, never touched. */
  foreignOrders: string[];
  errors: string[];
}

export interface ReconcilerOptions {
  ledger: OrderLedger;
  /** The venue's gateway (see createOrderGateway). */
  gateway: CcxtGatewayBase;
  clock: Clock;
  prefix: string;
  logger?: Logger;
  /** Intents older than this are abandoned rather than sent at restart (default 60 s). */
  resumeMaxAgeMs?: number;
}

/**
 * Brings the ledger and the exchange into agreement, at start and after every reconnect, in both
 * directions: ledger orders are resolved against the exchange by client id; exchange orders with
 * our prefix that the ledger lacks are adopted; fills made while the app was down are applied
 * (once each); positions are checked against the exchange's and corrected to it.
 */
export class Reconciler {
  private readonly log: Logger;
  private readonly resumeMaxAgeMs: number;
  private readonly cursorKey: string;

  constructor(private readonly o: ReconcilerOptions) {
    this.log = o.logger ?? silentLogger;
    this.resumeMaxAgeMs = o.resumeMaxAgeMs ?? 60_000;
    this.cursorKey = `trading.${o.ledger.ledger}.${o.ledger.exchange}.fillCursorMs`;
  }

  async run(): Promise<ReconcileReport> {
    const report: ReconcileReport = { resumed: [], adopted: [], refreshed: [], lost: [], fillsApplied: 0, positionsCorrected: [], foreignOrders: [], errors: [] };
    const { ledger } = this.o;
    for (const order of ledger.store.orders.listOpen(ledger.ledger, { exchange: ledger.exchange })) {
      try {
        await this.reconcileOrder(order, report);
      } catch (err) {
        report.errors.push(`${order.clientOrderId}: ${describeError(err)}`);
      }
    }
    for (const order of ledger.store.orders.listByState(ledger.ledger, OrderState.Lost, { exchange: ledger.exchange })) {
      try {
        const view = await this.o.gateway.lookup(order);
        if (view) await ledger.applyView(order.clientOrderId, view, 'reconcile_found_lost', true);
      } catch (err) {
        report.errors.push(`${order.clientOrderId}: ${describeError(err)}`);
      }
    }
    await this.adoptOrphans(report);
    await this.applyMissedFills(report);
    await this.correctPositions(report);
    this.log.info({ ...report, errors: report.errors.length }, 'reconciled with the exchange');
    return report;
  }

  private async reconcileOrder(order: StoredOrder, report: ReconcileReport): Promise<void> {
    const { ledger } = this.o;
    if (order.state === OrderState.New || order.state === OrderState.Sent) {
      const after = await ledger.resumeIntent(order.clientOrderId, this.resumeMaxAgeMs);
      report.resumed.push(after.clientOrderId);
    } else if (order.state === OrderState.Unknown) {
      const after = await ledger.resolve(order.clientOrderId);
      if (after.state === OrderState.Lost) report.lost.push(after.clientOrderId);
    } else {
      await ledger.refresh(order.clientOrderId);
      report.refreshed.push(order.clientOrderId);
    }
  }

  private async adoptOrphans(report: ReconcileReport): Promise<void> {
    // Every page of open orders and open stops/take-profits: one call would miss the rest.
    for (const o of await this.o.gateway.openOrders()) await this.adoptOne(o.clientOrderId, () => o.intent, report);
  }

  private async adoptOne(clientOrderId: string | undefined, build: () => AdoptedIntent | null, report: ReconcileReport): Promise<void> {
    const { ledger } = this.o;
    if (!isOwnClientOrderId(clientOrderId, this.o.prefix)) {
      report.foreignOrders.push(clientOrderId ?? '(no client id)');
      return;
    }
    const id = clientOrderId as string;
    if (ledger.get(id)) return;
    const intent = build();
    if (!intent) return;
    ledger.store.orders.recordIntent({
      clientOrderId: id,
      ledger: ledger.ledger,
      exchange: ledger.exchange,
      symbol: intent.symbol,
      side: intent.side,
      type: intent.type,
      purpose: intent.reduceOnly ? (intent.type === 'stop_market' ? 'stop_loss' : intent.type === 'take_profit_market' ? 'take_profit' : 'exit') : 'entry',
      tradeId: null,
      amountBase: intent.amountBase,
      price: intent.price,
      triggerPrice: intent.triggerPrice,
      reduceOnly: intent.reduceOnly,
      params: { adopted: true },
      createdAtMs: this.o.clock.nowMs(),
    });
    await ledger.refresh(id);
    report.adopted.push(id);
    this.log.warn({ clientOrderId: id, symbol: intent.symbol }, 'adopted an exchange order with our prefix missing from the ledger');
  }

  private async applyMissedFills(report: ReconcileReport): Promise<void> {
    const { ledger, gateway, clock } = this.o;
    const cursor = ledger.store.settings.get(this.cursorKey);
    const sinceMs = typeof cursor === 'number' ? cursor - 60_000 : undefined;
    // The gateway reads every fill from there to now, across quiet stretches (Binance lists its
    // trades in windows of at most 7 days, walked one after another). The cursor stays on the
    // newest fill's own time stamp: a time taken from our clock could run ahead of the times the
    // exchange stamps its fills with, and the next read would skip those.
    const fills = await gateway.recentFills(sinceMs);
    await this.adoptFilledOrphans(fills, report);
    const rows = fills.map((f) => ledger.toFill(f, f.exchangeOrderId ? (ledger.store.orders.getByExchangeId(ledger.ledger, ledger.exchange, f.exchangeOrderId) ?? null) : null));
    report.fillsApplied += ledger.applyFills(rows).length;
    const newest = fills.reduce((m, f) => Math.max(m, f.atMs), typeof cursor === 'number' ? cursor : 0);
    if (newest > 0) ledger.store.settings.set(this.cursorKey, newest, clock.nowMs());
  }

  /** Fills of orders the ledger does not know: an order of ours behind them is adopted first. */
  private async adoptFilledOrphans(fills: readonly ExchangeFill[], report: ReconcileReport): Promise<void> {
    const { ledger, gateway } = this.o;
    const seen = new Set<string>();
    for (const f of fills) {
      if (!f.exchangeOrderId || seen.has(f.exchangeOrderId)) continue;
      seen.add(f.exchangeOrderId);
      if (ledger.store.orders.getByExchangeId(ledger.ledger, ledger.exchange, f.exchangeOrderId)) continue;
      const order = await gateway.orderByExchangeId(f.symbol, f.exchangeOrderId);
      if (!order?.clientOrderId || !isOwnClientOrderId(order.clientOrderId, this.o.prefix)) continue;
      await this.adoptOne(order.clientOrderId, () => gateway.intentOf(order), report);
    }
  }

  private async correctPositions(report: ReconcileReport): Promise<void> {
    const { ledger, gateway, clock } = this.o;
    const exPositions = await retryRead(clock, DEFAULT_RETRY, { exchange: ledger.exchange, operation: 'fetchPositions' }, () => gateway.ex.fetchPositions());
    const seen = new Set<string>();
    for (const p of exPositions) {
      if (!p.symbol || !p.contracts) continue;
      seen.add(p.symbol);
      const sizeBase = contractsToBase(gateway.contractSize(p.symbol), p.contracts);
      const side = p.side === 'short' ? 'short' : 'long';
      const mine = ledger.store.positions.get(ledger.ledger, ledger.exchange, p.symbol);
      if (mine && mine.side === side && Math.abs(mine.sizeBase - sizeBase) <= 1e-9 * Math.max(1, sizeBase)) continue;
      const corrected: StoredPosition = {
        ledger: ledger.ledger,
        exchange: ledger.exchange,
        symbol: p.symbol,
        side,
        sizeBase,
        entryPrice: p.entryPrice ?? mine?.entryPrice ?? 0,
        leverage: p.leverage ?? mine?.leverage ?? 1,
        marginMode: p.marginMode === 'isolated' ? 'isolated' : 'cross',
        realizedPnlUsd: mine?.realizedPnlUsd ?? 0,
        liquidationPrice: p.liquidationPrice ?? null,
        tradeId: mine?.tradeId ?? null,
        openedAtMs: mine?.openedAtMs ?? clock.nowMs(),
        updatedAtMs: clock.nowMs(),
        extra: mine?.extra ?? {},
      };
      ledger.store.positions.upsert(corrected);
      report.positionsCorrected.push(p.symbol);
    }
    for (const mine of ledger.store.positions.list(ledger.ledger, ledger.exchange)) {
      if (seen.has(mine.symbol)) continue;
      ledger.store.positions.remove(ledger.ledger, ledger.exchange, mine.symbol);
      report.positionsCorrected.push(mine.symbol);
    }
    if (report.positionsCorrected.length > 0) {
      ledger.store.events.append({ atMs: clock.nowMs(), type: 'reconcile_positions', ledger: ledger.ledger, payload: { symbols: report.positionsCorrected } });
    }
  }
}
