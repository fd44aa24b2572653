import { ErrorCode, type HealthView, type OrderView, type PositionView, type TradingStatusView } from '@perpscope/shared';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createCycleTracker } from '../host/cycleLog.js';
import type { Host } from '../host/index.js';

/** Every series starts with this. */
export const METRIC_PREFIX = 'perpscope_';

/** Orders whose last status is remembered so each transition counts once; the oldest are forgotten beyond it. */
const MAX_TRACKED_ORDERS = 10_000;

/** Default wall-time gap between two reads of a live session's status (balance and positions on the exchange). */
export const LIVE_STATUS_INTERVAL_MS = 60_000;

/** Order states that still work on the book, as `trading.status` lists them. */
const WORKING_ORDER: ReadonlySet<OrderView['status']> = new Set(['pending', 'open', 'partially_filled']);

/** Wall-clock compute time of one ranking cycle: milliseconds for a small universe, seconds for thousands of symbols. */
const CYCLE_DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Market-time gaps between ranking cycles, in seconds: from a fast sim up to an hourly scan. */
const CYCLE_INTERVAL_BUCKETS_S = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/**
 * Rejection texts come from brokers and exchanges; a label must be a small fixed set, so the text
 * is classified and never copied.
 */
const REJECTION_REASONS: readonly (readonly [RegExp, string])[] = [
  [/already crossed/i, 'trigger_crossed'],
  [/no order book/i, 'no_book'],
  [/abandoned at restart|not sent within/i, 'stale_intent'],
  [/insufficient|margin/i, 'insufficient_funds'],
  [/reduce[- ]?only/i, 'reduce_only'],
  [/rate limit|\b429\b/i, 'rate_limited'],
  [/authenticat|api key|signature|permission/i, 'authentication'],
  [/kill switch/i, 'kill_switch'],
  [/risk/i, 'risk'],
];

/** A bounded label for an order's rejection text. */
export function rejectionReasonLabel(reason: string | null): string {
  if (reason === null || reason.trim() === '') return 'unknown';
  for (const [pattern, label] of REJECTION_REASONS) if (pattern.test(reason)) return label;
  return 'other';
}

/** Alert kinds are code-defined identifiers; anything else is folded into `other` to bound the label. */
function kindLabel(kind: string): string {
  return /^[a-z0-9_.:-]{1,64}$/i.test(kind) ? kind : 'other';
}

export interface MetricsOptions {
  host: Pick<Host, 'onEvent' | 'call'>;
  /** Also export the process metrics (CPU, memory, event loop, GC) with the prefix. */
  processMetrics?: boolean;
  /**
   * While the session is live, `trading.status` (private exchange reads) runs at most this often,
   * whatever the scrape rate; between reads, position, order and kill-switch events keep the last
   * one current. Default {@link LIVE_STATUS_INTERVAL_MS}. A paper status is local and read at
   * every scrape.
   */
  liveStatusIntervalMs?: number;
  /** Wall clock for that interval, ms (default `Date.now`). */
  nowMs?: () => number;
}

export interface PerpscopeMetrics {
  contentType: string;
  /** Reads host state (health, trading status) into the gauges, then renders the text format. */
  scrape(): Promise<string>;
  /** Stops listening to host events. */
  close(): void;
}

/**
 * Prometheus metrics of a running host. Counters and the cycle histogram follow host events as they
 * happen; gauges of host state are read from `health.get` at each scrape, and from `trading.status`
 * at each scrape on paper. Live, a scrape must not drive the exchange's private API (each failure
 * there counts toward the broker's error burst, which halts entries), so the live status is read at
 * most every `liveStatusIntervalMs` and followed by events in between. A host without trading (scan
 * mode) is asked once.
 *
 * @example
 * const metrics = createMetrics({ host });
 * app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.scrape()));
 */
