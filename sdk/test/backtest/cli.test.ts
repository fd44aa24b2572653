import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BacktestRunStore } from '../../src/backtest/runStore.js';
import { runBacktestCommand } from '../../src/cli/commands/backtest.js';
import { runCli } from '../../src/cli/runCli.js';
import { writeGeneratedHourlyCsv } from '../generatedCandles.js';
import { captureIo } from '../cli/testIo.js';
import { tempDir } from '../trading/helpers.js';

const H = 3_600_000;
const END = Date.UTC(2026, 0, 20);
const START = END - 420 * H;


describe('perpscope backtest (CLI)', () => {
  const tmp = tempDir('perpscope-backtest-cli-');
  const data = join(tmp.dir, 'data');
  writeGeneratedHourlyCsv(data, { seed: 5, symbols: 4, fromMs: START, endMs: END });
  writeFileSync(join(tmp.dir, 'config.json'), JSON.stringify({ risk: { gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0 } } }));
  afterAll(() => tmp.cleanup());

  it('in a terminal prints the metrics table, the strategy table and where the reports are', async () => {
    const io = captureIo(true);
    const home = join(tmp.dir, 'home-tty');
    const summary = await runBacktestCommand({ data, timeframe: '1h', from: new Date(START + 320 * H).toISOString(), home, config: join(tmp.dir, 'config.json'), out: join(tmp.dir, 'out-tty'), edgeGate: false }, io, { nowMs: () => END });
    const text = io.lines.join('\n');
    expect(text).toContain('Total return');
    expect(text).toContain('Max drawdown duration');
    expect(text).toContain('strategy');
    expect(text).toContain(summary.outputs.html);
    expect(summary.trades, 'loose gates trade the generated bars').toBeGreaterThan(0);
    expect(readFileSync(summary.outputs.tradesCsv, 'utf8').trim().split('\n')).toHaveLength(summary.trades + 1);
  }, 120_000);

  it('piped prints one JSON object; a second run on the same data shares the fingerprint and is listed', async () => {
    const home = join(tmp.dir, 'home-json');
    const run = async (at: number) => {
      const io = captureIo(false);
      await runBacktestCommand({ data, timeframe: '1h', from: new Date(START + 320 * H).toISOString(), home, config: join(tmp.dir, 'config.json'), out: join(tmp.dir, `out-${at}`) }, io, { nowMs: () => at });
      expect(io.lines).toHaveLength(1);
      return JSON.parse(io.lines[0]!) as { runId: string; dataFingerprint: string; trades: number; metrics: { finalEquityUsd: number } };
    };
    const a = await run(END);
    const b = await run(END + 60_000);
    expect(b.dataFingerprint).toBe(a.dataFingerprint);
    expect(b.trades).toBe(a.trades);
    expect(b.metrics.finalEquityUsd).toBe(a.metrics.finalEquityUsd);
    expect(b.runId).not.toBe(a.runId);
    const runs = BacktestRunStore.open(home);
    try {
      expect(runs.list().map((r) => r.id)).toEqual([b.runId, a.runId]);
    } finally {
      runs.close();
    }
  }, 180_000);

  it('--baseline: the same run passes (exit 0), a changed baseline fails (exit 1) with the diff', async () => {
    const home = join(tmp.dir, 'home-baseline');
    const args = ['--home', home, '--config', join(tmp.dir, 'config.json'), 'backtest', '--data', data, '--from', new Date(START + 320 * H).toISOString(), '--no-edge-gate', '--json'];
    const first = captureIo(false);
    expect(await runCli([...args, '--out', join(tmp.dir, 'bl-1')], first)).toBe(0);
    const resultFile = (JSON.parse(first.lines[0]!) as { outputs: { json: string } }).outputs.json;
    const same = captureIo(false);
    expect(await runCli([...args, '--out', join(tmp.dir, 'bl-2'), '--baseline', resultFile], same)).toBe(0);
    expect((JSON.parse(same.lines[0]!) as { baseline: { differences: string[] } }).baseline.differences).toEqual([]);
    const stored = JSON.parse(readFileSync(resultFile, 'utf8')) as { trades: { tradeId: string; exitPrice: number }[] };
    stored.trades[0]!.exitPrice += 1;
    const changed = join(tmp.dir, 'changed.json');
    writeFileSync(changed, JSON.stringify(stored));
    const diff = captureIo(false);
    expect(await runCli([...args, '--out', join(tmp.dir, 'bl-3'), '--baseline', changed], diff)).toBe(1);
    expect((JSON.parse(diff.lines[0]!) as { baseline: { differences: string[] } }).baseline.differences).toEqual([expect.stringMatching(new RegExp(`^~ .+ exitPrice: - `))]);
  }, 240_000);

  it('names the bad field: an unknown symbol, a bad timeframe, a missing directory', async () => {
    const io = captureIo(false);
    const home = join(tmp.dir, 'home-bad');
    await expect(runBacktestCommand({ data, timeframe: '1h', symbols: ['NOPEUSDT'], home }, io)).rejects.toThrow(/symbols: got NOPEUSDT, expected symbols with 1h files/);
    await expect(runBacktestCommand({ data, timeframe: '7x' as never, home }, io)).rejects.toThrow(/timeframe/);
    await expect(runBacktestCommand({ data: join(tmp.dir, 'missing'), timeframe: '1h', home }, io)).rejects.toThrow(/data: got ".*missing", expected a directory/);
  });
});
