import { ErrorCode } from '@perpscope/shared';
import { mapCcxtError } from '../core/ccxtErrors.js';
import type { Clock } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_BACKOFF, fullJitterBackoffMs, type BackoffOptions } from '../market/backoff.js';
import type { PriceTick } from '../market/index.js';

/** A value waiting for its key's handler, with the offers it answers (its own and those it replaced). */
interface Pending<V> {
  value: V;
  settle: (() => void)[];
}

interface Slot<V> {
  next: Pending<V> | undefined;
  /** The drain under way: settles once the key has nothing running or waiting. */
  drained: Promise<void>;
}

/**
 * Runs `handle` for one key at a time, newest value first in line: a value offered while the
 * key's handler runs waits, and a newer one replaces it. A burst of prices for one symbol so costs
 * at most the call under way plus one with the newest price; it never stacks up calls, and two
 * calls for one key never overlap. Different keys run independently.
 */
export class LatestPerKey<V> {
  private readonly slots = new Map<string, Slot<V>>();

  constructor(
    private readonly handle: (key: string, value: V) => Promise<void>,
    private readonly onError: (key: string, err: unknown) => void,
  ) {}

  /**
   * Resolves once the call that consumed `value` (or the newer value that replaced it) has
   * finished, or once the value was dropped; never rejects (errors go to `onError`). It does not
   * wait for values offered after it, so a key kept busy by a stream of offers never holds it up.
   */
  offer(key: string, value: V): Promise<void> {
    return new Promise<void>((resolve) => {
      const slot = this.slots.get(key);
      if (slot) {
        slot.next = { value, settle: [...(slot.next?.settle ?? []), resolve] };
        return;
      }
      const fresh: Slot<V> = { next: { value, settle: [resolve] }, drained: Promise.resolve() };
      // In the map before the first call starts, so an offer made from inside it queues behind it.
      this.slots.set(key, fresh);
      fresh.drained = this.drain(key, fresh);
    });
  }

  /** Whether a call for `key` is under way or waiting. */
  busy(key: string): boolean {
    return this.slots.has(key);
  }

  /** Drops the value waiting for `key` (a call under way finishes); its offers resolve. */
  drop(key: string): void {
    const slot = this.slots.get(key);
    if (!slot?.next) return;
    const { settle } = slot.next;
    slot.next = undefined;
    for (const s of settle) s();
  }

  /** Drops every waiting value. */
  dropAll(): void {
    for (const key of this.slots.keys()) this.drop(key);
  }

  /** Resolves once no call is under way or waiting for any key (calls offered meanwhile included). */
  async idle(): Promise<void> {
    while (this.slots.size > 0) await Promise.all([...this.slots.values()].map((s) => s.drained));
  }

  private async drain(key: string, slot: Slot<V>): Promise<void> {
    try {
      while (slot.next) {
        const { value, settle } = slot.next;
        slot.next = undefined;
        try {
          await this.handle(key, value);
        } catch (err) {
          this.onError(key, err);
        }
        for (const s of settle) s();
      }
    } finally {
      this.slots.delete(key);
    }
  }
}

export interface HeldPriceStreamOptions {
  /** The next websocket price for a symbol (`MarketDataSource.watchPrice`). */
  watch: (symbol: string) => Promise<PriceTick>;
  /** Ends the exchange subscription of a symbol no longer watched (`MarketDataSource.unwatchPrice`); optional. */
  unwatch?: (symbol: string) => Promise<void>;
  /**
   * Called with each price, one call per symbol at a time, newest price first in line (see
   * {@link LatestPerKey}); `via` tells a websocket push from a price offered by a REST poll.
   */
  onTick: (tick: PriceTick, via: TickVia) => Promise<void>;
  clock: Clock;
  logger: Logger;
  /** Pause between failed watches (default {@link DEFAULT_BACKOFF}), on `clock`. */
  backoff?: BackoffOptions;
  /** Source of randomness for jitter (default Math.random). */
  random?: () => number;
}

/** Where a price came from: a websocket push, or a REST poll offering it through the same queue. */
export type TickVia = 'push' | 'poll';

interface Loop {
  stopped: boolean;
  cancelPause?: () => void;
}

/**
 * One websocket price loop per held symbol: started and stopped with `sync` as positions open and
 * close, resubscribing with jittered backoff when the socket fails, and ended for good on a symbol
 * the source cannot stream (NOT_SUPPORTED or BAD_SYMBOL for that symbol; every symbol when the
 * source itself streams no price). `pushedSince` tells a REST poll whether the socket has been
 * delivering, so the poll moves stops only when it has not. An ended loop unsubscribes and drops
 * the price it left waiting, so a position reopened later never gets a stale one.
 */
