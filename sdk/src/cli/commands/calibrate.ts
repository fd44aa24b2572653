import { writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Timeframe } from '@perpscope/shared';
import { loadBacktestData } from '../../backtest/data.js';
import { ConfigError } from '../../core/errors.js';
import { candlesToColumns } from '../../features/columns.js';
import type { CalibrationFile } from '../../signals/calibrationFile.js';
import { createSignalEngine } from '../../signals/engine.js';
import { collectSignalRecords, runCalibration } from '../../signals/evaluation/index.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import type { GlobalOptions } from '../program.js';

export interface CalibrateCliOptions extends GlobalOptions {
  data: string;
  out?: string;
  timeframe: Timeframe;
  folds: number;
  feeBps: number;
  json?: boolean;
}

/**
 * `perpscope calibrate`: replays the configured signal engine (without any calibration) over a
 * recorded data directory, labels every emitted signal target-before-stop, fits the calibration
 * candidates walk-forward and writes a calibration file with its provenance to `--out` (default
 * `<home>/calibration.json`). The file says `calibrated: false` when no candidate beat the base
 * rate out of sample. Its `calibration` object goes under `signals.calibration` in the config.
 */
export function runCalibrate(opts: CalibrateCliOptions, io: CliIo): CalibrationFile {
  const { config, home } = loadCliConfig(opts, io.env, {});
  const data = loadBacktestData({ dir: opts.data, timeframe: opts.timeframe, warmupBars: 0 });
  const series = data.symbols.map((symbol) => ({ symbol, timeframe: opts.timeframe, candles: candlesToColumns(data.candles.get(symbol)!, symbol) }));
  const engine = createSignalEngine({ ...config.signals, calibration: null });
  const records = collectSignalRecords(engine, series, { roundTripFee: opts.feeBps / 10_000, funding: data.funding });
  if (records.length < 100 * opts.folds) {
    throw new ConfigError([{ path: 'data', received: `${opts.data} (${records.length} labeled signals)`, expected: `at least ${100 * opts.folds} labeled signals at ${opts.timeframe} for ${opts.folds} folds` }]);
  }
  const run = runCalibration(records, {
    folds: opts.folds,
    dataset: basename(resolve(opts.data)),
    fingerprint: data.fingerprint,
    timeframe: opts.timeframe,
    symbols: data.symbols.length,
    roundTripFeeBps: opts.feeBps,
    generatedBy: 'perpscope calibrate',
  });
  const out = opts.out ?? join(home, 'calibration.json');
  writeFileSync(out, `${JSON.stringify(run.file, null, 2)}\n`);
  if (opts.json || !io.isTTY) {
    io.out(JSON.stringify({ out, ...run.file }));
  } else {
    io.out(`${records.length} labeled signals, ${data.symbols.length} symbols, ${run.file.provenance.from} .. ${run.file.provenance.to}`);
    for (const c of run.candidates) {
      io.out(`${c.model}: out-of-sample Brier ${c.brier.toFixed(4)} (base-rate constant ${c.constantBrier.toFixed(4)}), AUC ${c.auc.toFixed(3)}, worst decile ${c.maxDecileErrorPp.toFixed(1)} pp`);
    }
    io.out(run.file.evidence.verdict);
    io.out(`wrote ${out}${run.file.calibrated ? ': put its "calibration" object under "signals.calibration" in the config to use it' : ''}`);
  }
  return run.file;
}
