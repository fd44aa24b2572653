import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as globalRegistry } from 'prom-client';
import { err, ErrorCode, type OrderView, type PositionView, type TradingStatusView } from '@perpscope/shared';
import type { Host, HostEvent } from '../../src/host/index.js';
import { createMetrics, rejectionReasonLabel } from '../../src/server/metrics.js';
import { until } from '../../../test/support/sim.js';
import { liquidRow, placePaperBuy, startApiFixture, type ApiFixture } from './apiHarness.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(?:,|$)/;

/** Values as Prometheus reads them (Go's ParseFloat: `NaN` and `Inf` in any case). */
function parseValue(raw: string, line: string): number {
  if (/^\+?inf$/i.test(raw)) return Infinity;
  if (/^-inf$/i.test(raw)) return -Infinity;
  if (/^nan$/i.test(raw)) return NaN;
  if (!/^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(raw)) throw new Error(`bad sample value in ${JSON.stringify(line)}`);
  return Number(raw);
}

/**
 * A strict reader of the Prometheus text format (0.0.4): every line is HELP, TYPE or a sample, and
 * every sample belongs to a family whose TYPE came before it. Anything else throws.
 */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const help = HELP_LINE.exec(line);
    if (help) continue;
    const type = TYPE_LINE.exec(line);
    if (type) {
      if (types.has(type[1]!)) throw new Error(`TYPE declared twice for ${type[1]}`);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`not a HELP, TYPE or sample line: ${JSON.stringify(line)}`);
    const name = m[1]!;
    const labels: Record<string, string> = {};
    let rest = m[2] ?? '';
    while (rest.length > 0) {
      const l = LABEL.exec(rest);
      if (!l) throw new Error(`bad labels in ${JSON.stringify(line)}`);
      labels[l[1]!] = l[2]!;
      rest = rest.slice(l[0].length);
    }
    const family = [name, name.replace(/_(bucket|sum|count)$/, '')].find((f) => types.has(f));
    if (!family) throw new Error(`sample ${name} has no TYPE before it`);
    if (name.endsWith('_bucket') && labels.le === undefined) throw new Error(`bucket without le: ${line}`);
    samples.push({ name, labels, value: parseValue(m[3]!, line) });
  }
  return { types, samples };
}

