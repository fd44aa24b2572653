import type { Clock } from '../core/clock.js';
import { describeError, PerpscopeError } from '../core/errors.js';
import { ErrorCode } from '@perpscope/shared';
import { silentLogger, type Logger } from '../core/logger.js';
import type { RiskFunding, RiskLastEntry, RiskOrderFlow, RiskOrderRequest, RiskPolicy } from '../risk/index.js';
import { OrderState, type Store } from '../store/index.js';
import type { KillSwitch } from './killSwitch.js';
import { panic, type PanicOptions, type PanicReport } from './panic.js';
import type { ProtectionManager, ProtectionPlan } from './protection.js';
import { riskAccountState } from './riskGate.js';
import { computeTpSl } from './tpsl.js';
import { AutoTraderConfigSchema, type AutoTraderConfig, type AutoTraderConfigInput } from './autoTraderConfig.js';
import { edgeDecision, edgeGateStatus, type EdgeGateStatus } from './edgeGate.js';
import type { EdgeEvidenceFile, StrategyEvidence } from '../signals/edgeEvidence.js';
import type { Broker } from './types.js';

export { AutoTraderConfigSchema, type AutoTraderConfig, type AutoTraderConfigInput } from './autoTraderConfig.js';

/** A trade signal as the AutoTrader consumes it (the engine adapts its own signals to this). */
export interface TradeSignal {
  symbol: string;
  side: 'long' | 'short';
  score: number;
  probability: number;
  /** False when `probability` is uncalibrated (see `RiskOrderRequest.probabilityCalibrated`); absent: calibrated. */
  calibrated?: boolean;
  manipScore: number | null;
  quoteVolume24hUsd: number;
  price: number;
  atr: number;
  /** Structural level for `level_atr` stops. */
  level?: number | null;
  atMs: number;
  riskMultiplier?: number;
  /** Agreeing strategy ids; a signal without them has no evidence and passes the edge gate only with it off. */
  strategies?: string[];
  timeframe?: string;
  regime?: string | null;
  /** Out-of-sample record of each agreeing strategy the evidence measured. */
  evidence?: StrategyEvidence[];
  /** The symbol's funding when the signal was routed, for the funding window (`RiskOrderRequest.funding`). */
  funding?: RiskFunding | null;
  /** Live order flow when the signal was routed, for the order-flow floors (`RiskOrderRequest.orderFlow`). */
  orderFlow?: RiskOrderFlow | null;
}

interface PyramidState {
  level: number;
  risk: RiskOrderRequest;
}

export type SignalOutcome =
  | { status: 'placed'; tradeId: string; clientOrderId: string; protectedOnExchange: boolean; /** Why the edge gate let it through. */ edge: string }
  | { status: 'skipped'; reason: string; message: string };

export interface AutoTraderOptions {
  broker: Broker;
  risk: RiskPolicy;
  protection: ProtectionManager;
  store: Store;
  clock: Clock;
  killSwitch: KillSwitch;
  config?: AutoTraderConfigInput;
  /** Rounds amounts down to the venue's lot. */
  roundAmount?: (symbol: string, amountBase: number) => number;
  /** The edge evidence the signals carry, for the gate's status; null: none loaded. */
  evidence?: EdgeEvidenceFile | null;
  logger?: Logger;
}

/**
 * Signals -> RiskPolicy -> broker -> protection. The kill switch blocks every new entry. State
 * (plans, pyramid progress, the kill switch) is in the store, so a restart continues it.
 */
export class AutoTrader {
  readonly config: AutoTraderConfig;
  private readonly log: Logger;
  private readonly round: (symbol: string, amountBase: number) => number;
  private readonly pyramidKey: string;
  private readonly lastEntryKey: string;
  /** Each symbol's last auto-trader entry and the largest move since (the structural reset's memory); loaded on first use. */
  private lastEntries: Map<string, RiskLastEntry> | null = null;
  /**
   * The pyramid progress of each open trade, loaded on first use. Only trades with an active
   * protection plan are kept: a closed plan never comes back, so its progress is never read again,
   * and keeping it would make every write re-encode every trade ever placed.
   */
  private pyramidStates: Map<string, PyramidState> | null = null;
  /** Trades entered whose protection plan is not armed yet: their progress is kept meanwhile. */
  private readonly arming = new Set<string>();

