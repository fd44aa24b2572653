import type { Candle } from '@perpscope/shared';
import { allocOhlcvColumns } from '../features/columns.js';
import type { OhlcvColumns } from '../features/types.js';

/** A ring's candles as columns, oldest first (what `CandleRing.columns` returns). */
export type RingColumns = OhlcvColumns;

/** Slots allocated by a new ring (or its capacity, if smaller): a few KB, so construction is cheap. */
const INITIAL_SLOTS = 64;

/**
 * Ring of confirmed candles for one symbol x timeframe, oldest first, holding at most `capacity`.
 * Columns are typed arrays, so memory is bounded and append/replace-last are O(1) amortized.
 * Storage grows on demand (by half, at least `INITIAL_SLOTS` slots) instead of being preallocated:
 * a series with 500 bars of history costs 48 bytes per slot for about 650 slots, whatever the
 * capacity, and a new ring costs 3 KB. Once full, the oldest candle drops out.
 *
 * The candles always sit in consecutive slots (they never wrap around the end of the storage), so
 * `view` can hand them out as subarrays without a copy. A full ring therefore keeps a few slots of
 * slack past its capacity (an eighth, at least 8) and appends into them; when they run out, the
 * candles move back to the front once (an eighth of a copy per append, amortized).
 *
 * @example
 * const ring = new CandleRing(500);
 * ring.push(candle);
 * ring.last()?.close;
 */
export class CandleRing {
  readonly capacity: number;
  private openTimeMs: Float64Array;
  private open: Float64Array;
  private high: Float64Array;
  private low: Float64Array;
  private close: Float64Array;
  private volume: Float64Array;
  /** Slots allocated now: at most `maxSlots` (the capacity plus the slack a full ring appends into). */
  private slots: number;
  private readonly maxSlots: number;
  /** Slot of the oldest candle; the others follow it in consecutive slots. */
  private start = 0;
  private size = 0;

  /** `initialSlots` (default 64) is where the storage starts; pass the expected history to skip the growth steps. */
  constructor(capacity: number, initialSlots = INITIAL_SLOTS) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`CandleRing: capacity must be a positive integer, got ${String(capacity)}`);
    }
    if (!Number.isInteger(initialSlots) || initialSlots < 1) {
      throw new RangeError(`CandleRing: initialSlots must be a positive integer, got ${String(initialSlots)}`);
    }
    this.capacity = capacity;
    this.maxSlots = capacity + Math.max(8, capacity >> 3);
    this.slots = Math.min(capacity, initialSlots);
    this.openTimeMs = new Float64Array(this.slots);
    this.open = new Float64Array(this.slots);
    this.high = new Float64Array(this.slots);
    this.low = new Float64Array(this.slots);
    this.close = new Float64Array(this.slots);
    this.volume = new Float64Array(this.slots);
  }

  /** Slots allocated now (memory: 48 bytes each); up to an eighth (at least 8) past the capacity once full. */
  get allocatedSlots(): number {
    return this.slots;
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
    if (this.size === this.capacity) {
      this.start++;
      this.size--;
    }
    if (this.start + this.size === this.slots) this.makeRoom();
    this.write(this.start + this.size, c);
    this.size++;
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

  /**
   * Copies out the newest `count` candles (all by default) as columns, oldest first: six typed-array
   * copies and no per-candle object, for readers that want columns anyway (snapshots, radar).
   */
  columns(count = this.size): RingColumns {
    const n = Math.min(count, this.size);
    const out = allocOhlcvColumns(n);
    this.copyColumns(n, out);
    return out;
  }

  /**
   * The newest `count` candles (all by default) as columns, oldest first, over the ring's own
   * storage: no copy. Read-only, and valid only until the ring's next write (`push`, `replaceLast`,
   * `upsertLast`, `clear`), which may move or overwrite what it shows: for a reader that is done
   * with them before any new bar can arrive (one synchronous ranking).
   */
  view(count = this.size): RingColumns {
    const n = Math.max(0, Math.min(count, this.size));
    const from = this.start + this.size - n;
    const to = from + n;
    return {
      openTimeMs: this.openTimeMs.subarray(from, to),
      open: this.open.subarray(from, to),
      high: this.high.subarray(from, to),
      low: this.low.subarray(from, to),
      close: this.close.subarray(from, to),
      volume: this.volume.subarray(from, to),
    };
  }

  /**
   * Copies the newest `count` candles (at most `length`), oldest first, into the first slots of
   * `into`'s columns (each at least that long): for a reader that reuses its own buffers.
   */
  copyColumns(count: number, into: RingColumns): void {
    const n = Math.min(count, this.size);
    if (!(n > 0)) return;
    const from = this.start + this.size - n;
    into.openTimeMs.set(this.openTimeMs.subarray(from, from + n), 0);
    into.open.set(this.open.subarray(from, from + n), 0);
    into.high.set(this.high.subarray(from, from + n), 0);
    into.low.set(this.low.subarray(from, from + n), 0);
    into.close.set(this.close.subarray(from, from + n), 0);
    into.volume.set(this.volume.subarray(from, from + n), 0);
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
    return this.start + index;
  }

  /**
   * Frees the slot after the newest candle: moves the candles to the front when the storage is
   * at its largest (or half of it lies unused before them), else reallocates with more slots.
   */
  private makeRoom(): void {
    // start > 0 first: with one slot, half the storage is zero slots, and there is nothing before the candles to reclaim.
    if (this.start > 0 && (this.slots === this.maxSlots || this.start >= this.slots >> 1)) {
      const move = (a: Float64Array) => a.copyWithin(0, this.start, this.start + this.size);
      move(this.openTimeMs);
      move(this.open);
      move(this.high);
      move(this.low);
      move(this.close);
      move(this.volume);
      this.start = 0;
      return;
    }
    if (this.slots === this.maxSlots) throw new Error('CandleRing: no slot free at full storage (capacity invariant broken)');
    const slots = Math.min(this.maxSlots, this.slots + Math.max(INITIAL_SLOTS, this.slots >> 1));
    const move = (from: Float64Array): Float64Array => {
      const to = new Float64Array(slots);
      to.set(from.subarray(this.start, this.start + this.size), 0);
      return to;
    };
    this.openTimeMs = move(this.openTimeMs);
    this.open = move(this.open);
    this.high = move(this.high);
    this.low = move(this.low);
    this.close = move(this.close);
    this.volume = move(this.volume);
    this.slots = slots;
    this.start = 0;
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
