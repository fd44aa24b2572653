import type { SelectionParams } from './config.js';
import type { Signal } from './types.js';

/** Best first: higher score, then the id as a stable tie-break. */
export function compareSignals(a: Signal, b: Signal): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The key a cooldown is kept under: the symbol, or the symbol and side. */
export function cooldownKeyOf(scope: SelectionParams['cooldownScope'], symbol: string, side: string): string {
  return scope === 'symbol' ? symbol : `${symbol}|${side}`;
}

export interface LifecycleSnapshot {
  /** Last emitted bar close time per cooldown key, oldest first. */
  lastEmitMs: [string, number][];
  /** Recently emitted ids with their bar close time, oldest first. */
  recentIds: [string, number][];
}

/**
 * Dedupe and cooldown memory. Time is the bars' close time, never a wall clock, so a replay
 * reproduces a live run exactly.
 */
export class SignalLifecycle {
  private readonly p: SelectionParams;
  private readonly lastEmit = new Map<string, number>();
  private readonly recent = new Map<string, number>();

  constructor(params: SelectionParams, snapshot?: LifecycleSnapshot) {
    this.p = params;
    for (const [k, v] of snapshot?.lastEmitMs ?? []) this.lastEmit.set(k, v);
    for (const [k, v] of snapshot?.recentIds ?? []) this.recent.set(k, v);
  }

  cooldownKey(s: Signal): string {
    return cooldownKeyOf(this.p.cooldownScope, s.symbol, s.side);
  }

  isDuplicate(s: Signal): boolean {
    return this.recent.has(s.id);
  }

  isCoolingDown(s: Signal): boolean {
    const last = this.lastEmit.get(this.cooldownKey(s));
    return last !== undefined && s.closeTimeMs - last < this.p.cooldownMs;
  }

  record(s: Signal): void {
    // Delete first so that map order stays oldest-first, which lets `prune` stop early.
    const key = this.cooldownKey(s);
    this.lastEmit.delete(key);
    this.lastEmit.set(key, s.closeTimeMs);
    this.recent.delete(s.id);
    this.recent.set(s.id, s.closeTimeMs);
  }

  /** Forgets entries that can no longer block anything at `nowMs` (a bar close time). */
  prune(nowMs: number): void {
    for (const [k, t] of this.lastEmit) {
      if (nowMs - t < this.p.cooldownMs) break;
      this.lastEmit.delete(k);
    }
    for (const [k, t] of this.recent) {
      if (nowMs - t <= this.p.dedupeWindowMs) break;
      this.recent.delete(k);
    }
  }

  snapshot(): LifecycleSnapshot {
    // Oldest first (then by key): restoring in this order keeps the maps time-ordered for `prune`.
    const byTime = (a: [string, number], b: [string, number]) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
    return { lastEmitMs: [...this.lastEmit].sort(byTime), recentIds: [...this.recent].sort(byTime) };
  }
}

/**
 * Picks this cycle's signals from the candidates: drop repeats and keys in cooldown, keep the best
 * `maxPerTimeframe` of each timeframe, then the best per symbol, then the best `maxPerCycle`
 * overall. Records what it picks in `lifecycle`.
 */
export function selectSignals(candidates: readonly Signal[], lifecycle: SignalLifecycle, p: SelectionParams): Signal[] {
  const ranked = candidates.filter((s) => !lifecycle.isDuplicate(s) && !lifecycle.isCoolingDown(s)).sort(compareSignals);
  const perTimeframe = new Map<string, number>();
  const bestPerSymbol = new Set<string>();
  const picked: Signal[] = [];
  for (const s of ranked) {
    const n = perTimeframe.get(s.timeframe) ?? 0;
    if (n >= p.maxPerTimeframe) continue;
    perTimeframe.set(s.timeframe, n + 1);
    if (bestPerSymbol.has(s.symbol)) continue;
    bestPerSymbol.add(s.symbol);
    picked.push(s);
    if (picked.length >= p.maxPerCycle) break;
  }
  for (const s of picked) lifecycle.record(s);
  return picked;
}
