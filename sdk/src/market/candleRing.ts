import type { Candle } from '@perpscope/shared';

/**
 * Fixed-capacity ring of confirmed candles for one symbol x timeframe, oldest first. Columns are
 * typed arrays, so memory is bounded and append/replace-last are O(1) with no allocation.
 *
 * @example
 * const ring = new CandleRing(500);
 * ring.push(candle);
 * ring.last()?.close;
 */
export class CandleRing {
  readonly capacity: number;
  private readonly openTimeMs: Float64Array;
  private readonly open: Float64Array;
  private readonly high: Float64Array;
  private readonly low: Float64Array;
  private readonly close: Float64Array;
  private readonly volume: Float64Array;
  /** Index of the oldest candle. */
  private start = 0;
  private size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`CandleRing: capacity must be a positive integer, got ${String(capacity)}`);
    }
    this.capacity = capacity;
    this.openTimeMs = new Float64Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.close = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Open time of the newest candle, or `undefined` when empty. */
  lastOpenTimeMs(): number | undefined {
    return this.size === 0 ? undefined : this.openTimeMs[this.slot(this.size - 1)];
  }

  /** Appends; the oldest candle drops out when full. */
  push(c: Candle): void {
    if (this.size < this.capacity) {
      this.write(this.slot(this.size), c);
      this.size++;
    } else {
      this.write(this.start, c);
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Overwrites the newest candle (a revised value for the same open time). */
  replaceLast(c: Candle): void {
    if (this.size === 0) {
      this.push(c);
      return;
    }
    this.write(this.slot(this.size - 1), c);
  }

  /** Appends `c` if it is newer than the last candle, replaces the last if it has the same open time. */
  upsertLast(c: Candle): 'appended' | 'replaced' | 'ignored' {
    const lastMs = this.lastOpenTimeMs();
    if (lastMs === undefined || c.openTimeMs > lastMs) {
      this.push(c);
      return 'appended';
    }
    if (c.openTimeMs === lastMs) {
      this.replaceLast(c);
      return 'replaced';
    }
    return 'ignored';
  }

  /** Candle `i` counting from the oldest (0); negative counts from the newest (-1). */
  at(i: number): Candle | undefined {
    const index = i < 0 ? this.size + i : i;
    if (index < 0 || index >= this.size) return undefined;
    const s = this.slot(index);
    return {
      openTimeMs: this.openTimeMs[s]!,
      open: this.open[s]!,
      high: this.high[s]!,
      low: this.low[s]!,
      close: this.close[s]!,
      volume: this.volume[s]!,
    };
  }

  last(): Candle | undefined {
    return this.at(-1);
  }

  /** Copies out the newest `count` candles (all by default), oldest first. */
  toArray(count = this.size): Candle[] {
    const n = Math.min(count, this.size);
    const out: Candle[] = new Array<Candle>(n);
    for (let i = 0; i < n; i++) out[i] = this.at(this.size - n + i)!;
    return out;
  }

  /** Open times, oldest first, for gap checks. */
  openTimes(): number[] {
    const out: number[] = new Array<number>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.openTimeMs[this.slot(i)]!;
    return out;
  }

  clear(): void {
    this.start = 0;
    this.size = 0;
  }

  private slot(index: number): number {
    return (this.start + index) % this.capacity;
  }

  private write(s: number, c: Candle): void {
    this.openTimeMs[s] = c.openTimeMs;
    this.open[s] = c.open;
    this.high[s] = c.high;
    this.low[s] = c.low;
    this.close[s] = c.close;
    this.volume[s] = c.volume;
  }
}
