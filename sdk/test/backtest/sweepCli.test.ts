import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/runCli.js';
import { captureIo } from '../cli/testIo.js';
import { tempDir } from '../trading/helpers.js';
import { writeGeneratedData } from './sweepFixtures.js';

describe('perpscope sweep / walk-forward (CLI)', () => {
  const tmp = tempDir('perpscope-sweep-cli-');
  afterAll(() => tmp.cleanup());
  const data = join(tmp.dir, 'data');
  writeGeneratedData(data, { symbols: 2, bars: 170, seed: 11 });
  const config = join(tmp.dir, 'config.json');
  writeFileSync(config, JSON.stringify({ risk: { gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxPositions: 3 } } }));
  const base = ['--home', join(tmp.dir, 'home'), '--config', config];

  it('sweep --grid, piped: one JSON object with every candidate ranked; in a terminal: the table', async () => {
    const args = [...base, 'sweep', '--data', data, '--warmup', '60', '--grid', 'breakout.volumeBurstMin=1.2,3', '--objective', 'totalReturn'];
    const piped = captureIo(false);
    expect(await runCli(args, piped), piped.errors.join('\n')).toBe(0);
    expect(piped.lines).toHaveLength(1);
    const out = JSON.parse(piped.lines[0]!) as { objective: string; candidates: number; rows: { rank: number; key: string; score: number; metrics: { totalReturnPct: number } }[] };
    expect(out.objective).toBe('totalReturn');
    expect(out.rows.map((r) => r.key).sort()).toEqual(['breakout.volumeBurstMin=1.2', 'breakout.volumeBurstMin=3']);
    for (const r of out.rows) expect(r.score).toBe(r.metrics.totalReturnPct);
    expect(out.rows[0]!.score).toBeGreaterThanOrEqual(out.rows[1]!.score);
    const tty = captureIo(true);
    expect(await runCli([...base, 'sweep', '--data', data, '--warmup', '60', '--grid', 'breakout.volumeBurstMin=3'], tty)).toBe(0);
    const text = tty.lines.join('\n');
    expect(text).toContain('breakout.volumeBurstMin=3');
    expect(text).toContain('sharpe');
    expect(text).toContain('in-sample over');
    expect(tty.errors[0]).toBe('sweep: 1 candidate on 2 symbols, this thread');
  }, 240_000);

  it('walk-forward: out-of-sample per fold and combined, in JSON', async () => {
    const io = captureIo(false);
    const code = await runCli([...base, 'walk-forward', '--data', data, '--warmup', '60', '--grid', 'breakout.volumeBurstMin=1.2,3', '--train', '50', '--test', '30', '--folds', '2'], io);
    expect(code, io.errors.join('\n')).toBe(0);
    const out = JSON.parse(io.lines[0]!) as { folds: { fold: { testStartMs: number; trainEndMs: number }; chosen: string; outOfSample: { trades: number } }[]; outOfSample: { trades: number } };
    expect(out.folds).toHaveLength(2);
    for (const f of out.folds) expect(f.fold.trainEndMs).toBeLessThanOrEqual(f.fold.testStartMs);
    expect(out.outOfSample.trades).toBe(out.folds[0]!.outOfSample.trades + out.folds[1]!.outOfSample.trades);
  }, 240_000);

  it('walk-forward in a terminal: the fold table, then the combined out-of-sample metrics', async () => {
    const io = captureIo(true);
    const code = await runCli([...base, 'walk-forward', '--data', data, '--warmup', '60', '--grid', 'breakout.volumeBurstMin=1.2,3', '--train', '3d', '--test', '30', '--folds', '1', '--anchored', '--embargo', '2h'], io);
    expect(code, io.errors.join('\n')).toBe(0);
    const text = io.lines.join('\n');
    expect(text).toContain('in-sample sharpe');
    expect(text).toContain('OOS return %');
    expect(text).toContain('out-of-sample, all folds:');
    expect(text).toContain('Total return');
    expect(io.errors.join('\n')).toMatch(/fold 1: chose breakout\.volumeBurstMin=(1\.2|3); out-of-sample \d+ trades/);
  }, 240_000);

  it('bad flags fail before any replay, naming the flag, the value and what was expected', async () => {
    const cpus = availableParallelism();
    const cases: [string[], RegExp][] = [
      [['sweep', '--data', data], /--grid\/--random: got neither, expected exactly one of --grid SPEC or --random N/],
      [['sweep', '--data', data, '--random', '5'], /--space: got nothing, expected the parameters to sample/],
      [['sweep', '--data', data, '--grid', 'ema-cross.minAdx=1', '--objective', 'luck'], /--objective: got "luck", expected sharpe, totalReturn, expectancy, profitFactor/],
      [['sweep', '--data', data, '--grid', 'ema-cross.minAdx=-1'], /ema-cross\.minAdx: got -1, expected/],
      [['sweep', '--data', data, '--random', '3', '--space', 'breakout.volumeBurstMin'], /space\.breakout\.volumeBurstMin: got no range \(the schema has min 0 and no max\)/],
      [['sweep', '--data', data, '--grid', 'ema-cross.minAdx=1', '--workers', '2', '--redis', 'redis://127.0.0.1:1'], /--workers: got 2, expected not with --redis/],
      [['walk-forward', '--data', data, '--grid', 'ema-cross.minAdx=1', '--train', '2w', '--test', '30'], /--train: got "2w"/],
      [['walk-forward', '--data', data, '--warmup', '60', '--grid', 'ema-cross.minAdx=1', '--train', '100', '--test', '30', '--folds', '3'], /folds: got 3 .* expected a period of at least 190 bars/],
    ];
    for (const [args, expected] of cases) {
      const io = captureIo(false);
      expect(await runCli([...base, ...args], io), args.join(' ')).toBe(2);
      expect(io.errors.join('\n')).toMatch(expected);
    }
    // Refused while the flags are parsed (commander's usage error), before any data is read.
    const flagCases: [string[], RegExp][] = [
      [['sweep', '--data', data, '--grid', 'ema-cross.minAdx=1', '--workers', String(cpus + 1)], new RegExp(`--workers: got "${cpus + 1}", expected an integer from 1 to ${cpus} \\(this machine's available CPUs`)],
      [['walk-forward', '--data', data, '--grid', 'ema-cross.minAdx=1', '--train', '50', '--test', '30', '--workers', '0'], /--workers: got "0", expected an integer from 1 to/],
    ];
    for (const [args, expected] of flagCases) {
      const io = captureIo(false);
      expect(await runCli([...base, ...args], io), args.join(' ')).not.toBe(0);
      expect(io.errors.join('\n')).toMatch(expected);
      expect(io.lines, 'no result printed').toEqual([]);
    }
  }, 60_000);
});