export function createMetrics(options: MetricsOptions): PerpscopeMetrics {
  const host = options.host;
  // Private registries, never the process-global default one. The state gauges sit in their own so
  // a scrape leaves them out when the host cannot answer (no trading in scan mode): an unlabeled
  // gauge would otherwise read 0 and claim, say, no open positions.
  const registry = new Registry();
  const healthRegistry = new Registry();
  const tradingRegistry = new Registry();
  const registers = [registry];
  const p = METRIC_PREFIX;
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: p });

  const events = new Counter({ name: `${p}events_total`, help: 'Host events pushed, by event name', labelNames: ['event'], registers });
  const cycles = new Counter({ name: `${p}scan_cycles_total`, help: 'Ranking (scan) cycles finished, by profile', labelNames: ['profile'], registers });
  const cycleInterval = new Histogram({
    name: `${p}scan_cycle_interval_seconds`,
    help: 'Market time between consecutive scan cycles of a profile, in seconds (sim time on the sim)',
    labelNames: ['profile'],
    buckets: CYCLE_INTERVAL_BUCKETS_S,
    registers,
  });
  const cycleDuration = new Histogram({
    name: `${p}scan_cycle_duration_seconds`,
    help: 'Wall-clock time one scan cycle took to rank the universe, in seconds',
    labelNames: ['profile'],
    buckets: CYCLE_DURATION_BUCKETS_S,
    registers,
  });
  const rankingRows = new Gauge({ name: `${p}ranking_rows`, help: 'Symbols ranked in the latest cycle, by profile', labelNames: ['profile'], registers });
  const lastCycle = new Gauge({ name: `${p}ranking_last_cycle_timestamp_seconds`, help: 'Market time of the latest scan cycle, Unix seconds', labelNames: ['profile'], registers });
  const signals = new Counter({ name: `${p}signals_total`, help: 'Selected signals emitted, by side', labelNames: ['side'], registers });
  const orders = new Counter({ name: `${p}orders_total`, help: 'Orders reaching each status (every transition counted once per order)', labelNames: ['status'], registers });
  const rejections = new Counter({ name: `${p}order_rejections_total`, help: 'Orders rejected, by classified reason', labelNames: ['reason'], registers });
  const fills = new Counter({ name: `${p}fills_total`, help: 'Fills, by side and liquidity', labelNames: ['side', 'liquidity'], registers });
  const fillFees = new Counter({ name: `${p}fill_fees_usd_total`, help: 'Fees paid on fills, USD', registers });
  const alerts = new Counter({ name: `${p}alerts_total`, help: 'Alerts raised, by kind and level', labelNames: ['kind', 'level'], registers });

  const engineState = new Gauge({ name: `${p}engine_state`, help: '1 for the engine\'s current state', labelNames: ['state'], registers: [healthRegistry] });
  const symbolsTracked = new Gauge({ name: `${p}symbols_tracked`, help: 'Symbols the market data follows', registers: [healthRegistry] });
  const symbolsStale = new Gauge({ name: `${p}symbols_stale`, help: 'Followed symbols whose data is stale', registers: [healthRegistry] });
  const latency = new Gauge({ name: `${p}exchange_latency_seconds`, help: 'Latest exchange tick/request latency, seconds', labelNames: ['exchange'], registers: [healthRegistry] });
  const http429 = new Counter({ name: `${p}exchange_http_429_total`, help: 'HTTP 429 (rate limited) responses from the exchange since start', labelNames: ['exchange'], registers: [healthRegistry] });
  const budgetUsed = new Gauge({ name: `${p}exchange_rate_limit_used_ratio`, help: 'Share (0-1) of the fullest rate-limit window in use: the request budget spent', labelNames: ['exchange'], registers: [healthRegistry] });
  const requestsLastMinute = new Gauge({ name: `${p}exchange_requests_last_minute`, help: 'Requests sent to the exchange in the last 60 s', labelNames: ['exchange'], registers: [healthRegistry] });
  const requestsQueued = new Gauge({ name: `${p}exchange_requests_queued`, help: 'Requests waiting for rate-limit budget', labelNames: ['exchange'], registers: [healthRegistry] });
  const backoff = new Gauge({ name: `${p}exchange_rate_limit_backoff_seconds`, help: 'Seconds left in the exchange\'s rate-limit backoff window (0: requests flow)', labelNames: ['exchange'], registers: [healthRegistry] });
  const breaker = new Gauge({ name: `${p}exchange_breaker_state`, help: '1 for the circuit breaker\'s current state', labelNames: ['exchange', 'state'], registers: [healthRegistry] });
  const wsState = new Gauge({ name: `${p}exchange_ws_state`, help: '1 for the market-data websocket\'s current state', labelNames: ['exchange', 'state'], registers: [healthRegistry] });
  const staleness = new Gauge({ name: `${p}exchange_staleness_seconds`, help: 'Seconds since the exchange\'s last market-data update', labelNames: ['exchange'], registers: [healthRegistry] });

  const openPositions = new Gauge({ name: `${p}open_positions`, help: 'Open positions', registers: [tradingRegistry] });
  const unrealized = new Gauge({ name: `${p}unrealized_pnl_usd`, help: 'Unrealized PnL over open positions, USD', registers: [tradingRegistry] });
  const positionPnl = new Gauge({ name: `${p}position_unrealized_pnl_usd`, help: 'Unrealized PnL of one open position, USD', labelNames: ['symbol', 'side'], registers: [tradingRegistry] });
  const equity = new Gauge({ name: `${p}account_equity_usd`, help: 'Account equity, USD', registers: [tradingRegistry] });
  const openOrders = new Gauge({ name: `${p}open_orders`, help: 'Working (open) orders', registers: [tradingRegistry] });
  const killSwitch = new Gauge({ name: `${p}kill_switch_active`, help: '1 while the kill switch is on', registers: [tradingRegistry] });
  const autotrade = new Gauge({ name: `${p}autotrade_enabled`, help: '1 while the auto-trader is on', registers: [tradingRegistry] });
  const tradingMode = new Gauge({ name: `${p}trading_mode`, help: '1 for the current trading mode', labelNames: ['mode'], registers: [tradingRegistry] });

  const nowMs = options.nowMs ?? Date.now;
  const liveIntervalMs = options.liveStatusIntervalMs ?? LIVE_STATUS_INTERVAL_MS;
  /** The last trading status read, kept current by events while live. */
  let trading: TradingStatusView | null = null;
  let tradingReadAtMs = Number.NEGATIVE_INFINITY;
  let tradingWired = true;

  const trackCycle = createCycleTracker();
  const orderStatus = new Map<string, string>();
  const noteOrder = (id: string, status: string, reason: string | null) => {
    if (orderStatus.get(id) === status) return;
    orders.inc({ status });
    if (status === 'rejected') rejections.inc({ reason: rejectionReasonLabel(reason) });
    // Finished orders are remembered too: an order event can repeat its last state.
    orderStatus.set(id, status);
    if (orderStatus.size > MAX_TRACKED_ORDERS) orderStatus.delete(orderStatus.keys().next().value!);
  };

  const unsubscribe = host.onEvent((event) => {
    events.inc({ event: event.event });
    switch (event.event) {
      case 'ranking': {
        const cycle = trackCycle(event.data);
        if (!cycle) return;
        cycles.inc({ profile: cycle.profile });
        if (cycle.cycleIntervalMs !== null) cycleInterval.observe({ profile: cycle.profile }, cycle.cycleIntervalMs / 1000);
        if (cycle.computeMs !== null) cycleDuration.observe({ profile: cycle.profile }, cycle.computeMs / 1000);
        rankingRows.set({ profile: cycle.profile }, cycle.symbolsScanned);
        lastCycle.set({ profile: cycle.profile }, cycle.asOfMs / 1000);
        return;
      }
      case 'signal':
        signals.inc({ side: event.data.side });
        return;
      case 'order':
        noteOrder(event.data.id, event.data.status, event.data.reason);
        if (trading) trading = { ...trading, orders: withOrder(trading.orders, event.data) };
        return;
      case 'position':
        if (trading) trading = { ...trading, positions: withPosition(trading.positions, event.data) };
        return;
      case 'fill':
        fills.inc({ side: event.data.side, liquidity: event.data.liquidity });
        if (event.data.feeUsd > 0) fillFees.inc(event.data.feeUsd);
        return;
      case 'alert':
        alerts.inc({ kind: kindLabel(event.data.kind), level: event.data.level });
        if (trading && event.data.kind === 'kill_switch') trading = { ...trading, killSwitch: { ...trading.killSwitch, active: event.data.level !== 'info' } };
        // Armed or disarmed: the next scrape reads the new session's status (once, if live).
        if (event.data.kind === 'live_armed' || event.data.kind === 'live_disarmed') tradingReadAtMs = Number.NEGATIVE_INFINITY;
        return;
      default:
        return;
    }
  });

  function readHealth(h: HealthView): void {
    engineState.reset();
    for (const s of ['starting', 'running', 'stopping', 'stopped'] as const) engineState.set({ state: s }, h.engine === s ? 1 : 0);
    symbolsTracked.set(h.symbolsTracked);
    symbolsStale.set(h.symbolsStale);
    for (const g of [latency, backoff, breaker, wsState, staleness, budgetUsed, requestsLastMinute, requestsQueued]) g.reset();
    http429.reset();
    for (const x of h.exchanges) {
      const exchange = x.exchange;
      if (x.latencyMs !== null) latency.set({ exchange }, x.latencyMs / 1000);
      http429.inc({ exchange }, x.rateLimited429);
      backoff.set({ exchange }, x.backoffUntilMs === null ? 0 : Math.max(0, x.backoffUntilMs - h.asOfMs) / 1000);
      if (x.rateLimit) {
        budgetUsed.set({ exchange }, x.rateLimit.usedRatio);
        requestsLastMinute.set({ exchange }, x.rateLimit.requestsLastMinute);
        requestsQueued.set({ exchange }, x.rateLimit.queued);
      }
      for (const s of ['closed', 'open', 'half_open'] as const) breaker.set({ exchange, state: s }, x.breaker === s ? 1 : 0);
      for (const s of ['connected', 'connecting', 'disconnected', 'stale', 'polling'] as const) wsState.set({ exchange, state: s }, x.wsState === s ? 1 : 0);
      if (x.lastUpdateMs !== null) staleness.set({ exchange }, Math.max(0, h.asOfMs - x.lastUpdateMs) / 1000);
    }
  }

  function readTrading(t: TradingStatusView): void {
    const open = t.positions.filter((x) => x.status === 'open');
    openPositions.set(open.length);
    unrealized.set(open.reduce((sum, x) => sum + x.unrealizedPnlUsd, 0));
    positionPnl.reset();
    for (const x of open) positionPnl.set({ symbol: x.symbol, side: x.side }, x.unrealizedPnlUsd);
    if (t.account) equity.set(t.account.equityUsd);
    openOrders.set(t.orders.length);
    killSwitch.set(t.killSwitch.active ? 1 : 0);
    autotrade.set(t.autotrade ? 1 : 0);
    tradingMode.reset();
    for (const m of ['paper', 'live'] as const) tradingMode.set({ mode: m }, t.mode === m ? 1 : 0);
  }

  /** The trading status to export now, or null when the host has none to give. */
  async function tradingState(): Promise<TradingStatusView | null> {
    if (!tradingWired) return null;
    const live = trading?.mode === 'live';
    if (live && nowMs() - tradingReadAtMs < liveIntervalMs) return trading;
    // Stamped before the read: concurrent scrapes share it, and a failed live read waits too.
    tradingReadAtMs = nowMs();
    const res = await host.call('trading.status');
    if (res.ok) {
      trading = res.value;
      return trading;
    }
    // No trader (scan mode) does not come back: asking at every scrape would only log failures.
    if (res.error.code === ErrorCode.NotSupported) tradingWired = false;
    return live ? trading : null;
  }

  return {
    contentType: registry.contentType,
    async scrape() {
      const [health, status] = await Promise.all([host.call('health.get'), tradingState()]);
      const parts = [registry];
      if (health.ok) {
        readHealth(health.value);
        parts.push(healthRegistry);
      }
      if (status) {
        readTrading(status);
        parts.push(tradingRegistry);
      }
      return Registry.merge(parts).metrics();
    },
    close: () => {
      unsubscribe();
    },
  };
}

/** `orders` (the working ones) after `order`'s event: kept, replaced or dropped by its state. */
function withOrder(orders: readonly OrderView[], order: OrderView): OrderView[] {
  const others = orders.filter((x) => x.id !== order.id);
  return WORKING_ORDER.has(order.status) ? [...others, order] : others;
}

/** `positions` after `position`'s event: a closed one is dropped. */
function withPosition(positions: readonly PositionView[], position: PositionView): PositionView[] {
  const others = positions.filter((x) => x.symbol !== position.symbol);
  return position.status === 'open' ? [...others, position] : others;
}
