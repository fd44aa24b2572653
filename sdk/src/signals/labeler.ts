import type { Side } from '../strategies/types.js';
import type { LabelOutcome } from './types.js';

/** A signal waiting for its outcome. */
export interface PendingLabel {
  signalId: string;
  symbol: string;
  timeframe: string;
  side: Side;
  components: string[];
  /** Open time of the signal's bar; only later bars count. */
  openTimeMs: number;
  entryPrice: number;
  takeProfit: number;
  stop: number;
  horizonBars: number;
  barsSeen: number;
  /** The probability the signal stated, carried so its outcome can be held against it. */
  probability?: number;
  /** The calibration that produced `probability`; null for a heuristic (uncalibrated) one. */
  calibrationId?: string | null;
}

/** The part of a closed bar the labeler reads. */
export interface LabelBar {
  openTimeMs: number;
  high: number;
  low: number;
  close: number;
}

function seriesKey(symbol: string, timeframe: string): string {
  return `${symbol}|${timeframe}`;
}

function outcome(p: PendingLabel, kind: LabelOutcome['outcome'], exitPrice: number, bar: LabelBar): LabelOutcome {
  const dir = p.side === 'long' ? 1 : -1;
  const returnPct = (dir * (exitPrice - p.entryPrice)) / p.entryPrice;
  const tpPct = Math.abs(p.takeProfit - p.entryPrice) / p.entryPrice;
  const reward = Math.min(1, Math.max(0, 0.5 + (0.5 * returnPct) / tpPct));
  const o: LabelOutcome = {
    signalId: p.signalId,
    symbol: p.symbol,
    timeframe: p.timeframe,
    side: p.side,
    components: p.components,
    outcome: kind,
    returnPct,
    reward,
    barsHeld: p.barsSeen,
    resolvedOpenTimeMs: bar.openTimeMs,
  };
  if (p.probability !== undefined) o.probability = p.probability;
  if (p.calibrationId !== undefined) o.calibrationId = p.calibrationId;
  return o;
}

/**
 * Scores signals after the fact: each later bar of the signal's series is checked against its
 * take-profit and stop; the first touched decides (the stop when one bar touches both, since the
 * path inside a bar is unknown). After `horizonBars` bars untouched it is a timeout valued at the
 * close. Reward: `0.5 + 0.5 * return / tpDistance`, clamped to [0, 1]: 1 at the take-profit, 0.5 at
 * break-even, `0.5 - 0.5 * sl / tp` at the stop. With TP and SL at their ATR multiples this makes a
 * strategy without edge average 0.5, which is what the bandit centres on.
 */
export class SignalLabeler {
  private readonly bySeries = new Map<string, PendingLabel[]>();
  /** The same lists by symbol, then timeframe: `onBar` runs for every closed bar without building a key. */
  private readonly bySymbol = new Map<string, Map<string, PendingLabel[]>>();
  private readonly maxPending: number;
  private count = 0;

  constructor(maxPending: number, pending: readonly PendingLabel[] = []) {
    this.maxPending = maxPending;
    // In signal-bar order (stable): each series' list then runs oldest first, which the cap relies
    // on. A restore need not come in that order (the store reads pending rows by due time, and
    // a changed horizon reorders those).
    const ordered = pending.map((p) => ({ ...p, components: [...p.components] })).sort((a, b) => a.openTimeMs - b.openTimeMs);
    this.trackAll(ordered);
  }

  get pendingCount(): number {
    return this.count;
  }

  /** Adds one pending label; past the cap, the oldest pending label is dropped. */
  track(p: PendingLabel): void {
    this.add(p);
    this.trimToCap();
  }

  /**
   * `track` on each label in turn, with the cap applied once at the end; returns the signal ids
   * the cap dropped (their outcomes will never be known). The pending set is the same: the cap
   * always drops the oldest label (signal bar time, then series key), and nothing else leaves
   * meanwhile, so the ones dropped are the oldest overall whenever they are dropped. That holds
   * while each series' labels arrive in signal-bar order, as cycles (which never go back in time)
   * and the constructor (which sorts a restore) add them. One drop per label scanned every
   * series: at 8,000 series and a full cap, a cycle's thousands of labels cost tens of millions
   * of steps.
   */
  trackAll(ps: readonly PendingLabel[]): string[] {
    for (const p of ps) this.add(p);
    const dropped: string[] = [];
    this.trimToCap(dropped);
    return dropped;
  }

