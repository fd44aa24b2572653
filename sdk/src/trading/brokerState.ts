import type { Ledger, Store } from '../store/index.js';

/** Last entry time per symbol (the risk cooldown), persisted so a restart keeps the cooldown. */
export class EntryTimes {
  private readonly key: string;

  constructor(
    private readonly store: Store,
    ledger: Ledger,
    exchange: string,
  ) {
    this.key = `trading.${ledger}.${exchange}.lastEntryAtMs`;
  }

  /**
   * Entry times per symbol. With `nowMs`, times after it are left out: they were stamped by
   * another clock (an accelerated sim clock before a restart) and would hold a cooldown for as
   * long as that clock ran ahead.
   */
  all(nowMs?: number): Record<string, number> {
    const raw = this.store.settings.peek(this.key);
    if (typeof raw !== 'object' || raw === null) return {};
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'number' && (nowMs === undefined || v <= nowMs)) out[k] = v;
    return out;
  }

  /** Forgets entry times stamped after `nowMs` (see `all`), at start. */
  dropFuture(nowMs: number): void {
    const raw = this.store.settings.get(this.key);
    if (typeof raw !== 'object' || raw === null) return;
    const kept = this.all(nowMs);
    if (Object.keys(kept).length !== Object.keys(raw).length) this.store.settings.set(this.key, kept, nowMs);
  }

  note(symbol: string, atMs: number): void {
    this.store.settings.set(this.key, { ...this.all(), [symbol]: atMs }, atMs);
  }
}

/** A tiny listener set shared by the brokers. */
export class Listeners<E> {
  private readonly fns = new Set<(e: E) => void>();

  add(fn: (e: E) => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }

  emit(e: E): void {
    for (const fn of this.fns) {
      try {
        fn(e);
      } catch {
        // A failing listener must not break order handling.
      }
    }
  }
}
