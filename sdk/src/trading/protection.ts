import type { Clock } from '../core/clock.js';
import { ErrorCode } from '@perpscope/shared';
import { describeError, InvalidInputError, PerpscopeError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { OrderState, type PositionSide, type StoredOrder, type Store } from '../store/index.js';
import type { StopLeg } from './exitReason.js';
import { crossed, DEFAULT_MARK_TRIGGER, markTriggerStep, type MarkTriggerRule, type MarkTriggerState } from './markTrigger.js';
import type { Broker, BrokerPosition } from './types.js';

/** Break-even: once the price moved `afterR` times the initial risk, the stop goes to entry + buffer. */
export interface BreakEvenRule {
  afterR: number;
  bufferBps: number;
}

/**
 * Trailing: the stop follows the price at `atr * atrMult` or `bps`, moving only by >= minStepBps
 * and at most once per `minAmendIntervalMs`: prices arrive every few seconds (the mark-price
 * refresh), and each move costs a place and a cancel on the venue.
 */
export interface TrailingRule {
  mode: 'atr' | 'bps';
  atr?: number;
  atrMult?: number;
  bps?: number;
  minStepBps: number;
  /** Absent: no time bound (plans armed before the bound existed). */
  minAmendIntervalMs?: number;
}

/** What protects one trade; persisted so a restart re-arms the same plan. */
export interface ProtectionPlan {
  tradeId: string;
  symbol: string;
  side: PositionSide;
  entryPrice: number;
  sizeBase: number;
  initialStopPrice: number;
  /** TP ladder: price and fraction of the position (default 50/50). */
  takeProfits: { price: number; fraction: number }[];
  breakEven: BreakEvenRule | null;
  trailing: TrailingRule | null;
}

interface PlanState extends ProtectionPlan {
  stopPrice: number;
  stopAttempt: number;
  breakEvenDone: boolean;
  /** Which stop is working: the first, or one moved by break-even or trailing (absent: the first). */
  stopKind?: StopLeg;
  closed: boolean;
  armedAtMs: number;
  closedAtMs?: number;
  /** When a trailing move last replaced the stop. */
  trailedAtMs?: number;
  /** Set while no stop is on the venue and the manager watches the prices it receives instead. */
  markTrigger?: MarkTriggerState;
}


/**
 * How long a closed plan is remembered. It only has to outlive a restart that could re-arm the
 * same trade id; keeping every closed plan made each price update parse a record that grew with
 * every trade ever made.
 */
const CLOSED_PLAN_RETENTION_MS = 24 * 3_600_000;

export interface ProtectionManagerOptions {
  broker: Broker;
  store: Store;
  clock: Clock;
  logger?: Logger;
  /** Rounds an amount down to the venue's lot (default: unchanged). */
  roundAmount?: (symbol: string, amountBase: number) => number;
  /**
   * Waits before each new try of a stop whose placement failed for a reason that may pass (a
   * timeout, a rate limit, an outage): one entry per retry. Default 500 ms then 2 s; empty: no retry.
   */
  stopRetryBackoffMs?: readonly number[];
  /** What holds the stop once the retries are spent (default {@link DEFAULT_MARK_TRIGGER}); null: exit at market at once. */
  markTrigger?: MarkTriggerRule | null;
}


/**
 * Whether a failed stop placement may succeed if tried again: the exchange did not refuse it. A
 * LOST stop (no answer, then not found by its client id) counts: it most likely never arrived, and
 * the next try has a client id of its own, so both cannot land as one.
 */
function mayPassOnRetry(order: StoredOrder | null, err: unknown): boolean {
  if (order) return order.state === OrderState.Unknown || order.state === OrderState.Sent || order.state === OrderState.Lost;
  return err instanceof PerpscopeError && err.retryable;
}

/**
 * Keeps every position protected on the venue: a reduce-only stop for the whole position and a
 * TP ladder (TP1/TP2 scale-out), moved to break-even after 1R plus a buffer and trailed with a
 * minimum step. A moved stop is placed before the old one is cancelled, so the position is never
 * bare; a move the venue will not take leaves the working stop in place. If a first stop cannot be
 * placed, failures that may pass are retried with backoff, then a mark trigger holds the stop
 * (see {@link MarkTriggerRule}); the position is exited at market only when the mark crosses it
 * or the hold runs out. Each step is in the event log
 * (`stop_retry`, `stop_mark_trigger`, `stop_restored`, `stop_mark_triggered`, `stop_fallback`).
 * When the position closes, its stops and take-profits are cancelled and the plan is closed: they
 * are never recreated.
 */
export class ProtectionManager {
  private readonly broker: Broker;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly roundAmount: (symbol: string, amountBase: number) => number;
  private readonly stopRetryBackoffMs: readonly number[];
  private readonly markTrigger: MarkTriggerRule | null;
  /** The last queued stop operation of each trade (see `withTrade`). */
  private readonly tradeTurns = new Map<string, Promise<void>>();
  private readonly key: string;

  constructor(o: ProtectionManagerOptions) {
    this.broker = o.broker;
    this.store = o.store;
    this.clock = o.clock;
    this.log = o.logger ?? silentLogger;
    this.roundAmount = o.roundAmount ?? ((_s, a) => a);
    this.stopRetryBackoffMs = o.stopRetryBackoffMs ?? [500, 2_000];
    this.markTrigger = o.markTrigger === undefined ? DEFAULT_MARK_TRIGGER : o.markTrigger;
    this.key = `trading.${o.broker.ledger}.${o.broker.exchange}.protection`;
  }

  /** Active (not closed) plans. */
  plans(): PlanState[] {
    return Object.values(this.load()).filter((p) => !p.closed);
  }

  /**
   * Places the stop and the TP ladder. Returns true when the stop is on the venue; false when the
   * position was exited instead, or is held by a mark trigger until the stop can be placed.
   */
  async arm(plan: ProtectionPlan): Promise<boolean> {
    const existing = this.load()[plan.tradeId];
    if (existing?.closed) return false;
    if (existing) return this.liveStop(existing) !== undefined || (await this.placeStop(existing, existing.stopPrice, existing.stopAttempt + 1)) !== null;
    const state: PlanState = { ...plan, stopPrice: plan.initialStopPrice, stopAttempt: 0, breakEvenDone: false, closed: false, armedAtMs: this.clock.nowMs() };
    this.save(state);
    const stop = await this.placeStop(state, state.stopPrice, state.stopAttempt);
    // Held by a mark trigger, the position still gets its take-profits: they only reduce it.
    if (!stop && this.load()[plan.tradeId]?.markTrigger === undefined) return false;
    let remaining = plan.sizeBase;
    for (const [i, tp] of plan.takeProfits.entries()) {
      const last = i === plan.takeProfits.length - 1;
      const amount = last ? remaining : this.roundAmount(plan.symbol, plan.sizeBase * tp.fraction);
      if (!(amount > 0)) continue;
      remaining -= amount;
      try {
        const o = await this.broker.placeOrder({ symbol: plan.symbol, side: exitSide(plan.side), type: 'take_profit_market', triggerPrice: tp.price, amountBase: amount, reduceOnly: true, purpose: 'take_profit', tradeId: plan.tradeId, leg: `tp${i + 1}` });
        if (o.state === OrderState.Rejected) this.log.warn({ tradeId: plan.tradeId, leg: `tp${i + 1}`, error: o.lastError }, 'take-profit refused; the stop still protects the position');
      } catch (err) {
        this.log.warn({ tradeId: plan.tradeId, err: describeError(err) }, 'take-profit not placed; the stop still protects the position');
      }
    }
    return stop !== null;
  }

  /**
   * Moves stops on a new price (a bar close, a websocket price push of the symbol, or the REST
   * mark of an open-position refresh when no push came):
   * break-even after `afterR` R, then trailing by at least the minimum step. Only ever tightens.
   * A plan held by a mark trigger is checked against the price instead.
   */
  async onPrice(symbol: string, price: number): Promise<void> {
    for (const { tradeId } of this.plans().filter((p) => p.symbol === symbol)) {
      await this.withTrade(tradeId, async () => {
        // Read again under the trade's turn: a drag or an earlier price may have moved it meanwhile.
        const plan = this.plans().find((p) => p.tradeId === tradeId);
        if (!plan) return;
        const move = this.stopMove(plan, price);
        if (plan.markTrigger) {
          // A held stop lives only in the plan: break-even and trailing tighten it there, the mark is
          // checked against the tightened level, and the next try puts that level on the exchange.
          // A level the price is already through is left for the next price: moving the held stop
          // there would exit at once, where on the exchange the same move is refused and the stop kept.
          const held = move && !crossed(plan.side, price, move.target) ? this.tightenHeld(plan, move, price) : plan;
          await this.watchMarkTrigger(held, plan.markTrigger, price);
          return;
        }
        if (move) await this.moveStop(move.plan, move.target, price, move.kind);
      });
    }
  }

  /**
   * Runs `fn` after every earlier call queued for the same trade has ended. Stop moves read the
   * plan, wait on the venue, then save: two of them at once (a price and a trader's drag) would
   * both replace the same old stop, leave two stops working and save from a stale plan.
   */
  private async withTrade<T>(tradeId: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tradeTurns.get(tradeId) ?? Promise.resolve();
    const run = before.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tradeTurns.set(tradeId, tail);
    try {
      return await run;
    } finally {
      if (this.tradeTurns.get(tradeId) === tail) this.tradeTurns.delete(tradeId);
    }
  }

  /** Where break-even (first) or trailing would put the stop at `price`; null when neither moves it. */
  private stopMove(plan: PlanState, price: number): { plan: PlanState; target: number; kind: StopLeg } | null {
    const dir = plan.side === 'long' ? 1 : -1;
    const riskPerUnit = Math.abs(plan.entryPrice - plan.initialStopPrice);
    if (plan.breakEven && !plan.breakEvenDone && (price - plan.entryPrice) * dir >= plan.breakEven.afterR * riskPerUnit) {
      const be = plan.entryPrice * (1 + (dir * plan.breakEven.bufferBps) / 10_000);
      return { plan: { ...plan, breakEvenDone: true }, target: better(dir, plan.stopPrice, be), kind: 'breakeven' };
    }
    if (!plan.trailing) return null;
    const dist = plan.trailing.mode === 'atr' ? (plan.trailing.atr ?? 0) * (plan.trailing.atrMult ?? 1) : (price * (plan.trailing.bps ?? 0)) / 10_000;
    if (!(dist > 0)) return null;
    const target = better(dir, plan.stopPrice, price - dir * dist);
    // Tiny nudges cost a cancel and a place each and add nothing: skip below the minimum step.
    if ((Math.abs(target - plan.stopPrice) / plan.stopPrice) * 10_000 < Math.max(plan.trailing.minStepBps, 1e-9)) return null;
    const nowMs = this.clock.nowMs();
    if (plan.trailedAtMs !== undefined && nowMs - plan.trailedAtMs < (plan.trailing.minAmendIntervalMs ?? 0)) return null;
    return { plan: { ...plan, trailedAtMs: nowMs }, target, kind: 'trail' };
  }

  /** Tightens a stop a mark trigger holds (no exchange call: there is no stop there to amend). */
  private tightenHeld(plan: PlanState, move: { plan: PlanState; target: number; kind: StopLeg }, price: number): PlanState {
    const next: PlanState = { ...move.plan, stopPrice: move.target, stopKind: move.kind };
    this.save(next);
    if (move.target !== plan.stopPrice) {
      this.store.events.append({ atMs: this.clock.nowMs(), type: 'stop_moved', ledger: this.broker.ledger, symbol: plan.symbol, payload: { tradeId: plan.tradeId, from: plan.stopPrice, to: move.target, price, held: true } });
    }
    return next;
  }

  /**
   * Checks every plan against the venue's positions: a closed position gets its protective orders
   * cancelled (never recreated); a position older than `deadlineMs` without a live stop is exited.
   */
  async sync(deadlineMs = 5_000): Promise<void> {
    const positions = await this.broker.fetchPositions();
    for (const plan of this.plans()) {
      const pos = positions.find((p) => p.symbol === plan.symbol && p.side === plan.side);
      if (!pos) {
        await this.closePlan(plan, 'position_closed');
        continue;
      }
      if (this.liveStop(plan)) continue;
      const nowMs = this.clock.nowMs();
      // A mark trigger holds such a plan on its own clock (see onPrice), bounded here too in case no price comes.
      const held = plan.markTrigger;
      if (held && this.markTrigger && nowMs - held.armedAtMs < this.markTrigger.holdMs) continue;
      if (held || nowMs - plan.armedAtMs > deadlineMs) await this.emergencyExit(plan, held ? `no stop on the exchange since ${held.armedAtMs}: ${held.reason}` : 'no_stop_on_exchange');
    }
  }

  /** Cancels the plan's open protective orders and closes it for good. */
  async closePlan(plan: PlanState, reason: string): Promise<void> {
    for (const o of this.protectiveOrders(plan.tradeId)) {
      try {
        await this.broker.cancelOrder(o.clientOrderId);
      } catch (err) {
        this.log.warn({ clientOrderId: o.clientOrderId, err: describeError(err) }, 'protective order cancel failed; retried on the next sync');
        return;
      }
    }
    this.save({ ...plan, closed: true, closedAtMs: this.clock.nowMs() });
    this.store.events.append({ atMs: this.clock.nowMs(), type: 'protection_closed', ledger: this.broker.ledger, symbol: plan.symbol, payload: { tradeId: plan.tradeId, reason } });
  }

  /** Re-arms plans for positions that are still open (safe restart); returns trades re-armed. */
  async rearm(positions: readonly BrokerPosition[]): Promise<string[]> {
    const done: string[] = [];
    for (const plan of this.plans()) {
      const pos = positions.find((p) => p.symbol === plan.symbol && p.side === plan.side);
      if (!pos) {
        await this.closePlan(plan, 'position_closed_while_down');
        continue;
      }
      if (this.liveStop(plan)) continue;
      await this.placeStop(plan, plan.stopPrice, plan.stopAttempt + 1);
      done.push(plan.tradeId);
    }
    return done;
  }

  /**
   * Re-places the stop at its current price for the current position size (after a pyramid
   * add): the new stop first, then the old one cancelled.
   */
  async refreshStop(tradeId: string): Promise<boolean> {
    return this.withTrade(tradeId, async () => {
      const plan = this.plans().find((p) => p.tradeId === tradeId);
      if (!plan) return false;
      const old = this.liveStop(plan);
      const placed = await this.placeStop(plan, plan.stopPrice, plan.stopAttempt + 1);
      if (!placed) return false;
      if (old) await this.broker.cancelOrder(old.clientOrderId).catch((err: unknown) => this.log.warn({ err: describeError(err) }, 'old stop not cancelled'));
      return true;
    });
  }

  /**
   * A trader's own move of a planned stop (a drag on the chart): the plan takes the new level, so
   * break-even and trailing go on from it instead of putting the old one back. Either way is
   * allowed (it is the trader's call); every placement still passes the broker's RiskPolicy.
   * Returns the plan's stop afterwards, or null when `tradeId` has no plan (the caller amends the
   * order itself). A stop a mark trigger holds moves in the plan only.
   */
  async moveStopTo(tradeId: string, stopPrice: number): Promise<{ stopPrice: number; order: StoredOrder | undefined } | null> {
    if (!(Number.isFinite(stopPrice) && stopPrice > 0)) {
      throw new InvalidInputError('stop', [{ path: 'stopPrice', received: String(stopPrice), expected: 'a price > 0' }]);
    }
    return this.withTrade(tradeId, async () => {
      const plan = this.plans().find((p) => p.tradeId === tradeId);
      if (!plan) return null;
      if (plan.markTrigger) {
        throw new PerpscopeError(ErrorCode.InvalidInput, `The stop of ${plan.symbol} is not on the exchange (held on the mark at ${plan.stopPrice} while the venue refuses it): it cannot be moved until it is back`, {
          details: { field: 'stopPrice', value: stopPrice, reason: 'stop_held_by_mark_trigger' },
        });
      }
      // Only a stop the venue acknowledged is replaced: a move with none working would place a
      // first stop beside one still in flight.
      if (!this.liveStop(plan)) {
        throw new PerpscopeError(ErrorCode.InvalidInput, `The stop of ${plan.symbol} is not working on the exchange yet; try again once it is`, { details: { field: 'stopPrice', value: stopPrice, reason: 'stop_not_live' } });
      }
      await this.moveStop(plan, stopPrice, stopPrice, plan.stopKind ?? 'sl');
      const after = this.plans().find((p) => p.tradeId === tradeId) ?? plan;
      return { stopPrice: after.stopPrice, order: this.liveStop(after) };
    });
  }

  private async moveStop(plan: PlanState, target: number, price: number, kind: StopLeg): Promise<void> {
    const old = this.liveStop(plan);
    if (target === plan.stopPrice) {
      this.save(plan);
      return;
    }
    // With a stop still working, a move the venue will not take keeps it; the next price tries again.
    const placed = await this.placeStop({ ...plan, stopKind: kind }, target, plan.stopAttempt + 1, old ? 'move' : 'first');
    if (!placed) return;
    if (old) {
      try {
        await this.broker.cancelOrder(old.clientOrderId);
      } catch (err) {
        this.log.warn({ clientOrderId: old.clientOrderId, err: describeError(err) }, 'old stop not cancelled; reduce-only, so it cannot open a position');
      }
    }
    this.store.events.append({ atMs: this.clock.nowMs(), type: 'stop_moved', ledger: this.broker.ledger, symbol: plan.symbol, payload: { tradeId: plan.tradeId, from: plan.stopPrice, to: target, price } });
  }

  /**
   * Places the stop for the whole position and returns it, or null when it is not on the venue.
   * `first`: a failure that may pass (timeout, rate limit, outage, fate unknown) is tried again
   * after each `stopRetryBackoffMs` wait; the last failure, or a refusal, hands the stop to a mark
   * trigger. `move`: a stop is still working, so a failure keeps it (the next price tries again).
   * `trigger`: one more try for a plan a mark trigger holds.
   *
   * Separate reduce-only TP/SL orders, not ones attached to the entry: an attached pair allows one
   * TP and one SL sized to the fill, carries no client id for the ledger and cannot be moved
   * through ccxt. An attached first stop would close the gap from the entry fill to the stop's
   * acknowledgement; docs/simexchange.md weighs the switch.
   */
  private async placeStop(plan: PlanState, stopPrice: number, firstAttempt: number, mode: 'first' | 'move' | 'trigger' = 'first'): Promise<StoredOrder | null> {
    let attempt = firstAttempt;
    for (let retry = 0; ; retry++) {
      let order: StoredOrder | null = null;
      let error: unknown = null;
      let markPrice: number | null = null;
      try {
        const pos = (await this.broker.fetchPositions()).find((p) => p.symbol === plan.symbol && p.side === plan.side);
        if (!pos) {
          await this.closePlan(plan, 'position_closed');
          return null;
        }
        markPrice = pos.markPrice;
        // The leg says which stop this is (first, after break-even, trailing): it becomes the exit reason.
        // An amend's cancel-and-replace numbers its replacement after the leg's last attempt, which
        // may be this one: placing would hand that order back, and the move would then cancel it.
        while (this.takenByAmend(plan.tradeId, plan.stopKind ?? 'sl', attempt)) attempt++;
        order = await this.broker.placeOrder({ symbol: plan.symbol, side: exitSide(plan.side), type: 'stop_market', triggerPrice: stopPrice, amountBase: pos.sizeBase, reduceOnly: true, purpose: 'stop_loss', tradeId: plan.tradeId, leg: plan.stopKind ?? 'sl', attempt });
      } catch (err) {
        // A failed position read is a failed try too: an outage must not skip the retries and the hold.
        error = err;
      }
      if (order && (order.state === OrderState.Ack || order.state === OrderState.Partial)) {
        const { markTrigger, ...rest } = plan;
        this.save({ ...rest, stopPrice, stopAttempt: attempt });
        if (markTrigger) await this.restored(plan, markTrigger, order);
        return order;
      }
      const reason = order?.lastError ?? (error === null ? order?.state : describeError(error)) ?? 'unknown';
      const event = { tradeId: plan.tradeId, attempt, stopPrice, reason };
      if (mode === 'move') {
        const stored = this.load()[plan.tradeId] ?? plan;
        // The attempt is spent (its client id is taken); the trailing time bounds how soon a move is tried again.
        this.save({ ...stored, stopAttempt: attempt, ...(plan.trailedAtMs !== undefined ? { trailedAtMs: plan.trailedAtMs } : {}) });
        this.append('stop_move_failed', plan.symbol, { ...event, from: stored.stopPrice });
        this.log.warn(event, 'stop not moved; the working stop stays');
        return null;
      }
      const waitMs = mode === 'first' ? this.stopRetryBackoffMs[retry] : undefined;
      if (waitMs === undefined || !mayPassOnRetry(order, error)) {
        await this.holdWithMarkTrigger({ ...plan, stopPrice, stopAttempt: attempt }, markPrice, reason);
        return null;
      }
      this.append('stop_retry', plan.symbol, { ...event, retry: retry + 1, waitMs });
      this.log.warn({ ...event, waitMs }, 'stop not placed; trying again');
      await this.clock.sleep(waitMs);
      attempt++;
    }
  }

  /**
   * The exchange stop could not be placed: a mark trigger holds it (the first time) or keeps
   * holding it, unless the mark is already through it or the hold has run out; then the position
   * is exited at market. Without a mark now (the read failed), the next price is checked.
   */
  private async holdWithMarkTrigger(plan: PlanState, markPrice: number | null, reason: string): Promise<void> {
    const rule = this.markTrigger;
    const nowMs = this.clock.nowMs();
    if (!rule) return this.emergencyExit(plan, `stop not placed: ${reason}`);
    const armedAtMs = plan.markTrigger?.armedAtMs ?? nowMs;
    if (nowMs - armedAtMs >= rule.holdMs) return this.emergencyExit(plan, `no stop on the exchange for ${nowMs - armedAtMs} ms: ${reason}`);
    if (markPrice !== null && crossed(plan.side, markPrice, plan.stopPrice)) {
      this.append('stop_mark_triggered', plan.symbol, { tradeId: plan.tradeId, stopPrice: plan.stopPrice, price: markPrice });
      return this.emergencyExit(plan, `mark ${markPrice} is through the stop ${plan.stopPrice}: ${reason}`);
    }
    this.save({ ...plan, markTrigger: { armedAtMs, triedAtMs: nowMs, reason } });
    if (plan.markTrigger) {
      this.append('stop_retry', plan.symbol, { tradeId: plan.tradeId, attempt: plan.stopAttempt, stopPrice: plan.stopPrice, reason, heldMs: nowMs - armedAtMs, nextInMs: rule.retryEveryMs });
      return;
    }
    this.append('stop_mark_trigger', plan.symbol, { tradeId: plan.tradeId, stopPrice: plan.stopPrice, markPrice, holdMs: rule.holdMs, retryEveryMs: rule.retryEveryMs, reason });
    this.log.warn({ tradeId: plan.tradeId, stopPrice: plan.stopPrice, markPrice, reason }, 'stop not on the exchange; holding it on the mark price');
  }

  /** A price for a plan held by a mark trigger: exit when it crosses the stop or the hold ran out, else try the exchange stop again when due. */
  private async watchMarkTrigger(plan: PlanState, trigger: MarkTriggerState, price: number): Promise<void> {
    const step = markTriggerStep(this.markTrigger, trigger, plan.side, plan.stopPrice, price, this.clock.nowMs());
    if (step.kind === 'try') await this.placeStop(plan, plan.stopPrice, plan.stopAttempt + 1, 'trigger');
    if (step.kind !== 'exit') return;
    if (step.crossed) this.append('stop_mark_triggered', plan.symbol, { tradeId: plan.tradeId, stopPrice: plan.stopPrice, price });
    await this.emergencyExit(plan, step.reason);
  }

  /** The exchange took the stop a mark trigger held: the hold ends, and stops left from before it go. */
  private async restored(plan: PlanState, trigger: MarkTriggerState, stop: StoredOrder): Promise<void> {
    this.append('stop_restored', plan.symbol, { tradeId: plan.tradeId, stopPrice: stop.triggerPrice, heldMs: this.clock.nowMs() - trigger.armedAtMs });
    for (const o of this.protectiveOrders(plan.tradeId)) {
      if (o.purpose !== 'stop_loss' || o.clientOrderId === stop.clientOrderId) continue;
      await this.broker.cancelOrder(o.clientOrderId).catch((err: unknown) => this.log.warn({ clientOrderId: o.clientOrderId, err: describeError(err) }, 'older stop not cancelled; reduce-only, so it cannot open a position'));
    }
  }

  private async emergencyExit(plan: PlanState, reason: string): Promise<void> {
    this.log.error({ tradeId: plan.tradeId, symbol: plan.symbol, reason }, 'exiting at market: the position cannot be protected');
    this.append('stop_fallback', plan.symbol, { tradeId: plan.tradeId, reason });
    this.store.events.append({ atMs: this.clock.nowMs(), type: 'alert', ledger: this.broker.ledger, symbol: plan.symbol, payload: { level: 'error', reason: 'emergency_exit', message: reason, tradeId: plan.tradeId } });
    const attempt = this.store.orders.listByTrade(this.broker.ledger, plan.tradeId).filter((o) => o.purpose === 'exit').length;
    try {
      await this.broker.closePosition(plan.symbol, { tradeId: plan.tradeId, attempt, reason: 'stop_fallback' });
    } catch (err) {
      this.log.error({ tradeId: plan.tradeId, err: describeError(err) }, 'emergency exit failed; retried on the next sync');
      return;
    }
    await this.closePlan(plan, 'emergency_exit');
  }

  private append(type: string, symbol: string, payload: Record<string, unknown>): void {
    this.store.events.append({ atMs: this.clock.nowMs(), type, ledger: this.broker.ledger, symbol, payload });
  }

  /** Whether an amend's replacement (params.replaces) holds this trade's leg and attempt. */
  private takenByAmend(tradeId: string, leg: string, attempt: number): boolean {
    return this.store.orders.listByTrade(this.broker.ledger, tradeId).some((o) => o.params.leg === leg && o.params.attempt === attempt && typeof o.params.replaces === 'string');
  }

  private liveStop(plan: PlanState): StoredOrder | undefined {
    return this.protectiveOrders(plan.tradeId).find((o) => o.purpose === 'stop_loss' && (o.state === OrderState.Ack || o.state === OrderState.Partial));
  }

  private protectiveOrders(tradeId: string): StoredOrder[] {
    return this.store.orders.listByTrade(this.broker.ledger, tradeId).filter((o) => (o.purpose === 'stop_loss' || o.purpose === 'take_profit') && (o.state === OrderState.Ack || o.state === OrderState.Partial || o.state === OrderState.Unknown || o.state === OrderState.Sent));
  }

  private load(): Record<string, PlanState> {
    const raw = this.store.settings.peek(this.key);
    return typeof raw === 'object' && raw !== null ? (raw as Record<string, PlanState>) : {};
  }

  private save(plan: PlanState): void {
    const nowMs = this.clock.nowMs();
    const kept: Record<string, PlanState> = {};
    for (const [id, p] of Object.entries(this.load())) {
      if (!p.closed || (p.closedAtMs ?? p.armedAtMs) >= nowMs - CLOSED_PLAN_RETENTION_MS) kept[id] = p;
    }
    kept[plan.tradeId] = plan;
    this.store.settings.set(this.key, kept, nowMs);
  }
}

function exitSide(side: PositionSide): 'buy' | 'sell' {
  return side === 'long' ? 'sell' : 'buy';
}

/** The tighter of two stops for a position of direction `dir`. */
function better(dir: number, a: number, b: number): number {
  return dir > 0 ? Math.max(a, b) : Math.min(a, b);
}