  constructor(private readonly o: AutoTraderOptions) {
    if (!o.risk) throw new PerpscopeError(ErrorCode.InvalidConfig, 'An AutoTrader needs a RiskPolicy: every order passes it');
    this.config = AutoTraderConfigSchema.parse(o.config ?? {});
    this.log = o.logger ?? silentLogger;
    this.round = o.roundAmount ?? ((_s, a) => a);
    this.pyramidKey = `trading.${o.broker.ledger}.${o.broker.exchange}.pyramids`;
    this.lastEntryKey = `trading.${o.broker.ledger}.${o.broker.exchange}.lastEntries`;
  }

  /** Starts the broker (resume or reconcile), then re-arms or flattens open positions. */
  async start(): Promise<{ rearmed: string[]; flattened: string[] }> {
    await this.o.broker.start();
    const positions = await this.o.broker.fetchPositions();
    if (this.config.safeRestart === 'flatten') {
      // Flattening at start is not a panic: the kill switch is left as the user set it.
      const r = await panic({ broker: this.o.broker, store: this.o.store, clock: this.o.clock }, { cancel: true, close: true });
      await this.o.protection.sync();
      return { rearmed: [], flattened: r.closed };
    }
    const rearmed = await this.o.protection.rearm(positions);
    const planned = new Set(this.o.protection.plans().map((p) => p.symbol));
    for (const p of positions) {
      if (planned.has(p.symbol)) continue;
      const dir = p.side === 'long' ? 1 : -1;
      const stop = (p.markPrice ?? p.entryPrice) * (1 - (dir * this.config.fallbackStopBps) / 10_000);
      await this.o.protection.arm({ tradeId: p.tradeId ?? `adopted_${p.symbol}`, symbol: p.symbol, side: p.side, entryPrice: p.entryPrice, sizeBase: p.sizeBase, initialStopPrice: stop, takeProfits: [], breakEven: null, trailing: null });
      rearmed.push(p.tradeId ?? `adopted_${p.symbol}`);
    }
    return { rearmed, flattened: [] };
  }

  /** What the edge gate lets through, in words, for status lines and the GUI. */
  edgeStatus(): EdgeGateStatus {
    return edgeGateStatus(this.config.edge, this.o.evidence ?? null);
  }