  private add(p: PendingLabel): void {
    // Found through the per-symbol maps first: a key string is built only for a series' first label.
    let byTf = this.bySymbol.get(p.symbol);
    let list = byTf?.get(p.timeframe);
    if (!list) {
      this.bySeries.set(seriesKey(p.symbol, p.timeframe), (list = []));
      if (!byTf) this.bySymbol.set(p.symbol, (byTf = new Map()));
      byTf.set(p.timeframe, list);
    }
    list.push(p);
    this.count++;
  }

  /** Checks one closed bar of one series against its pending signals; returns the ones it resolved. */
  onBar(symbol: string, timeframe: string, bar: LabelBar): LabelOutcome[] {
    const done: LabelOutcome[] = [];
    this.resolveInto(symbol, timeframe, bar, done);
    return done;
  }

  /**
   * `onBar` appending the resolved outcomes to `out` (in the same order) and returning how many:
   * the engine runs it for every closed bar, most of which resolve nothing, so it passes one list
   * for the whole cycle instead of taking an empty array back per bar.
   */
  resolveInto(symbol: string, timeframe: string, bar: LabelBar, out: LabelOutcome[]): number {
    const list = this.bySymbol.get(symbol)?.get(timeframe);
    if (!list || list.length === 0) return 0;
    const before = out.length;
    let keep = 0;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (bar.openTimeMs <= p.openTimeMs) {
        list[keep++] = p;
        continue;
      }
      p.barsSeen++;
      const long = p.side === 'long';
      const hitSl = long ? bar.low <= p.stop : bar.high >= p.stop;
      const hitTp = long ? bar.high >= p.takeProfit : bar.low <= p.takeProfit;
      if (hitSl) out.push(outcome(p, 'sl', p.stop, bar));
      else if (hitTp) out.push(outcome(p, 'tp', p.takeProfit, bar));
      else if (p.barsSeen >= p.horizonBars) out.push(outcome(p, 'timeout', bar.close, bar));
      else list[keep++] = p;
    }
    // Only shrink when something left: setting `length` on an unchanged array is not free.
    if (keep !== list.length) list.length = keep;
    const resolved = out.length - before;
    this.count -= resolved;
    return resolved;
  }

  /** Pending labels in a stable order (series key, then signal bar time, then id). */
  snapshot(): PendingLabel[] {
    const keys = [...this.bySeries.keys()].sort();
    const out: PendingLabel[] = [];
    for (const k of keys) for (const p of this.bySeries.get(k)!) out.push({ ...p, components: [...p.components] });
    return out;
  }

  /** Drops the oldest pending labels until at most `maxPending` remain. */
  private trimToCap(dropped?: string[]): void {
    const excess = this.count - this.maxPending;
    if (excess <= 0) return;
    // A heap of the series by their oldest label, instead of a scan of every series per drop.
    const heap: { key: string; list: PendingLabel[] }[] = [];
    for (const [key, list] of this.bySeries) if (list.length > 0) heap.push({ key, list });
    const before = (a: { key: string; list: PendingLabel[] }, b: { key: string; list: PendingLabel[] }): boolean => {
      const ta = a.list[0]!.openTimeMs;
      const tb = b.list[0]!.openTimeMs;
      return ta < tb || (ta === tb && a.key < b.key);
    };
    const down = (i: number): void => {
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) return;
        const r = l + 1;
        const c = r < heap.length && before(heap[r]!, heap[l]!) ? r : l;
        if (!before(heap[c]!, heap[i]!)) return;
        [heap[c], heap[i]] = [heap[i]!, heap[c]!];
        i = c;
      }
    };
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
    for (let n = 0; n < excess && heap.length > 0; n++) {
      const top = heap[0]!;
      const gone = top.list.shift()!;
      dropped?.push(gone.signalId);
      this.count--;
      if (top.list.length === 0) {
        const last = heap.pop()!;
        if (heap.length === 0) break;
        heap[0] = last;
      }
      down(0);
    }
  }
}
