import { InvalidInputError } from '../core/errors.js';
import type { StrategyRegistry } from '../strategies/registry.js';
import { createStrategyRegistry } from '../strategies/builtins.js';
import { NO_SIGNAL, type BoundStrategy, type StrategyContext } from '../strategies/types.js';
import { Exp3Bandit, type BanditSnapshot } from './bandit.js';
import { compileCalibration, type CompiledCalibration } from './calibration.js';
import { DEFAULT_CALIBRATION_FILE } from './calibrationFile.js';
import { compileEdgeEvidence, resolveEdgeEvidence, type CompiledEdgeEvidence } from './edgeEvidence.js';
import { blendSignal, passesGates, type StrategyVote } from './composite.js';
import { resolveSignalEngineConfig, type SignalEngineConfig, type SignalEngineConfigInput } from './config.js';
import { SignalLabeler, type PendingLabel } from './labeler.js';
import { compareSeries } from './seriesOrder.js';
import { classifyRegime } from './regime.js';
import { compareSignals, selectSignals, SignalLifecycle } from './selection.js';
import type { SignalEngineSnapshot } from './snapshot.js';
import type { LabelOutcome, RegimeState, SeriesBar, Signal, SignalCycle } from './types.js';

export interface SignalEngineOptions {
  /** Strategies to draw from; the built-ins when omitted. */
  registry?: StrategyRegistry;
  /** Learned state to resume from (see `parseSignalEngineSnapshot`). */
  snapshot?: SignalEngineSnapshot;
  /** Equity passed to strategies that size entry plans. */
  equityUsd?: number;
}

function bySeries(a: SeriesBar, b: SeriesBar): number {
  return compareSeries(a.symbol, a.timeframe, b.symbol, b.timeframe);
}

/** True when `bars` are already in (symbol, timeframe) order, which a stable sort would keep. */
function inSeriesOrder(bars: readonly SeriesBar[]): boolean {
  for (let i = 1; i < bars.length; i++) if (bySeries(bars[i - 1]!, bars[i]!) > 0) return false;
  return true;
}

/**
 * Turns closed bars into composite signals. Pure and deterministic: the same bars in the same
 * cycles give the same signals, and all memory is in `snapshot()`. Inside one cycle the bars are
 * processed in (symbol, timeframe) order whatever order they arrive in.
 */
export class SignalEngine {
  readonly config: SignalEngineConfig;
  private readonly strategies: readonly BoundStrategy[];
  private readonly bandit: Exp3Bandit;
  private readonly labeler: SignalLabeler;
  private readonly lifecycle: SignalLifecycle;
  private readonly calibration: CompiledCalibration | null;
  private readonly edge: CompiledEdgeEvidence | null;
  private readonly equityUsd: number | undefined;
  private currentRegime: RegimeState | null;
  private lastCloseTimeMs: number | null;
  /**
   * Close time of the last cycle before a restore: bars closing at or before it were labeled,
   * tracked and selected by the run that saved the snapshot, so they are not processed again.
   */
  private readonly resumedAtMs: number | null;
  /**
   * One vote slot per strategy, refilled for every bar: `blendSignal` reads the votes and keeps
   * none of them, so a cycle over thousands of bars need not allocate a vote list per bar.
   */
  private readonly votes: StrategyVote[];

  constructor(config: SignalEngineConfig, options: SignalEngineOptions = {}) {
    this.config = config;
    const registry = options.registry ?? createStrategyRegistry();
    for (const id of Object.keys(config.strategies)) {
      if (!registry.has(id)) {
        throw new InvalidInputError('signal engine configuration', [{ path: `strategies.${id}`, received: id, expected: `a registered strategy (${registry.ids().join(', ')})` }]);
      }
    }
    this.strategies = registry
      .ids()
      .filter((id) => config.strategies[id]?.enabled ?? true)
      .map((id) => registry.bind(id, config.strategies[id]?.params ?? {}));
    const snap = options.snapshot;
    this.bandit = new Exp3Bandit(
      this.strategies.map((s) => s.id),
      config.bandit.gamma,
      config.bandit.learningRate,
      config.bandit.maxLogWeightSpread,
      snap?.bandit,
    );
    this.labeler = new SignalLabeler(config.labeler.maxPending, snap?.pending ?? []);
    this.lifecycle = new SignalLifecycle(config.selection, snap?.lifecycle);
    const calibration = config.calibration === undefined ? DEFAULT_CALIBRATION_FILE.calibration : config.calibration;
    this.calibration = calibration ? compileCalibration(calibration) : null;
    const edge = resolveEdgeEvidence(config);
    this.edge = edge ? compileEdgeEvidence(edge) : null;
    this.equityUsd = options.equityUsd;
    this.currentRegime = snap?.regime ?? null;
    this.lastCloseTimeMs = snap?.lastCloseTimeMs ?? null;
    this.resumedAtMs = this.lastCloseTimeMs;
    this.votes = this.strategies.map((st) => ({ id: st.id, result: NO_SIGNAL }));
  }

  /** Ids of the strategies in use, sorted. */
  get strategyIds(): string[] {
    return this.strategies.map((s) => s.id);
  }

  /** Close time of the last cycle run, or null before the first. */
  get lastCycleCloseTimeMs(): number | null {
    return this.lastCloseTimeMs;
  }

  get regime(): RegimeState | null {
    return this.currentRegime;
  }

  /** Current bandit blend weight per strategy (1 = average). */
  weights(): Map<string, number> {
    return this.bandit.blendWeights();
  }