/** Sum of the samples named `name` whose labels include `labels`. */
function total(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

let fx: ApiFixture;
beforeAll(async () => {
  fx = await startApiFixture();
}, 120_000);
afterAll(() => fx?.stop());

async function scrape(): Promise<Sample[]> {
  const res = await fx.get('/metrics');
  expect(res.status).toBe(200);
  return parseExposition(await res.text()).samples;
}

describe('/metrics over a running sim host', () => {
  it('requires the token like the API', async () => {
    expect((await fetch(`${fx.server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${fx.server.url}/metrics`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const res = await fx.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('is valid text format, every series prefixed, with process metrics and the health figures', async () => {
    await liquidRow(fx);
    const res = await fx.get('/metrics');
    const { types, samples } = parseExposition(await res.text());
    expect(samples.length).toBeGreaterThan(50);
    expect(samples.filter((s) => !s.name.startsWith('perpscope_')).map((s) => s.name), 'no unprefixed series').toEqual([]);
    for (const name of ['perpscope_process_cpu_user_seconds_total', 'perpscope_process_resident_memory_bytes', 'perpscope_nodejs_eventloop_lag_seconds']) {
      expect(samples.some((s) => s.name === name), `process metric ${name}`).toBe(true);
    }
    expect(types.get('perpscope_scan_cycle_interval_seconds')).toBe('histogram');
    expect(types.get('perpscope_orders_total')).toBe('counter');
    expect(total(samples, 'perpscope_engine_state', { state: 'running' }), 'the engine runs').toBe(1);
    expect(total(samples, 'perpscope_symbols_tracked'), 'the sim universe').toBeGreaterThan(0);
    const exchanges = new Set(samples.filter((s) => s.name === 'perpscope_exchange_breaker_state').map((s) => s.labels.exchange));
    expect(exchanges.size, 'one breaker series set per exchange').toBeGreaterThan(0);
    for (const exchange of exchanges) {
      expect(total(samples, 'perpscope_exchange_breaker_state', { exchange: exchange! }), `${exchange}: exactly one breaker state`).toBe(1);
      expect(total(samples, 'perpscope_exchange_ws_state', { exchange: exchange! }), `${exchange}: exactly one ws state`).toBe(1);
      expect(samples.some((s) => s.name === 'perpscope_exchange_http_429_total' && s.labels.exchange === exchange), `${exchange}: 429 count`).toBe(true);
      expect(total(samples, 'perpscope_exchange_rate_limit_backoff_seconds', { exchange: exchange! }), `${exchange}: backoff`).toBeGreaterThanOrEqual(0);
      for (const name of ['perpscope_exchange_rate_limit_used_ratio', 'perpscope_exchange_requests_last_minute', 'perpscope_exchange_requests_queued', 'perpscope_exchange_latency_seconds']) {
        expect(samples.some((s) => s.name === name && s.labels.exchange === exchange), `${exchange}: ${name}`).toBe(true);
      }
      const used = total(samples, 'perpscope_exchange_rate_limit_used_ratio', { exchange: exchange! });
      expect(used, `${exchange}: the request budget is a share of the fullest window`).toBeGreaterThanOrEqual(0);
      expect(used).toBeLessThanOrEqual(1);
    }
    expect(total(samples, 'perpscope_trading_mode', { mode: 'paper' }), 'paper trading').toBe(1);
  });

  it('counts scan cycles: the cycle histogram grows as the sim ranks', async () => {
    const first = await until('a first cycle interval', async () => {
      const n = total(await scrape(), 'perpscope_scan_cycle_interval_seconds_count');
      return n >= 1 ? n : null;
    });
    const later = await until('another cycle', async () => {
      const samples = await scrape();
      const n = total(samples, 'perpscope_scan_cycle_interval_seconds_count');
      return n > first ? samples : null;
    });
    const count = total(later, 'perpscope_scan_cycle_interval_seconds_count');
    const inf = total(later, 'perpscope_scan_cycle_interval_seconds_bucket', { le: '+Inf' });
    expect(inf, 'the +Inf bucket holds every observation').toBe(count);
    expect(total(later, 'perpscope_scan_cycle_interval_seconds_sum'), 'cycles are apart in market time').toBeGreaterThan(0);
    expect(total(later, 'perpscope_scan_cycles_total'), 'one more cycle than intervals per profile').toBeGreaterThan(count);
    expect(total(later, 'perpscope_ranking_rows'), 'rows ranked').toBeGreaterThan(0);
    expect(total(later, 'perpscope_scan_cycle_duration_seconds_count'), 'every cycle reports how long its ranking took').toBe(total(later, 'perpscope_scan_cycles_total'));
    expect(total(later, 'perpscope_scan_cycle_duration_seconds_sum'), 'ranking takes some wall time').toBeGreaterThan(0);
  });

  it('a paper order raises the order and fill counters and shows an open position with its PnL', async () => {
    const row = await liquidRow(fx);
    const before = await scrape();
    const filledBefore = total(before, 'perpscope_orders_total', { status: 'filled' });
    const fillsBefore = total(before, 'perpscope_fills_total');
    const order = await placePaperBuy(fx, row.symbol);
    expect(order.status).toBe('filled');
    const after = await until('the order and its fill in the counters', async () => {
      const samples = await scrape();
      return total(samples, 'perpscope_orders_total', { status: 'filled' }) > filledBefore && total(samples, 'perpscope_fills_total') > fillsBefore ? samples : null;
    });
    expect(total(after, 'perpscope_fills_total', { side: 'buy' }), 'a buy fill').toBeGreaterThan(total(before, 'perpscope_fills_total', { side: 'buy' }));
    expect(total(after, 'perpscope_open_positions'), 'the position is open').toBeGreaterThanOrEqual(1);
    expect(after.some((s) => s.name === 'perpscope_position_unrealized_pnl_usd' && s.labels.symbol === row.symbol && s.labels.side === 'long'), 'its PnL series').toBe(true);
    expect(total(after, 'perpscope_account_equity_usd'), 'the paper account').toBeGreaterThan(0);
    expect(total(after, 'perpscope_events_total', { event: 'fill' }), 'fill events seen').toBeGreaterThan(0);
  });

  it('lives on its own registry, not the process-global one', async () => {
    expect(await globalRegistry.metrics()).not.toContain('perpscope_');
  });
});

describe('metrics from events', () => {
  function eventHost() {
    const listeners = new Set<(e: HostEvent) => void>();
    const host: Pick<Host, 'onEvent' | 'call'> = {
      onEvent(fn) {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
      // Neither health nor trading is wired: state gauges stay unset, event counters still count.
      call: (() => Promise.resolve(err(ErrorCode.NotSupported, 'not wired'))) as Host['call'],
    };
    return { host, listeners, emit: (e: HostEvent) => listeners.forEach((fn) => fn(e)) };
  }
  const order = (id: string, status: OrderView['status'], reason: string | null = null): HostEvent => ({
    event: 'order',
    data: { id, clientOrderId: id, symbol: 'BTC/USDT:USDT', side: 'buy', type: 'limit', status, amountBase: 1, filledBase: 0, price: 1, avgFillPrice: null, reduceOnly: false, createdAtMs: 1, updatedAtMs: 1, reason },
  });

  it('counts each order transition once and rejections by classified reason', async () => {
    const { host, listeners, emit } = eventHost();
    const metrics = createMetrics({ host, processMetrics: false });
    emit(order('a', 'pending'));
    emit(order('a', 'open'));
    emit(order('a', 'open'));
    emit(order('b', 'rejected', 'trigger 101 already crossed (last 100)'));
    emit(order('b', 'rejected', 'trigger 101 already crossed (last 100)'));
    emit(order('c', 'rejected', 'something the venue said'));
    const { samples } = parseExposition(await metrics.scrape());
    expect(total(samples, 'perpscope_orders_total', { status: 'open' }), 'a repeated state counts once').toBe(1);
    expect(total(samples, 'perpscope_orders_total', { status: 'rejected' })).toBe(2);
    expect(total(samples, 'perpscope_order_rejections_total', { reason: 'trigger_crossed' })).toBe(1);
    expect(total(samples, 'perpscope_order_rejections_total', { reason: 'other' }), 'free text never becomes a label').toBe(1);
    expect(samples.some((s) => s.name === 'perpscope_open_positions'), 'no trading: no position gauge').toBe(false);
    metrics.close();
    expect(listeners.size, 'close unsubscribes').toBe(0);
  });

  it('reads a live status at most once per interval, follows position events in between, and asks a host without trading once', async () => {
    const { host: base, emit } = eventHost();
    const statusCalls: number[] = [];
    let clockMs = 1_000_000;
    let mode: 'paper' | 'live' = 'live';
    const position = (symbol: string, status: 'open' | 'closed', unrealizedPnlUsd: number): PositionView => ({
      symbol, side: 'long', status, sizeBase: 1, entryPrice: 100, markPrice: 101, liquidationPrice: null, leverage: 2, unrealizedPnlUsd, realizedPnlUsd: 0, stopLossPrice: null, takeProfitPrice: null, openedAtMs: 1, updatedAtMs: 1,
    });
    const status = (): TradingStatusView => ({
      mode, exchange: 'blofin', liveAccount: mode === 'live' ? { exchange: 'blofin', label: 'main' } : null, autotrade: false,
      killSwitch: { active: false, reason: null, sinceMs: null }, account: { currency: 'USDT', equityUsd: 1000, balanceUsd: 1000, unrealizedPnlUsd: 5, realizedPnlUsd: 0, dailyPnlUsd: null },
      positions: [position('BTC/USDT:USDT', 'open', 5)], orders: [],
    });
    const host: Pick<Host, 'onEvent' | 'call'> = {
      onEvent: base.onEvent,
      call: ((method: string) => {
        if (method !== 'trading.status') return base.call('health.get');
        statusCalls.push(clockMs);
        return Promise.resolve({ ok: true, value: status() });
      }) as Host['call'],
    };
    const metrics = createMetrics({ host, processMetrics: false, liveStatusIntervalMs: 60_000, nowMs: () => clockMs });
    const read = async () => parseExposition(await metrics.scrape()).samples;

    expect(total(await read(), 'perpscope_open_positions')).toBe(1);
    for (let i = 0; i < 5; i++) {
      clockMs += 10_000;
      await read();
    }
    expect(statusCalls.length, 'five scrapes within the interval read no live status (no private exchange call)').toBe(1);
    emit({ event: 'position', data: position('ETH/USDT:USDT', 'open', -2) });
    emit({ event: 'position', data: position('BTC/USDT:USDT', 'closed', 0) });
    emit({ event: 'alert', data: { id: 'k', level: 'warn', kind: 'kill_switch', message: 'Kill switch on', symbol: null, atMs: 1 } });
    const followed = await read();
    expect(total(followed, 'perpscope_open_positions'), 'events keep the last read current').toBe(1);
    expect(total(followed, 'perpscope_unrealized_pnl_usd')).toBe(-2);
    expect(total(followed, 'perpscope_kill_switch_active')).toBe(1);
    expect(statusCalls.length).toBe(1);
    clockMs += 20_000;
    await read();
    expect(statusCalls.length, 'read again once the interval has passed').toBe(2);

    mode = 'paper';
    emit({ event: 'alert', data: { id: 'd', level: 'warn', kind: 'live_disarmed', message: 'disarmed', symbol: null, atMs: 2 } });
    await read();
    await read();
    expect(statusCalls.length, 'disarmed: read at once, then at every scrape on paper (local reads)').toBe(4);
    metrics.close();

    const { host: scanHost } = eventHost();
    let scanCalls = 0;
    const counting: Pick<Host, 'onEvent' | 'call'> = {
      onEvent: scanHost.onEvent,
      call: ((method: string) => {
        if (method === 'trading.status') scanCalls++;
        return scanHost.call('health.get');
      }) as Host['call'],
    };
    const scan = createMetrics({ host: counting, processMetrics: false });
    for (let i = 0; i < 3; i++) await scan.scrape();
    expect(scanCalls, 'no trader: asked once, not at every scrape').toBe(1);
    scan.close();
  });

  it('classifies rejection texts into a small label set', () => {
    expect(rejectionReasonLabel(null)).toBe('unknown');
    expect(rejectionReasonLabel('no order book for X yet')).toBe('no_book');
    expect(rejectionReasonLabel('not sent within 60000 ms; abandoned at restart')).toBe('stale_intent');
    expect(rejectionReasonLabel('Insufficient margin')).toBe('insufficient_funds');
  });
});