  /** One signal: gates, sizing, entry, then the stop and TP ladder on the venue. */
  async onSignal(signal: TradeSignal): Promise<SignalOutcome> {
    if (this.o.killSwitch.isOn()) return this.skip(signal, 'kill_switch', 'the kill switch is on');
    const edge = edgeDecision(this.config.edge, { strategies: signal.strategies ?? [], timeframe: signal.timeframe ?? '?', regime: signal.regime ?? null, evidence: signal.evidence ?? [] });
    if (!edge.allowed) return this.skip(signal, 'no_edge', edge.message);
    // Sized at the price the entry will really trade at (the book), as the broker will check it;
    // the signal's bar close is only the fallback when there is no book yet.
    const quote = await this.o.broker.quote({ symbol: signal.symbol, side: signal.side === 'long' ? 'buy' : 'sell', type: 'market' });
    const request: RiskOrderRequest = {
      symbol: signal.symbol,
      side: signal.side,
      score: signal.score,
      probability: signal.probability,
      ...(signal.calibrated === false ? { probabilityCalibrated: false } : {}),
      manipScore: signal.manipScore,
      quoteVolume24hUsd: signal.quoteVolume24hUsd,
      entryPrice: quote?.price ?? signal.price,
      atr: signal.atr,
      stopPrice: computeTpSl(this.config.tpsl, signal.side, signal.price, signal.atr, signal.level).stopPrice,
      ...(signal.riskMultiplier !== undefined ? { riskMultiplier: signal.riskMultiplier } : {}),
      ...(signal.funding !== undefined ? { funding: signal.funding } : {}),
      ...(signal.orderFlow !== undefined ? { orderFlow: signal.orderFlow } : {}),
      lastEntry: this.entries().get(signal.symbol) ?? null,
    };
    const [account, positions] = await Promise.all([this.o.broker.fetchAccount(), this.o.broker.fetchPositions()]);
    const decision = this.o.risk.evaluateEntry(request, riskAccountState(account, positions, {}));
    if (!decision.ok) return this.skip(signal, decision.reason, decision.message);
    const amountBase = this.round(signal.symbol, decision.sizing.amountBase);
    if (!(amountBase > 0)) return this.skip(signal, 'below_lot', `sized ${decision.sizing.amountBase} rounds to 0`);
    const tradeId = `${signal.symbol}|${signal.side}|${signal.atMs}`;
    let entry;
    try {
      entry = await this.o.broker.placeOrder({ symbol: signal.symbol, side: signal.side === 'long' ? 'buy' : 'sell', type: 'market', amountBase, tradeId, leg: 'entry', purpose: 'entry', risk: request, leverage: decision.sizing.leverage, marginMode: decision.sizing.marginMode });
    } catch (err) {
      const reason = err instanceof PerpscopeError ? String(err.details.reason ?? err.code) : 'error';
      return this.skip(signal, reason, describeError(err));
    }
    if (entry.state !== OrderState.Filled && entry.state !== OrderState.Partial && !(entry.state === OrderState.Cancelled && entry.filledBase > 0)) {
      return this.skip(signal, entry.state === OrderState.Rejected ? 'order_rejected' : 'not_filled', entry.lastError ?? `entry ended ${entry.state}`);
    }
    const fillPrice = entry.avgFillPrice ?? signal.price;
    const levels = computeTpSl(this.config.tpsl, signal.side, fillPrice, signal.atr, signal.level);
    const t = this.config.tpsl;
    const plan: ProtectionPlan = {
      tradeId,
      symbol: signal.symbol,
      side: signal.side,
      entryPrice: fillPrice,
      sizeBase: entry.filledBase,
      initialStopPrice: levels.stopPrice,
      takeProfits: [
        { price: levels.tp1Price, fraction: t.scaleOut1 },
        { price: levels.tp2Price, fraction: 1 - t.scaleOut1 },
      ],
      breakEven: t.breakEvenAfterR === null ? null : { afterR: t.breakEvenAfterR, bufferBps: t.breakEvenBufferBps },
      trailing: t.trailing.mode === 'off' ? null : { mode: t.trailing.mode, atr: signal.atr, atrMult: t.trailing.atrMult, bps: t.trailing.bps, minStepBps: t.trailing.minStepBps, minAmendIntervalMs: t.trailing.minAmendIntervalMs },
    };
    // Funding and order flow are readings of the entry's moment: an add later must not be judged
    // on them, so the stored request drops them.
    const { funding: _funding, orderFlow: _orderFlow, lastEntry: _lastEntry, ...lasting } = request;
    this.arming.add(tradeId);
    let protectedOnExchange: boolean;
    try {
      this.savePyramid(tradeId, { level: 0, risk: lasting });
      this.entries().set(signal.symbol, { side: signal.side, price: fillPrice, atr: signal.atr, maxMoveAtr: 0, atMs: signal.atMs });
      this.saveEntries();
      protectedOnExchange = await this.o.protection.arm(plan);
    } finally {
      this.arming.delete(tradeId);
    }
    return { status: 'placed', tradeId, clientOrderId: entry.clientOrderId, protectedOnExchange, edge: edge.message };
  }

