/**
 * Time source for everything in the engine. Pure modules never read the wall clock; they are
 * handed a Clock so that live, replay and backtest runs share one code path.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, UTC. */
  nowMs(): number;
  /** Resolves after `delayMs` of this clock's time. */
  sleep(delayMs: number): Promise<void>;
  /** Calls `fn` after `delayMs` of this clock's time; returns a cancel function. */
  setTimer(delayMs: number, fn: () => void): () => void;
}

/** Wall-clock time. */
export class SystemClock implements Clock {
  nowMs(): number {
    return Date.now();
  }
  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, delayMs)));
  }
  setTimer(delayMs: number, fn: () => void): () => void {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    return () => clearTimeout(handle);
  }
}

interface PendingTimer {
  dueMs: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. Timers fire in due order (ties in creation order) as
 * `advance` passes their due time, so tests and replays are deterministic.
 *
 * @example
 * const clock = new SimulatedClock(0);
 * const done = clock.sleep(1_000);
 * await clock.advance(1_000); // `done` resolves
 */
export class SimulatedClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  nowMs(): number {
    return this.current;
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.setTimer(delayMs, resolve);
    });
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const timer: PendingTimer = { dueMs: this.current + Math.max(0, delayMs), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Number of timers not yet fired. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `deltaMs`, firing every timer that falls due on the way. Awaits a
   * microtask turn after each timer so that code resumed by a timer can schedule the next one.
   */
  async advance(deltaMs: number): Promise<void> {
    const targetMs = this.current + Math.max(0, deltaMs);
    for (;;) {
      const next = this.nextDue(targetMs);
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = next.dueMs;
      next.fn();
      await flushMicrotasks();
    }
    this.current = targetMs;
    await flushMicrotasks();
  }

  /** Jumps to an absolute time (never backwards), firing timers on the way. */
  async advanceTo(targetMs: number): Promise<void> {
    await this.advance(Math.max(0, targetMs - this.current));
  }

  private nextDue(limitMs: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers) {
      if (t.dueMs > limitMs) continue;
      if (!best || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