export class HeldPriceStream {
  private readonly loops = new Map<string, Loop>();
  private readonly lastPushMs = new Map<string, number>();
  private readonly ticks: LatestPerKey<{ tick: PriceTick; via: TickVia }>;
  /** Symbols the source cannot stream: not watched again. */
  private readonly unstreamable = new Set<string>();
  /** The source streams no price at all (its own capability check said NOT_SUPPORTED): no loop starts. */
  private sourceStreamsNothing = false;
  private closed = false;

  constructor(private readonly o: HeldPriceStreamOptions) {
    this.ticks = new LatestPerKey<{ tick: PriceTick; via: TickVia }>(
      (_symbol, { tick, via }) => o.onTick(tick, via),
      (symbol, err) => o.logger.warn({ symbol, err: describeError(err) }, 'protection update on a price failed'),
    );
  }

  /** Watches exactly `symbols`: loops start for new ones and stop for the rest. */
  sync(symbols: Iterable<string>): void {
    if (this.closed) return;
    const want = new Set(symbols);
    for (const [symbol, loop] of this.loops) if (!want.has(symbol)) this.end(symbol, loop);
    if (this.sourceStreamsNothing) return;
    for (const symbol of want) {
      if (this.loops.has(symbol) || this.unstreamable.has(symbol)) continue;
      const loop: Loop = { stopped: false };
      this.loops.set(symbol, loop);
      this.run(symbol, loop).catch((err: unknown) => this.o.logger.warn({ symbol, err: describeError(err) }, 'price stream loop failed'));
    }
  }

  /** Symbols with a running loop. */
  watching(): string[] {
    return [...this.loops.keys()];
  }

  /** Whether a push for `symbol` arrived at or after `sinceMs` (on the stream's clock). */
  pushedSince(symbol: string, sinceMs: number): boolean {
    const at = this.lastPushMs.get(symbol);
    return at !== undefined && at >= sinceMs;
  }

  /** Offers a price read elsewhere (a REST poll) through the same one-at-a-time queue as the pushes. */
  offer(tick: PriceTick): Promise<void> {
    return this.ticks.offer(tick.symbol, { tick, via: 'poll' });
  }

  /** Ends every loop and drops every waiting price; a call under way finishes (see {@link idle}). */
  stop(): void {
    this.closed = true;
    for (const [symbol, loop] of this.loops) this.end(symbol, loop);
    this.ticks.dropAll();
  }

  /** Resolves once no price is being handled or waiting (after `stop`, once the call under way has finished). */
  idle(): Promise<void> {
    return this.ticks.idle();
  }

  private end(symbol: string, loop: Loop): void {
    loop.stopped = true;
    loop.cancelPause?.();
    this.loops.delete(symbol);
    this.lastPushMs.delete(symbol);
    this.ticks.drop(symbol);
    this.o.unwatch?.(symbol).catch((err: unknown) => this.o.logger.debug({ symbol, err: describeError(err) }, 'price unsubscribe failed'));
  }

  private async run(symbol: string, loop: Loop): Promise<void> {
    const { clock, logger } = this.o;
    let attempt = 0;
    while (!loop.stopped) {
      let tick: PriceTick;
      try {
        tick = await this.o.watch(symbol);
      } catch (err) {
        if (loop.stopped) return;
        const error = mapCcxtError(err, { exchange: 'price stream', operation: 'watchPrice', symbol });
        if (error.code === ErrorCode.NotSupported || error.code === ErrorCode.BadSymbol) {
          // Only the source's own capability check speaks for every symbol; an exchange refusing one
          // symbol's stream leaves the others streaming.
          if (error.code === ErrorCode.NotSupported && error.details.scope === 'source') this.sourceStreamsNothing = true;
          else this.unstreamable.add(symbol);
          logger.info({ symbol, code: error.code }, 'no websocket prices; stops move on REST marks');
          if (this.loops.get(symbol) === loop) this.loops.delete(symbol);
          return;
        }
        const pauseMs = fullJitterBackoffMs(attempt++, this.o.backoff ?? DEFAULT_BACKOFF, this.o.random ?? Math.random);
        logger.debug({ symbol, code: error.code, pauseMs }, 'price stream failed; resubscribing (REST marks cover meanwhile)');
        await new Promise<void>((resolve) => {
          const cancel = clock.setTimer(pauseMs, resolve);
          loop.cancelPause = () => {
            cancel();
            resolve();
          };
        });
        delete loop.cancelPause;
        continue;
      }
      if (loop.stopped) return;
      attempt = 0;
      this.lastPushMs.set(symbol, clock.nowMs());
      // Not awaited: the next push is awaited at once, and the queue keeps only the newest meanwhile.
      this.ticks.offer(symbol, { tick, via: 'push' }).catch((err: unknown) => logger.warn({ symbol, err: describeError(err) }, 'price push handling failed'));
    }
  }
}