  /** A new price: stops move (break-even, trailing) and pyramid levels add. */
  async onPrice(symbol: string, price: number): Promise<void> {
    this.trackMove(symbol, price);
    await this.o.protection.onPrice(symbol, price);
    if (this.config.pyramidLevels.length === 0 || this.o.killSwitch.isOn()) return;
    const plans = this.o.protection.plans();
    const done = this.pyramids(plans);
    for (const plan of plans.filter((p) => p.symbol === symbol)) {
      const dir = plan.side === 'long' ? 1 : -1;
      const r = Math.abs(plan.entryPrice - plan.initialStopPrice);
      const state = done.get(plan.tradeId);
      if (!state) continue;
      const level = state.level;
      const next = this.config.pyramidLevels[level];
      if (!next || r <= 0 || (price - plan.entryPrice) * dir < next.atR * r) continue;
      // Recorded before the order: a crash mid-add never adds the same level twice.
      this.savePyramid(plan.tradeId, { ...state, level: level + 1 });
      const amountBase = this.round(symbol, plan.sizeBase * next.fraction);
      if (!(amountBase > 0)) continue;
      try {
        const order = await this.o.broker.placeOrder({
          symbol,
          side: plan.side === 'long' ? 'buy' : 'sell',
          type: 'market',
          amountBase,
          tradeId: plan.tradeId,
          leg: `pyramid${level + 1}`,
          purpose: 'pyramid',
          // The add is judged on the signal that opened the trade, at today's price and stop.
          risk: { ...state.risk, entryPrice: price, stopPrice: plan.stopPrice, intent: 'pyramid' },
        });
        if (order.filledBase > 0) await this.o.protection.refreshStop(plan.tradeId);
      } catch (err) {
        this.log.info({ tradeId: plan.tradeId, err: describeError(err) }, 'pyramid add refused');
      }
    }
  }

  /** Emergency: kill switch on, cancel and/or close (optionally for some symbols). */
  async panic(opts: PanicOptions = {}): Promise<PanicReport> {
    const report = await panic({ broker: this.o.broker, store: this.o.store, clock: this.o.clock, killSwitch: this.o.killSwitch }, opts);
    await this.o.protection.sync().catch((err: unknown) => this.log.warn({ err: describeError(err) }, 'protection sync after panic failed'));
    return report;
  }

  private skip(signal: TradeSignal, reason: string, message: string): SignalOutcome {
    this.o.store.events.append({ atMs: this.o.clock.nowMs(), type: 'trade_skip', ledger: this.o.broker.ledger, symbol: signal.symbol, payload: { reason, message, side: signal.side } });
    return { status: 'skipped', reason, message };
  }

  private entries(): Map<string, RiskLastEntry> {
    if (this.lastEntries) return this.lastEntries;
    const raw = this.o.store.settings.get(this.lastEntryKey);
    this.lastEntries = new Map(typeof raw === 'object' && raw !== null ? Object.entries(raw as Record<string, RiskLastEntry>) : []);
    return this.lastEntries;
  }

  private saveEntries(): void {
    this.o.store.settings.set(this.lastEntryKey, Object.fromEntries(this.entries()), this.o.clock.nowMs());
  }

  /**
   * Widens the largest move since the symbol's last entry. Saved at each quarter ATR it grows by,
   * so a restart loses at most a quarter ATR of the record without a store write on every tick.
   */
  private trackMove(symbol: string, price: number): void {
    const last = this.entries().get(symbol);
    if (!last || !(last.atr > 0) || !Number.isFinite(price)) return;
    const moveAtr = Math.abs(price - last.price) / last.atr;
    if (moveAtr <= last.maxMoveAtr) return;
    const saved = Math.floor(last.maxMoveAtr * 4);
    last.maxMoveAtr = moveAtr;
    if (Math.floor(moveAtr * 4) > saved) this.saveEntries();
  }

  /**
   * The open trades' pyramid progress, with the trades whose plan has closed since dropped (and
   * the drop saved). `plans`: the active protection plans, when the caller has them already.
   */
  private pyramids(plans: readonly { tradeId: string }[] = this.o.protection.plans()): Map<string, PyramidState> {
    if (!this.pyramidStates) {
      const raw = this.o.store.settings.get(this.pyramidKey);
      this.pyramidStates = new Map(typeof raw === 'object' && raw !== null ? Object.entries(raw as Record<string, PyramidState>) : []);
    }
    const open = new Set(plans.map((p) => p.tradeId));
    let dropped = false;
    for (const tradeId of this.pyramidStates.keys()) {
      if (open.has(tradeId) || this.arming.has(tradeId)) continue;
      this.pyramidStates.delete(tradeId);
      dropped = true;
    }
    if (dropped) this.writePyramids();
    return this.pyramidStates;
  }

  private savePyramid(tradeId: string, state: PyramidState): void {
    this.pyramids().set(tradeId, state);
    this.writePyramids();
  }

  private writePyramids(): void {
    this.o.store.settings.set(this.pyramidKey, Object.fromEntries(this.pyramidStates ?? []), this.o.clock.nowMs());
  }
}
