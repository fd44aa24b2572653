import { timeframeMs, type Timeframe } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { BarEvent, MarketDataService } from '../market/index.js';
import { Ranker, type RankingOrientationFile, type RankingQueryInput, type RankingResult } from '../ranking/index.js';
import {
  IncrementalSignalEvaluator,
  ReliabilityMonitor,
  resolveSignalEngineConfig,
  SignalEngine,
  type ClosedBar,
  type ReliabilityFinding,
  type ReliabilityKeyTable,
  type Signal,
  type SignalCycle,
  type SignalEngineConfigInput,
} from '../signals/index.js';
import { buildSnapshots, orderFlowInput, type BookProvenance } from './marketSnapshots.js';
import type { RestoredSignalState, SignalStatePort } from './signalState.js';

export interface AnalyzerOptions {
  market: MarketDataService;
  clock: Clock;
  logger: Logger;
  timeframes: readonly Timeframe[];
  /** Timeframe whose candles feed ranking and the manipulation radar. */
  rankingTimeframe: Timeframe;
  profile: string;
  /** Where the order books come from (default `exchange`): books invented for a replay never feed a score. */
  bookProvenance?: BookProvenance;
  /** Ranking side rule per profile; absent: the shipped orientation, null: momentum (see `RankerOptions.orientation`). */
  rankingOrientation?: RankingOrientationFile | null;
  signals?: SignalEngineConfigInput;
  /** Where learned signal state is restored from and saved to; nothing persists without it. */
  signalState?: SignalStatePort;
  onSignals: (cycle: SignalCycle) => void;
  onRanking: (ranking: RankingResult) => void;
  /** A calibration's drift started or ended (after the cycle that showed it was saved). */
  onReliability?: (findings: ReliabilityFinding[]) => void;
}

/** Bounded history of recent signals for `signals.list` and the scan table. */
const RECENT_SIGNALS = 500;

/**
 * The analytics stage of the engine: seeds per-series feature trackers from backfilled candles,
 * turns bar closes into signal cycles, and ranks the universe each cycle. Bars that close at the
 * same moment are batched into one cycle.
 */
export class Analyzer {
  readonly ranker: Ranker;
  private readonly evaluator: IncrementalSignalEvaluator;
  private readonly seeded = new Set<string>();
  private pending: ClosedBar[] = [];
  private flushScheduled = false;
  /**
   * Set between `beginWarmUp` and `finishWarmUp`: the universe is only partly seeded, so a bar
   * close waits in `held` instead of running a cycle and a ranking over part of the universe.
   */
  private warming = false;
  private held: ClosedBar[] = [];
  private recent: Signal[] = [];
  private lastRanking: RankingResult | null = null;
  private profile: string;
  /** Stated probabilities against matured outcomes, per calibration. */
  private readonly reliabilityMonitor: ReliabilityMonitor;
  /** Monitor revision last written through the signal-state port. */
  private savedReliabilityRevision: number;
  /** What was restored at construction; undefined without a signal-state port. */
  readonly restored: RestoredSignalState | undefined;

  constructor(private readonly options: AnalyzerOptions) {
    this.ranker = new Ranker(options.rankingOrientation === undefined ? {} : { orientation: options.rankingOrientation });
    const config = resolveSignalEngineConfig(options.signals ?? {});
    this.restored = options.signalState?.restore(config, RECENT_SIGNALS, {
      nowMs: options.clock.nowMs(),
      barMs: Math.max(0, ...options.timeframes.map((tf) => timeframeMs(tf))),
    });
    const snapshot = this.restored?.snapshot;
    this.evaluator = new IncrementalSignalEvaluator(new SignalEngine(config, snapshot ? { snapshot } : {}));
    this.recent = this.restored?.recentSignals.slice(0, RECENT_SIGNALS) ?? [];
    this.profile = options.profile;
    this.reliabilityMonitor = new ReliabilityMonitor(config.reliability, this.restored?.reliability);
    this.savedReliabilityRevision = this.reliabilityMonitor.revision;
  }

  /** Seeds every universe series not yet tracked and forgets series that left; returns how many were seeded. */
  syncUniverse(): number {
    const { market, timeframes } = this.options;
    const members = new Set(market.universe().map((m) => m.symbol));
    for (const k of [...this.seeded]) {
      const [symbol, tf] = k.split('|') as [string, Timeframe];
      if (members.has(symbol)) continue;
      this.evaluator.drop(symbol, tf);
      this.seeded.delete(k);
    }
    this.ranker.retain([...members]);
    let added = 0;
    for (const member of market.universe()) {
      for (const tf of timeframes) {
        const k = `${member.symbol}|${tf}`;
        if (this.seeded.has(k)) continue;
        // Straight from the ring's columns when there is one: no candle object per bar (the same state as seeding `market.candles`).
        const ring = market.ring(member.symbol, tf);
        if (ring) {
          if (ring.length === 0) continue;
          this.evaluator.seedFromRing(member.symbol, tf, ring);
        } else {
          const candles = market.candles(member.symbol, tf);
          if (candles.length === 0) continue;
          this.evaluator.seed(member.symbol, tf, candles);
        }
        this.seeded.add(k);
        added++;
      }
    }
    return added;
  }

  /** Holds bar closes back until `finishWarmUp`: for a warm start that seeds the universe over several turns. */
  beginWarmUp(): void {
    this.warming = true;
  }

