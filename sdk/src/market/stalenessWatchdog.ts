import type { Clock } from '../core/clock.js';

export const FeedState = { live: 'live', stale: 'stale' } as const;
export type FeedState = (typeof FeedState)[keyof typeof FeedState];

export interface StalenessWatchdogOptions {
  clock: Clock;
  /** How often feeds are checked. */
  checkIntervalMs: number;
  /** Called once when a feed has had no websocket data for longer than its threshold. */
  onStale: (key: string, silentForMs: number) => void;
  /** Called once when websocket data flows again for a stale feed. */
  onRecovered: (key: string) => void;
}

interface Feed {
  thresholdMs: number;
  lastWsMs: number;
  state: FeedState;
}

/**
 * Watches websocket feeds (one per symbol x timeframe) and says when one went silent or came
 * back. It only decides; the caller switches to REST polling and back. Silence is judged on
 * websocket data only, so a REST poll never hides a dead socket.
 *
 * @example
 * const dog = new StalenessWatchdog({ clock, checkIntervalMs: 1_000, onStale: startPolling, onRecovered: stopPolling });
 * dog.watch('BTC/USDT:USDT|1m', 120_000);
 * dog.touch('BTC/USDT:USDT|1m'); // on every websocket update
 */
export class StalenessWatchdog {
  private readonly feeds = new Map<string, Feed>();
  private cancel: (() => void) | undefined;

  constructor(private readonly options: StalenessWatchdogOptions) {
    if (!(options.checkIntervalMs > 0)) {
      throw new RangeError(`StalenessWatchdog: checkIntervalMs must be > 0, got ${String(options.checkIntervalMs)}`);
    }
  }

  /** Starts watching `key`; it counts as fresh from now. */
  watch(key: string, thresholdMs: number): void {
    this.feeds.set(key, { thresholdMs, lastWsMs: this.options.clock.nowMs(), state: FeedState.live });
  }

  unwatch(key: string): void {
    this.feeds.delete(key);
  }

  /** Records websocket data for `key`. */
  touch(key: string): void {
    const feed = this.feeds.get(key);
    if (!feed) return;
    feed.lastWsMs = this.options.clock.nowMs();
    if (feed.state === FeedState.stale) {
      feed.state = FeedState.live;
      this.options.onRecovered(key);
    }
  }

  state(key: string): FeedState | undefined {
    return this.feeds.get(key)?.state;
  }

  lastWsMs(key: string): number | undefined {
    return this.feeds.get(key)?.lastWsMs;
  }

  staleKeys(): string[] {
    return [...this.feeds].filter(([, f]) => f.state === FeedState.stale).map(([k]) => k);
  }

  /** Checks every feed now. */
  check(): void {
    const nowMs = this.options.clock.nowMs();
    for (const [key, feed] of this.feeds) {
      const silentMs = nowMs - feed.lastWsMs;
      if (feed.state === FeedState.live && silentMs > feed.thresholdMs) {
        feed.state = FeedState.stale;
        this.options.onStale(key, silentMs);
      }
    }
  }

  start(): void {
    if (this.cancel) return;
    const tick = () => {
      this.check();
      this.cancel = this.options.clock.setTimer(this.options.checkIntervalMs, tick);
    };
    this.cancel = this.options.clock.setTimer(this.options.checkIntervalMs, tick);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }
}