  get pendingLabels(): number {
    return this.labeler.pendingCount;
  }

  /** The bandit's log-weights and update count; cheap, unlike `snapshot()`, which copies every pending label. */
  banditSnapshot(): BanditSnapshot {
    return this.bandit.snapshot();
  }

  /**
   * One bar-close cycle: label pending signals against the new bars and feed the bandit, update the
   * regime when the anchor closed, blend strategy votes into candidates and select. `closeTimeMs`
   * must not go backwards between cycles.
   */
  runCycle(closeTimeMs: number, bars: readonly SeriesBar[]): SignalCycle {
    if (!Number.isFinite(closeTimeMs) || (this.lastCloseTimeMs !== null && closeTimeMs < this.lastCloseTimeMs)) {
      throw new InvalidInputError('signal cycle', [
        { path: 'closeTimeMs', received: String(closeTimeMs), expected: `a time at or after the previous cycle (${this.lastCloseTimeMs})` },
      ]);
    }
    this.lastCloseTimeMs = closeTimeMs;
    const resumedAt = this.resumedAtMs;
    const kept = resumedAt === null ? bars : bars.filter((b) => b.closeTimeMs > resumedAt);
    // The live path hands the bars over in series order already; checking that is one pass, where
    // sorting thousands of bars by two strings is most of a millisecond per cycle.
    const sorted: readonly SeriesBar[] = inSeriesOrder(kept) ? kept : [...kept].sort(bySeries);

    const matured: LabelOutcome[] = [];
    for (let i = 0; i < sorted.length; i++) {
      const b = sorted[i]!;
      const from = matured.length;
      this.labeler.resolveInto(b.symbol, b.timeframe, b.features, matured);
      for (let j = from; j < matured.length; j++) {
        const o = matured[j]!;
        this.bandit.update(o.components, o.reward);
      }
    }

    const { anchorSymbol, anchorTimeframe } = this.config.regime;
    const anchor = sorted.find((b) => b.symbol === anchorSymbol && b.timeframe === anchorTimeframe);
    if (anchor) this.currentRegime = classifyRegime(anchor.features, this.config.regime) ?? this.currentRegime;

    const weights = this.bandit.blendWeights();
    const candidates: Signal[] = [];
    const labeled: Signal[] = [];
    for (const b of sorted) {
      const s = this.evaluate(b, weights);
      if (!s) continue;
      labeled.push(s);
      if (passesGates(s, this.config.blend)) candidates.push(s);
    }
    // Every blended signal is labeled, gated or not: learning only from what cleared the gates
    // would starve low-weight strategies of outcomes and lock their weights in.
    const dropped = this.labeler.trackAll(labeled.map((s) => this.pendingLabel(s)));
    candidates.sort(compareSignals);

    const signals = selectSignals(candidates, this.lifecycle, this.config.selection);
    this.lifecycle.prune(closeTimeMs);
    return { closeTimeMs, regime: this.currentRegime, candidates, signals, labeled, matured, dropped };
  }

  /**
   * The blended composite for one bar with the current weights and regime, before the score and
   * component gates, without touching any state.
   */
  evaluate(bar: SeriesBar, weights: ReadonlyMap<string, number> = this.bandit.blendWeights()): Signal | null {
    const ctx: StrategyContext = { symbol: bar.symbol, timeframe: bar.timeframe, features: bar.features, prev: bar.prev };
    if (this.equityUsd !== undefined) ctx.equityUsd = this.equityUsd;
    const votes = this.votes;
    for (let i = 0; i < votes.length; i++) votes[i]!.result = this.strategies[i]!.evaluate(ctx);
    return blendSignal({
      symbol: bar.symbol,
      timeframe: bar.timeframe,
      closeTimeMs: bar.closeTimeMs,
      features: bar.features,
      votes,
      weights,
      regime: this.currentRegime,
      blend: this.config.blend,
      labeler: this.config.labeler,
      regimeParams: this.config.regime,
      calibration: this.calibration,
      edge: this.edge,
    });
  }

  /** All learned and remembered state, JSON-serializable. */
  snapshot(): SignalEngineSnapshot {
    return {
      version: 1,
      lastCloseTimeMs: this.lastCloseTimeMs,
      regime: this.currentRegime ? { ...this.currentRegime } : null,
      bandit: this.bandit.snapshot(),
      pending: this.labeler.snapshot(),
      lifecycle: this.lifecycle.snapshot(),
    };
  }

  private pendingLabel(s: Signal): PendingLabel {
    return {
      signalId: s.id,
      symbol: s.symbol,
      timeframe: s.timeframe,
      side: s.side,
      components: s.components.map((c) => c.id),
      openTimeMs: s.openTimeMs,
      entryPrice: s.levels.entry,
      takeProfit: s.levels.takeProfit,
      stop: s.levels.stop,
      horizonBars: this.config.labeler.horizonBars,
      barsSeen: 0,
      probability: s.probability,
      calibrationId: s.calibrated ? (s.calibrationId ?? null) : null,
    };
  }
}

/**
 * Builds a signal engine from a configuration input (validated, defaults filled).
 *
 * @example
 * const engine = createSignalEngine({ regime: { anchorSymbol: 'BTC/USDT:USDT' } });
 * const cycle = engine.runCycle(closeTimeMs, bars);
 * persist(JSON.stringify(engine.snapshot()));
 */
export function createSignalEngine(config: SignalEngineConfigInput = {}, options: SignalEngineOptions = {}): SignalEngine {
  return new SignalEngine(resolveSignalEngineConfig(config), options);
}
