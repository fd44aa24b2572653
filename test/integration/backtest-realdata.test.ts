import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backtest } from '../../sdk/src/backtest/index.js';
import { xlsxRowCounts } from '../../sdk/src/backtest/report/xlsx.js';
import { BacktestRunStore } from '../../sdk/src/backtest/runStore.js';
import { runBacktestCommand } from '../../sdk/src/cli/commands/backtest.js';
import { captureIo } from '../../sdk/test/cli/testIo.js';
import { tempDir } from '../../sdk/test/trading/helpers.js';
import { dataDir, requireData } from '../support/testData.js';

const SUB = 'binance-usdm-2024-10-2025-03';
const FUNDING_SUB = 'binance-usdm-2025-09-2026-03';
const hasData = requireData(SUB);
const hasFunding = requireData(FUNDING_SUB);

describe.skipIf(!hasData)(`backtest on real recorded data (${SUB})`, () => {
  const tmp = tempDir('perpscope-backtest-real-');
  afterAll(() => tmp.cleanup());

  it('`perpscope backtest --json` replays three symbols for two weeks, writes every report and stores the run', async () => {
    const io = captureIo(false);
    const home = join(tmp.dir, 'home');
    const out = join(tmp.dir, 'out');
    const summary = await runBacktestCommand(
      // The edge gate off (--no-edge-gate): with the shipped evidence the default config trades nothing.
      { data: dataDir(SUB)!, timeframe: '1h', symbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], from: '2025-01-01', to: '2025-01-15', out, home, edgeGate: false },
      io,
      { nowMs: () => Date.UTC(2026, 0, 1) },
    );
    // Piped: exactly one JSON object on stdout.
    expect(io.lines).toHaveLength(1);
    const printed = JSON.parse(io.lines[0]!) as typeof summary;
    expect(Object.keys(printed)).toEqual(expect.arrayContaining(['metrics', 'byStrategy', 'trades', 'outputs']));
    expect(printed.trades).toBe(summary.metrics.trades);
    expect(printed.symbols).toBe(3);
    expect(printed.signals, 'the engine selected signals on real bars').toBeGreaterThan(0);
    expect(printed.trades, 'and some were traded').toBeGreaterThan(0);
    expect(printed.metrics.startMs).toBe(Date.UTC(2025, 0, 1));
    expect(printed.metrics.endMs).toBe(Date.UTC(2025, 0, 15));
    expect(printed.metrics.feesUsd).toBeGreaterThan(0);

    for (const file of Object.values(summary.outputs)) expect(existsSync(file), file).toBe(true);
    const csv = readFileSync(summary.outputs.tradesCsv, 'utf8').trim().split('\n');
    expect(csv).toHaveLength(summary.trades + 1);
    const equity = readFileSync(summary.outputs.equityCsv, 'utf8').trim().split('\n');
    expect(equity).toHaveLength(14 * 24 + 2); // header, the start, one point per hour
    const sheets = await xlsxRowCounts(summary.outputs.xlsx);
    expect(sheets['Trades']).toBe(summary.trades + 1);
    expect(sheets['Equity']).toBe(14 * 24 + 2);
    const html = readFileSync(summary.outputs.html, 'utf8');
    expect(html).toContain('echarts.init(');
    expect(html).not.toMatch(/<script[^>]+src=/); // self-contained: nothing loaded from elsewhere

    const runs = BacktestRunStore.open(home);
    try {
      const stored = runs.get(summary.runId)!;
      expect(stored.dataFingerprint).toBe(summary.dataFingerprint);
      expect(stored.trades).toBe(summary.trades);
      expect(stored.metrics.finalEquityUsd).toBeCloseTo(summary.metrics.finalEquityUsd, 8);
      expect(stored.outputs['html']).toBe(summary.outputs.html);
      expect(runs.list().map((r) => r.id)).toContain(summary.runId);
    } finally {
      runs.close();
    }
  }, 300_000);
});

describe.skipIf(!hasFunding)(`backtest with recorded funding (${FUNDING_SUB})`, () => {
  it('settles the recorded funding rates (the flat rate is off) on positions open at settlement times', async () => {
    const r = await backtest(
      { data: dataDir(FUNDING_SUB)!, timeframe: '1h', symbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'DOGEUSDT'], from: '2026-02-01', to: '2026-02-15', fundingFlatRate: 0 },
      { engineConfig: { risk: { gates: { minScore: 0, minProbability: 0 } }, autotrade: { edge: { require: false } } } },
    );
    expect(r.trades.length).toBeGreaterThan(0);
    const acrossSettlement = r.trades.filter((t) => Math.floor(t.closedAtMs / 28_800_000) > Math.floor(t.openedAtMs / 28_800_000));
    expect(acrossSettlement.length, 'some trades were open over a funding time').toBeGreaterThan(0);
    expect(acrossSettlement.some((t) => t.fundingUsd !== 0), 'recorded funding was charged').toBe(true);
    expect(r.metrics.fundingUsd).not.toBe(0);
  }, 300_000);
});
