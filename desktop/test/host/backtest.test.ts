import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type BacktestProgressView, type Candle, type Result } from '@perpscope/shared';
import { BacktestRunStore, RiskConfigSchema, SignalEngineConfigSchema, silentLogger } from '@perpscope/sdk';
import { createMarketGenerator } from '@perpscope/sdk/sim';
import { createHost, type Host, type HostEvent } from '../../src/host/index.js';
import { createBacktestService, type BacktestPort } from '../../src/host/backtest/backtestService.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

const H = 3_600_000;
const END = SIM_START_MS;
const START = END - 560 * H;
const FROM = START + 300 * H;
const TO = START + 460 * H;

const noSecrets = {
  set: () => Promise.reject(new Error('not used')),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * Seeded generated 1h candles written in a recorded layout (`<SYM>_1h.csv`, or `data/1h/<SYM>.csv`
 * when nested), the last row unfinished.
 */
function writeDataset(dir: string, symbols: number, seed: number, nested = false): Map<string, Candle[]> {
  const files = nested ? join(dir, 'data', '1h') : dir;
  mkdirSync(files, { recursive: true });
  const gen = createMarketGenerator({ seed, symbols, startTimeMs: END });
  const out = new Map<string, Candle[]>();
  for (const m of gen.markets()) {
    const bars = gen.candles(m.symbol, '1h', START, END).map(({ openTimeMs, open, high, low, close, volume }) => ({ openTimeMs, open, high, low, close, volume }));
    out.set(m.symbol, bars);
    const last = bars[bars.length - 1]!;
    const rows = [...bars, { ...last, openTimeMs: last.openTimeMs + H }].map((c) => `${stamp(c.openTimeMs)},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
    const base = m.symbol.split('/')[0]!;
    writeFileSync(join(files, nested ? `${base}USDT.csv` : `${base}USDT_1h.csv`), `time,open,high,low,close,volume\n${rows.join('\n')}\n`);
  }
  return out;
}

/** Waits for the final progress event of a run (any status but `running`); no timer involved. */
function finalEvent(host: Host, runId: () => string | null, seen: BacktestProgressView[] = []): Promise<BacktestProgressView> {
  return new Promise((resolve) => {
    const off = host.onEvent((e: HostEvent) => {
      if (e.event !== 'backtest.progress' || e.data.runId !== runId()) return;
      seen.push(e.data);
      if (e.data.status === 'running') return;
      off();
      resolve(e.data);
    });
  });
}

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('backtests through the host (recorded data, the SDK engine path, the run store)', () => {
  const root = mkdtempSync(join(tmpdir(), 'perpscope-bt-host-'));
  const home = join(root, 'home');
  const dataRoot = join(root, 'data');
  const datasetDir = join(dataRoot, 'gen-1h');
  let candles: Map<string, Candle[]>;
  let service: BacktestPort;
  let host: Host;
  const symbols = () => [...candles.keys()].sort();
  const dirs = [dataRoot, join(root, 'missing'), join(root, 'empty')];

  beforeAll(() => {
    mkdirSync(home);
    candles = writeDataset(datasetDir, 6, 7);
    writeDataset(join(dataRoot, 'nested'), 2, 8, true);
    mkdirSync(join(dataRoot, 'not-data'));
    mkdirSync(join(root, 'empty'));
    // Loose gates so that a short generated run trades; the gates themselves are tested in the sdk.
    const risk = RiskConfigSchema.parse({ gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxPositions: 3 } });
    service = createBacktestService({
      home,
      dataDirs: () => dirs,
      settings: () => ({ risk, signals: SignalEngineConfigSchema.parse({}), profile: 'swing', universe: undefined }),
      nowMs: Date.now,
      logger: silentLogger,
    });
    const events = {
      subscribe: (fn: (e: HostEvent) => void) => service.subscribe((data) => fn({ event: 'backtest.progress', data })),
    };
    host = createHost({ engine: { events, backtest: service }, secrets: noSecrets });
  });

  afterAll(async () => {
    host.close();
    await service.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('lists the datasets under the configured directories, with symbols, timeframes and period', async () => {
    const reply = value(await host.call('backtest.datasets'));
    expect(reply.datasets.map((d) => d.id), 'a directory without recorded files contributes its dataset subdirectories').toEqual([datasetDir, join(dataRoot, 'nested')]);
    expect(reply.datasets[1]!.timeframes.map((t) => [t.timeframe, t.symbols.length]), 'the <tf>/<SYM>.csv layout under data/').toEqual([['1h', 2]]);
    const tf = reply.datasets[0]!.timeframes;
    expect(tf.map((t) => t.timeframe)).toEqual(['1h']);
    expect(tf[0]!.symbols).toEqual(symbols());
    expect(tf[0]!.firstBarMs).toBe(START);
    expect(tf[0]!.lastBarMs, 'the unfinished last row is not part of the period').toBe(END - H);
    expect(reply.problems.map((p) => [p.dir, p.message])).toEqual([
      [join(root, 'missing'), 'not a directory'],
      [join(root, 'empty'), expect.stringMatching(/holds no recorded OHLCV files/)],
    ]);
    expect(reply.strategies).toContain('breakout');
    expect(reply.defaults.maxPositions).toBe(3);
  });

  it('runs a backtest off the request path, reports progress, and stores the run with its reports', async () => {
    let runId: string | null = null;
    const seen: BacktestProgressView[] = [];
    const done = finalEvent(host, () => runId, seen);
    const started = await host.call('backtest.start', { dataset: datasetDir, timeframe: '1h', symbols: symbols(), fromMs: FROM, toMs: TO, strategies: ['breakout', 'ema-cross', 'donchian-atr'], edgeGate: false });
    runId = value(started).runId;
    const listed = value(await host.call('backtest.list'));
    expect(listed.active?.runId, 'the run is the active one while it replays').toBe(runId);

    const final = await done;
    expect(final.status, final.error?.message).toBe('completed');
    expect(final.done).toBe(160);
    expect(final.total).toBe(160);
    const running = seen.filter((p) => p.status === 'running');
    expect(running.length).toBeGreaterThan(1);
    expect(running.every((p, i) => i === 0 || p.done >= running[i - 1]!.done), 'progress only moves forward').toBe(true);

    const after = value(await host.call('backtest.list'));
    expect(after.active).toBeNull();
    const summary = after.runs.find((r) => r.id === runId)!;
    expect(summary, 'the completed run is stored').toBeDefined();
    expect(summary.reports.sort()).toEqual(['equityCsv', 'html', 'json', 'tradesCsv', 'xlsx']);

    const run = value(await host.call('backtest.get', { id: runId }));
    expect(run.trades.length, 'the loose gates let the run trade').toBeGreaterThan(0);
    expect(run.trades.length).toBe(summary.trades);
    expect(run.trades.every((t) => ['breakout', 'ema-cross', 'donchian-atr'].includes(t.strategy)), 'only the chosen strategies trade').toBe(true);
    expect(Object.values(run.byStrategy).reduce((s, x) => s + x.trades, 0)).toBe(run.trades.length);
    expect(run.equity.length, 'the start plus one point per bar').toBe(161);
    expect(run.drawdown.length).toBe(run.equity.length);
    expect(Math.max(...run.drawdown.map((d) => d.drawdownPct))).toBeLessThanOrEqual(0);
    expect(-Math.min(...run.drawdown.map((d) => d.drawdownPct)), 'the drawdown series agrees with the metric').toBeCloseTo(run.metrics.maxDrawdownPct ?? NaN, 6);
    const net = run.trades.reduce((s, t) => s + (t.netPnlUsd ?? 0), 0);
    expect((run.metrics.finalEquityUsd ?? NaN) - (run.metrics.initialEquityUsd ?? NaN)).toBeCloseTo(net, 6);

    const csv = value(await host.call('backtest.report', { id: runId, kind: 'tradesCsv' }));
    expect(csv.mimeType).toBe('text/csv');
    expect(csv.fileName).toBe(`${runId}-trades.csv`);
    expect(Buffer.from(csv.base64, 'base64').toString('utf8')).toBe(readFileSync(join(home, 'backtests', runId, 'trades.csv'), 'utf8'));

    const trade = run.trades[0]!;
    const bars = value(await host.call('backtest.bars', { id: runId, symbol: trade.symbol, fromMs: trade.openedAtMs - 10 * H, toMs: trade.closedAtMs + 10 * H }));
    const recorded = candles.get(trade.symbol)!.filter((c) => c.openTimeMs >= trade.openedAtMs - 10 * H && c.openTimeMs <= trade.closedAtMs + 10 * H);
    expect(bars.candles, "the trade's bars as recorded").toEqual(recorded);
    expect(bars.candles.some((c) => c.openTimeMs === trade.openedAtMs), 'the entry bar is among them').toBe(true);
  }, 120_000);

  it('cancels a running backtest: a cancelled event, nothing stored, one run at a time', async () => {
    let runId: string | null = null;
    let cancelled: Promise<Result<{ cancelled: boolean }>> | null = null;
    const off = host.onEvent((e) => {
      if (e.event === 'backtest.progress' && e.data.runId === runId && e.data.status === 'running' && e.data.done >= 1 && !cancelled) cancelled = host.call('backtest.cancel', { runId });
    });
    const done = finalEvent(host, () => runId);
    runId = value(await host.call('backtest.start', { dataset: datasetDir, timeframe: '1h', symbols: symbols().slice(0, 2), fromMs: FROM, toMs: TO })).runId;
    const second = await host.call('backtest.start', { dataset: datasetDir, timeframe: '1h', symbols: symbols().slice(0, 2), fromMs: FROM, toMs: TO });
    expect(second.ok, 'a second run is refused while one runs').toBe(false);
    if (!second.ok) expect(second.error.message).toMatch(/already running/);
    const final = await done;
    off();
    expect(value(await cancelled!).cancelled).toBe(true);
    expect(final.status).toBe('cancelled');
    expect(final.done).toBeLessThan(final.total);
    const list = value(await host.call('backtest.list'));
    expect(list.runs.some((r) => r.id === runId), 'a cancelled run is not stored').toBe(false);
    expect(list.active).toBeNull();
    expect(value(await host.call('backtest.cancel', { runId: runId! })).cancelled, 'nothing left to cancel').toBe(false);
  }, 120_000);

  it('a run whose data cannot be read ends failed, with the reason, and is not stored', async () => {
    const bad = join(root, 'bad-data');
    mkdirSync(bad);
    writeFileSync(join(bad, 'BTCUSDT_1h.csv'), 'when,price\n1,2\n3,4\n');
    dirs.push(bad);
    let runId: string | null = null;
    const done = finalEvent(host, () => runId);
    runId = value(await host.call('backtest.start', { dataset: bad, timeframe: '1h', symbols: ['BTC/USDT:USDT'], fromMs: FROM, toMs: TO })).runId;
    const final = await done;
    dirs.pop();
    expect(final.status).toBe('failed');
    expect(final.error?.code).toBe(ErrorCode.InvalidConfig);
    expect(final.error?.message).toMatch(/lacks one of time,open,high,low,close,volume/);
    expect(value(await host.call('backtest.list')).runs.some((r) => r.id === runId)).toBe(false);
  });

  it('refuses bad input naming the field, the value and what was expected', async () => {
    const base = { dataset: datasetDir, timeframe: '1h' as const, symbols: symbols().slice(0, 1), fromMs: FROM, toMs: TO };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, dataset: '/etc' }, /dataset: got "\/etc", expected a dataset backtest\.datasets lists/],
      [{ ...base, timeframe: '15m' }, /timeframe: got "15m", expected a timeframe gen-1h holds \(1h\)/],
      [{ ...base, symbols: ['XRP/USDT:USDT'] }, /symbols: got "XRP\/USDT:USDT", expected symbols with 1h files/],
      [{ ...base, strategies: ['nope'] }, /strategies: got "nope", expected strategy ids among/],
      [{ ...base, toMs: FROM }, /toMs: got \d+, expected a time after fromMs/],
      [{ ...base, maxPositions: 0 }, /maxPositions: got 0/],
      [{ ...base, symbols: ['BTCUSDT'] }, /symbols\.0: got "BTCUSDT", expected a unified symbol/],
      [{ ...base, extra: 1 }, /extra: got an unknown field/],
    ];
    for (const [params, message] of cases) {
      const r = await host.handle('backtest.start', params);
      expect(r.ok, JSON.stringify(params)).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe(ErrorCode.InvalidInput);
        expect(r.error.message).toMatch(message);
      }
    }
    const get = await host.call('backtest.get', { id: 'bt-unknown' });
    expect(get.ok).toBe(false);
    if (!get.ok) expect(get.error.message).toMatch(/id: got "bt-unknown", expected the id of a stored run/);
    const traversal = await host.handle('backtest.report', { id: '../../etc', kind: 'html' });
    expect(traversal.ok).toBe(false);
    if (!traversal.ok) expect(traversal.error.message).toMatch(/id: got "\.\.\/\.\.\/etc", expected a backtest run id/);
  });

  it('sends only files of the run’s report folder, whatever its stored paths say', async () => {
    const runs = BacktestRunStore.open(home);
    const reportDir = join(root, 'forged');
    mkdirSync(reportDir);
    writeFileSync(join(reportDir, 'result.json'), '{}');
    const secret = join(root, 'secret.txt');
    writeFileSync(secret, 'not a report');
    const stored = runs.list(1)[0]!;
    runs.save({ ...stored, id: 'bt-forged', outputs: { json: join(reportDir, 'result.json'), html: secret, tradesCsv: join(reportDir, '..', 'secret.txt') } });
    runs.close();
    for (const kind of ['html', 'tradesCsv'] as const) {
      const r = await host.call('backtest.report', { id: 'bt-forged', kind });
      expect(r.ok, kind).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe(ErrorCode.StoreError);
        expect(r.error.message).toMatch(/not a file of its report folder; refused/);
      }
    }
    const json = value(await host.call('backtest.report', { id: 'bt-forged', kind: 'json' }));
    expect(Buffer.from(json.base64, 'base64').toString()).toBe('{}');
  });
});
