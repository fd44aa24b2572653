import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  liveConfirmPhrase,
  type BacktestProgressView,
  type OrderView,
  type RankingRowView,
  type RankingSnapshotView,
  type SignalView,
  type SymbolDetailView,
  type TradingStatusView,
} from '@perpscope/shared';
import { openStore } from '@perpscope/sdk';
import { createMarketGenerator } from '@perpscope/sdk/sim';
import { createMcpServer } from '../../src/mcp/index.js';
import { hostEngineFactory, SIM_API_KEY, type Host } from '../../src/host/index.js';
import { startSimHost, stopSimHost, type RunningHost } from '../host/hostHarness.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';
import { callTool, connectClient } from './mcpClient.js';
import { memorySecrets } from '../support/fakes.js';

const H = 3_600_000;
const TOOLS = ['rankings', 'explain_symbol', 'signals', 'positions', 'place_paper_order', 'close_position', 'backtest_summary'];

/** Seeded 1h candles for three generated symbols in a recorded layout (`<SYM>USDT_1h.csv`). */
function writeDataset(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  const gen = createMarketGenerator({ seed: 3, symbols: 3, startTimeMs: SIM_START_MS });
  const symbols: string[] = [];
  for (const m of gen.markets()) {
    const rows = gen.candles(m.symbol, '1h', SIM_START_MS - 400 * H, SIM_START_MS).map((c) => `${stamp(c.openTimeMs)},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
    writeFileSync(join(dir, `${m.symbol.split('/')[0]!}USDT_1h.csv`), `time,open,high,low,close,volume\n${rows.join('\n')}\n`);
    symbols.push(m.symbol);
  }
  return symbols;
}

describe('perpscope MCP server over a sim host (real client, in-memory transport)', () => {
  const root = mkdtempSync(join(tmpdir(), 'perpscope-mcp-'));
  const home = join(root, 'home');
  const dataset = join(root, 'data', 'gen-1h');
  mkdirSync(home, { recursive: true });
  const datasetSymbols = writeDataset(dataset);
  writeFileSync(
    join(home, 'config.json'),
    JSON.stringify({
      sim: { symbols: 12, seed: 4, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS },
      timeframes: ['1m'],
      backfillBars: 60,
      universe: { minQuoteVolumeUsd: 0 },
      backtest: { dataDirs: [join(root, 'data')] },
    }),
  );
  const secrets = memorySecrets();
  let running: RunningHost;
  let host: Host;
  let client: Client;

  beforeAll(async () => {
    running = await startSimHost(hostEngineFactory({ openStore, env: {}, orderFlowIntervalMs: 60_000 }), home, secrets);
    host = running.host;
    client = await connectClient(createMcpServer({ host, config: { mcp: { allowLiveOrders: false } } }));
    // Listing caches the output schemas, so every later call's structuredContent is checked against them.
    await client.listTools();
  });
  afterAll(async () => {
    await client?.close();
    if (running) await stopSimHost(running).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  /** The most liquid ranked symbol with a price, once the first ranking cycle has finished. */
  async function liquidRow(): Promise<RankingRowView> {
    return until('a ranked liquid symbol', async () => {
      const r = await callTool<RankingSnapshotView>(client, 'rankings', { sortBy: 'quoteVolume24hUsd', limit: 1 });
      const row = r.structured.rows?.[0];
      return !r.isError && row && row.lastPrice !== null ? row : null;
    });
  }

  it('lists every tool with a JSON Schema of its arguments taken from the RPC contract', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
    const order = tools.find((t) => t.name === 'place_paper_order')!;
    expect(order.inputSchema.required, 'the ticket fields the contract requires').toEqual(expect.arrayContaining(['symbol', 'side', 'type']));
    expect(order.inputSchema.properties?.side, 'enum and description reach the client').toMatchObject({ enum: ['buy', 'sell'], description: expect.stringContaining('buy') });
    expect(order.inputSchema.additionalProperties, 'no extra fields are advertised').toBe(false);
    expect(order.annotations?.readOnlyHint).toBe(false);
    expect(order.annotations?.destructiveHint, 'clients that confirm such calls ask first').toBe(true);
    const rankings = tools.find((t) => t.name === 'rankings')!;
    expect(rankings.inputSchema.properties?.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 5000 });
    expect(rankings.annotations?.readOnlyHint).toBe(true);
    expect(tools.every((t) => t.outputSchema?.type === 'object'), 'every tool declares its structured output').toBe(true);
  });

  it('rankings answers the host ranking once a cycle has finished, with a summary naming the rows', async () => {
    const ranked = await until('the first ranking', async () => {
      const r = await callTool<RankingSnapshotView>(client, 'rankings', { limit: 5 });
      return !r.isError && r.structured.asOfMs !== null ? r : null;
    });
    expect(ranked.structured.rows.length).toBeGreaterThan(0);
    expect(ranked.structured.rows.length).toBeLessThanOrEqual(5);
    expect(ranked.structured.rows.map((r) => r.rank), 'rows in rank order').toEqual(ranked.structured.rows.map((_, i) => i + 1));
    expect(ranked.structured.total).toBeGreaterThanOrEqual(ranked.structured.rows.length);
    expect(ranked.text).toContain(`Ranking "${ranked.structured.profile}"`);
    expect(ranked.text, 'the top row is in the text').toContain(`1. ${ranked.structured.rows[0]!.symbol}`);

    const searched = await callTool<RankingSnapshotView>(client, 'rankings', { search: ranked.structured.rows[0]!.symbol.split('/')[0], limit: 3 });
    expect(searched.structured.rows.every((r) => r.symbol.includes(ranked.structured.rows[0]!.symbol.split('/')[0]!))).toBe(true);
  });

  it('explain_symbol gives the metrics, manipulation score and flags with evidence, signals and ranking of one symbol', async () => {
    const row = await liquidRow();
    const r = await callTool<SymbolDetailView & { symbol: string }>(client, 'explain_symbol', { symbol: row.symbol });
    expect(r.isError, r.text).toBe(false);
    expect(r.structured.symbol).toBe(row.symbol);
    expect(r.structured.market.symbol).toBe(row.symbol);
    expect(r.structured.ranking?.symbol, 'its ranking row').toBe(row.symbol);
    expect(r.structured.manipulation, 'the score the ranking computed').not.toBeNull();
    expect(r.structured.manipulation!.flags, 'flags match the ranking row').toEqual(r.structured.ranking!.flags);
    expect('orderBook' in r.structured, 'the book is left out').toBe(false);
    expect(Array.isArray(r.structured.signals)).toBe(true);
    expect(r.text).toMatch(new RegExp(`^${row.symbol.replace(/[/.]/g, '\\$&')}: last`));
    expect(r.text).toContain('Manipulation score');
    for (const f of r.structured.manipulation!.flags) expect(r.text, 'each flag is explained').toContain(f.name);
  });

  it('signals lists the host signal feed, newest first, filtered by symbol', async () => {
    const all = await until('a signal from the engine', async () => {
      const r = await callTool<{ signals: SignalView[] }>(client, 'signals', { limit: 50 });
      return !r.isError && r.structured.signals.length > 0 ? r : null;
    });
    // Read after the tool: the feed only grows, so everything the tool returned is in it.
    const direct = await host.call('signals.list', { limit: 1000 });
    const hostIds = new Set(direct.ok ? direct.value.signals.map((s) => s.id) : []);
    expect(all.structured.signals.every((s) => hostIds.has(s.id)), 'the tool returns the host feed').toBe(true);
    const times = all.structured.signals.map((s) => s.createdAtMs);
    expect(times, 'newest first').toEqual([...times].sort((a, b) => b - a));
    expect(all.text).toMatch(/^\d+ signal\(s\), newest first:/);
    expect(all.text).toContain(all.structured.signals[0]!.symbol);

    const symbol = all.structured.signals[0]!.symbol;
    const one = await callTool<{ signals: SignalView[] }>(client, 'signals', { symbol });
    expect(one.structured.signals.length).toBeGreaterThan(0);
    expect(one.structured.signals.every((s) => s.symbol === symbol)).toBe(true);
  });

  it('places a paper order through the host (RiskPolicy, ledger), sees it in positions and history, and closes it', async () => {
    const row = await liquidRow();
    const placed = await callTool<{ mode: string; order: OrderView }>(client, 'place_paper_order', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 60 });
    expect(placed.isError, placed.text).toBe(false);
    expect(placed.structured.mode).toBe('paper');
    expect(placed.structured.order).toMatchObject({ symbol: row.symbol, side: 'buy', type: 'market' });
    expect(placed.text).toMatch(/^PAPER order buy market/);

    const held = await until('the paper position in positions', async () => {
      const s = await callTool<TradingStatusView>(client, 'positions');
      return s.structured.positions?.some((p) => p.symbol === row.symbol && p.side === 'long') ? s : null;
    });
    expect(held.structured.mode).toBe('paper');
    expect(held.text).toContain(row.symbol);
    const history = await host.call('orders.history', {});
    expect(history.ok && history.value.orders.some((o) => o.id === placed.structured.order.id), 'the ledger holds the MCP order').toBe(true);

    const closed = await callTool<{ mode: string; order: OrderView }>(client, 'close_position', { symbol: row.symbol });
    expect(closed.isError, closed.text).toBe(false);
    expect(closed.structured.order).toMatchObject({ symbol: row.symbol, side: 'sell', reduceOnly: true });
    await until('the position gone', async () => {
      const s = await callTool<TradingStatusView>(client, 'positions');
      return s.structured.positions?.some((p) => p.symbol === row.symbol) ? null : true;
    });
  });

  it('answers bad input with isError, the INVALID_INPUT code and the field, value and expectation; it never throws', async () => {
    const ticket = await callTool(client, 'place_paper_order', { symbol: 'BTCUSDT', side: 'hold', type: 'market', notionalUsd: 10 });
    expect(ticket.isError).toBe(true);
    expect(ticket.text).toMatch(/^INVALID_INPUT: Invalid params for place_paper_order/);
    expect(ticket.text).toContain('symbol: got "BTCUSDT", expected a ccxt unified perp symbol such as BTC/USDT:USDT');
    expect(ticket.text).toMatch(/side: got "hold", expected one of "buy", "sell"/);

    const sizing = await callTool(client, 'place_paper_order', { symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', amountBase: 1, notionalUsd: 10 });
    expect(sizing.text, 'the contract refinement applies too').toContain('exactly one of amountBase or notionalUsd');

    const limit = await callTool(client, 'rankings', { limit: 0 });
    expect(limit.isError).toBe(true);
    expect(limit.text).toContain('limit: got 0');
    const extra = await callTool(client, 'rankings', { limit: 5, offset: 3 });
    expect(extra.isError, 'a field this tool does not take').toBe(true);
    expect(extra.text).toContain('offset: got an unknown field');
    const type = await callTool(client, 'signals', { limit: 'ten' });
    expect(type.text).toContain('limit: got "ten", expected a number');

    const unknown = await callTool(client, 'explain_symbol', { symbol: 'NOPE/USDT:USDT' });
    expect(unknown.isError, unknown.text).toBe(true);
    expect(unknown.text, 'the engine\'s own error, passed through').toMatch(/^UNKNOWN_SYMBOL: NOPE\/USDT:USDT is not in the scanned universe/);
    expect((await callTool<TradingStatusView>(client, 'positions')).isError, 'the server still answers').toBe(false);
  });

  it('backtest_summary gives the metrics of the latest stored run, or of a run by id', async () => {
    const empty = await callTool<{ run: unknown }>(client, 'backtest_summary');
    expect(empty.isError, empty.text).toBe(false);
    expect(empty.structured.run).toBeNull();
    expect(empty.text).toMatch(/No backtest run is stored yet/);

    let runId: string | null = null;
    const done = new Promise<BacktestProgressView>((resolve) => {
      const off = host.onEvent((e) => {
        if (e.event !== 'backtest.progress' || e.data.runId !== runId || e.data.status === 'running') return;
        off();
        resolve(e.data);
      });
    });
    const started = await host.call('backtest.start', { dataset, timeframe: '1h', symbols: datasetSymbols, fromMs: SIM_START_MS - 250 * H, toMs: SIM_START_MS - H, edgeGate: false });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    runId = started.ok ? started.value.runId : null;
    const final = await done;
    expect(final.status, final.error?.message).toBe('completed');

    const latest = await callTool<{ run: { id: string; trades: number; metrics: { totalReturnPct: number | null }; byStrategy: object } }>(client, 'backtest_summary');
    expect(latest.isError, latest.text).toBe(false);
    const stored = await host.call('backtest.get', { id: runId! });
    if (!stored.ok) throw new Error(stored.error.message);
    expect(latest.structured.run.id).toBe(runId);
    expect(latest.structured.run.metrics).toEqual(stored.value.metrics);
    expect(latest.structured.run.trades, 'the trade count, not the list').toBe(stored.value.trades.length);
    expect(latest.structured.run.byStrategy).toEqual(stored.value.byStrategy);
    expect('equity' in latest.structured.run, 'per-bar series are left out').toBe(false);
    expect(latest.text).toContain(`Backtest ${runId}`);

    const byId = await callTool<{ run: { id: string } }>(client, 'backtest_summary', { id: runId });
    expect(byId.structured.run.id).toBe(runId);
    const missing = await callTool(client, 'backtest_summary', { id: 'no-such-run' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('no-such-run');
  });

  it('refuses orders in a live session unless mcp.allowLiveOrders, and then sends them through the same path', async () => {
    await secrets.set({ exchange: 'blofin', label: 'main' }, { ...SIM_API_KEY });
    const armed = await host.call('trading.armLive', { exchange: 'blofin', label: 'main', confirm: liveConfirmPhrase('blofin', 'main') });
    expect(armed.ok && armed.value.mode, JSON.stringify(armed)).toBe('live');
    const row = await liquidRow();
    try {
      const refused = await callTool(client, 'place_paper_order', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 60 });
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/^PERMISSION_DENIED: place_paper_order refused: the trading session is LIVE \(blofin:main\)/);
      expect(refused.text).toContain('"field":"mcp.allowLiveOrders"');
      const closeRefused = await callTool(client, 'close_position', { symbol: row.symbol });
      expect(closeRefused.text).toMatch(/^PERMISSION_DENIED: close_position refused/);
      const status = await callTool<TradingStatusView>(client, 'positions');
      expect(status.structured.mode, 'reading stays allowed').toBe('live');
      expect(status.structured.positions.some((p) => p.symbol === row.symbol), 'nothing reached the exchange').toBe(false);

      const allowed = await connectClient(createMcpServer({ host, config: { mcp: { allowLiveOrders: true } } }));
      try {
        const placed = await callTool<{ mode: string; order: OrderView }>(allowed, 'place_paper_order', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 60 });
        expect(placed.isError, placed.text).toBe(false);
        expect(placed.structured.mode).toBe('live');
        expect(placed.text).toMatch(/^LIVE order buy market/);
        await until('the live position', async () => {
          const s = await host.call('trading.status', {});
          return s.ok && s.value.positions.some((p) => p.symbol === row.symbol) ? true : null;
        });
        const closed = await callTool<{ mode: string; order: OrderView }>(allowed, 'close_position', { symbol: row.symbol });
        expect(closed.isError, closed.text).toBe(false);
        await until('the live position closed', async () => {
          const s = await host.call('trading.status', {});
          return s.ok && !s.value.positions.some((p) => p.symbol === row.symbol) ? true : null;
        });
      } finally {
        await allowed.close();
      }
    } finally {
      await host.call('trading.disarmLive', {});
    }
    const back = await callTool<TradingStatusView>(client, 'positions');
    expect(back.structured.mode).toBe('paper');
  });

  it('refuses an order, sending nothing, when the session is armed LIVE between the mode check and the order', async () => {
    await secrets.set({ exchange: 'blofin', label: 'main' }, { ...SIM_API_KEY });
    const row = await liquidRow();
    const before = await host.call('orders.history', {});
    let armedMidway: Awaited<ReturnType<Host['call']>> | undefined;
    let liveOrdersAtArm = -1;
    // The gate reads a paper session; the trader arms LIVE before the order reaches the host.
    const call = (async (method: string, ...args: unknown[]) => {
      const res = await (host.call as (m: string, ...a: unknown[]) => Promise<unknown>)(method, ...args);
      if (method === 'trading.status' && !armedMidway) {
        armedMidway = await host.call('trading.armLive', { exchange: 'blofin', label: 'main', confirm: liveConfirmPhrase('blofin', 'main') });
        const history = await host.call('orders.history', {});
        liveOrdersAtArm = history.ok ? history.value.orders.length : -1;
      }
      return res;
    }) as Host['call'];
    const racing = await connectClient(createMcpServer({ host: { ...host, call }, config: { mcp: { allowLiveOrders: false } } }));
    try {
      const refused = await callTool(racing, 'place_paper_order', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 60 });
      expect(armedMidway?.ok && (armedMidway.value as TradingStatusView).mode, 'the session went live after the gate read paper').toBe('live');
      expect(refused.isError, refused.text).toBe(true);
      expect(refused.text).toMatch(/^PERMISSION_DENIED: place_paper_order refused: the trading session changed mode/);
      expect(refused.text).toContain('"field":"expectMode"');
      const live = await host.call('orders.history', {});
      expect(live.ok && live.value.orders.length, 'no live order was recorded').toBe(liveOrdersAtArm);
      const status = await host.call('trading.status', {});
      expect(status.ok && status.value.positions.some((p) => p.symbol === row.symbol), 'nothing reached the exchange').toBe(false);
    } finally {
      await racing.close();
      await host.call('trading.disarmLive', {});
    }
    const after = await host.call('orders.history', {});
    expect(after.ok && after.value.orders.length, 'nor did it go to the paper session').toBe(before.ok && before.value.orders.length);
  });
});
