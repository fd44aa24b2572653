import type { Clock } from '../core/clock.js';

interface Timer {
  dueMs: number;
  seq: number;
  fn: () => void;
}

/**
 * The backtest's simulated clock: time moves only when the replay moves it, timers fire in due
 * order (ties in creation order). Unlike a test clock it can tell whether anything is due now,
 * so the replay knows when a bar close has been fully handled, and it keeps its timers in a heap
 * (hundreds of symbols each wait on a timer every bar).
 */
export class BacktestClock implements Clock {
  private current: number;
  private seq = 0;
  private heap: Timer[] = [];
  private readonly cancelled = new Set<Timer>();

  constructor(startMs: number) {
    this.current = startMs;
  }

  nowMs(): number {
    return this.current;
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(delayMs, resolve));
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const timer: Timer = { dueMs: this.current + Math.max(0, delayMs), seq: this.seq++, fn };
    this.push(timer);
    return () => {
      if (this.heap.includes(timer)) this.cancelled.add(timer);
    };
  }

  /** True when a live timer is due at or before now. */
  hasDue(): boolean {
    this.dropCancelled();
    const top = this.heap[0];
    return top !== undefined && top.dueMs <= this.current;
  }

  /** Fires every timer due at or before `targetMs` (in order), then sets the time to `targetMs`. */
  async advanceTo(targetMs: number): Promise<void> {
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (!top || top.dueMs > targetMs) break;
      this.pop();
      this.current = Math.max(this.current, top.dueMs);
      top.fn();
      // What the timer started (promise chains over synchronous I/O) finishes before the next
      // timer fires, as it would in a live process where the next event is far away.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.current = Math.max(this.current, targetMs);
  }

  private dropCancelled(): void {
    while (this.heap[0] && this.cancelled.has(this.heap[0])) {
      this.cancelled.delete(this.heap[0]);
      this.pop();
    }
  }

  private less(a: Timer, b: Timer): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
