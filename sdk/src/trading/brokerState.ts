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

  all(): Record<string, number> {
    const raw = this.store.settings.get(this.key);
    if (typeof raw !== 'object' || raw === null) return {};
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'number') out[k] = v;
    return out;
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