  /**
   * Ends the warm start: seeds what is left, brings each series whose bar closed during the warm-up
   * up to that bar without a cycle of its own, then runs the cold evaluation and the first ranking.
   * The held closes are at or before that evaluation's close time (it takes the latest bar of every
   * series, theirs included), so it covers them: a cycle per held close as well would show the
   * labeler and the bandit the same close twice.
   */
  finishWarmUp(): SignalCycle {
    this.warming = false;
    const held = this.held;
    this.held = [];
    this.syncUniverse();
    for (const b of held) {
      // Gone from the universe since it was held: nothing tracks it any more.
      const tracker = this.evaluator.tracker(b.symbol, b.timeframe);
      if (!tracker) continue;
      try {
        tracker.update(b.candle, b.orderFlow);
      } catch (err) {
        this.options.logger.warn({ symbol: b.symbol, timeframe: b.timeframe, openTimeMs: b.candle.openTimeMs, err: describeError(err) }, 'bar rejected at the edge');
      }
    }
    return this.evaluateAll();
  }

  /** Cold evaluation over the last closed bar of every series, then a ranking. */
  evaluateAll(): SignalCycle {
    this.syncUniverse();
    const cycle = this.evaluator.evaluateLatest();
    this.record(cycle);
    this.rankNow();
    return cycle;
  }

  onBar(bar: BarEvent): void {
    const k = `${bar.symbol}|${bar.timeframe}`;
    if (!this.seeded.has(k)) {
      // A series that joined after the last sync: its backfill already holds this bar. During the
      // warm-up its batch (or `finishWarmUp`) seeds it.
      if (!this.warming) this.syncUniverse();
      return;
    }
    const closed: ClosedBar = { symbol: bar.symbol, timeframe: bar.timeframe, candle: bar.candle };
    const flow = orderFlowInput(this.options.market.orderFlow(bar.symbol), this.options.bookProvenance);
    if (flow) closed.orderFlow = flow;
    if (this.warming) {
      this.held.push(closed);
      return;
    }
    this.pending.push(closed);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Bars of one close time arrive back to back; one cycle serves them all.
      this.options.clock.setTimer(0, () => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const bars = this.pending;
    this.pending = [];
    try {
      const result = this.evaluator.onBarsClosed(bars);
      for (const r of result.rejected) {
        this.options.logger.warn({ symbol: r.symbol, timeframe: r.timeframe, openTimeMs: r.openTimeMs, err: describeError(r.error) }, 'bar rejected at the edge');
      }
      for (const cycle of result.cycles) this.record(cycle);
      this.rankNow();
    } catch (err) {
      this.options.logger.error({ err: describeError(err), bars: bars.length }, 'analysis cycle failed');
    }
  }

  private record(cycle: SignalCycle): void {
    for (const outcome of cycle.matured) this.reliabilityMonitor.observe(outcome);
    const findings = cycle.matured.length ? this.reliabilityMonitor.check() : [];
    this.persist(cycle);
    if (findings.length) this.options.onReliability?.(findings);
    if (cycle.signals.length) {
      this.recent = [...cycle.signals, ...this.recent].slice(0, RECENT_SIGNALS);
    }
    this.options.onSignals(cycle);
  }

  /**
   * Saves the cycle before its signals go out, so whoever sees a signal finds it stored, unless
   * the save failed. When the store could not write (a full disk, a lock), the port keeps the
   * cycle's rows (signals, labels, outcomes and deletions) for the next save that commits, up to
   * its `maxOwedRows`; a save that fails for another reason gives them up, and logs it (see
   * `createStoreSignalState`).
   */
  private persist(cycle: SignalCycle): void {
    const port = this.options.signalState;
    if (!port) return;
    const engine = this.evaluator.engine;
    const monitor = this.reliabilityMonitor;
    const revision = monitor.revision;
    const reliability = revision !== this.savedReliabilityRevision ? { reliability: monitor.snapshot() } : {};
    try {
      port.saveCycle(cycle, { bandit: engine.banditSnapshot(), lastCloseTimeMs: engine.lastCycleCloseTimeMs, regime: engine.regime, ...reliability });
      this.savedReliabilityRevision = revision;
    } catch (err) {
      // A failed save is logged (the port keeps what a storage fault left unwritten); signals still go out.
      this.options.logger.error({ err: describeError(err), closeTimeMs: cycle.closeTimeMs }, 'saving the signal state failed');
    }
  }

  setProfile(profile: string): void {
    this.ranker.profiles.get(profile);
    this.profile = profile;
  }

  /** Ranks the current universe under `query` (the engine's profile unless the query names one). */
  rank(query: RankingQueryInput = {}): RankingResult {
    const books = this.options.bookProvenance;
    // The snapshots' columns are views of the rings (see `buildSnapshots`): this ranking reads them synchronously and keeps none.
    const snapshots = buildSnapshots(this.options.market, this.options.rankingTimeframe, this.options.clock.nowMs(), books ? { books } : {});
    return this.ranker.rank(snapshots, { profile: this.profile, ...query });
  }

  private rankNow(): void {
    // Wall time, not the market clock: this measures the work, which a sim's accelerated clock would inflate.
    const startedMs = performance.now();
    const result: RankingResult = { ...this.rank({ top: 1000 }), computeMs: performance.now() - startedMs };
    this.lastRanking = result;
    this.options.onRanking(result);
  }

  latestRanking(): RankingResult | null {
    return this.lastRanking;
  }

  /** Recent selected signals, newest first. */
  recentSignals(): readonly Signal[] {
    return this.recent;
  }

  /** The running reliability table of stated probabilities against matured outcomes, per calibration. */
  reliability(): ReliabilityKeyTable[] {
    return this.reliabilityMonitor.table();
  }

  /** Learned signal state (bandit weights, pending labels, cooldowns) for persistence. */
  signalSnapshot(): unknown {
    return this.evaluator.engine.snapshot();
  }
}
