import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCalibrate } from '../../../src/cli/commands/calibrate.js';
import type { OhlcvColumns } from '../../../src/features/types.js';
import { DEFAULT_PROFILES } from '../../../src/ranking/profiles.js';
import { parseCalibrationFile } from '../../../src/signals/calibrationFile.js';
import { createSignalEngine } from '../../../src/signals/engine.js';
import { buildRankingPanel } from '../../../src/signals/evaluation/rankingPanel.js';
import { collectSignalRecords } from '../../../src/signals/evaluation/signalRecords.js';
import { captureIo } from '../../cli/testIo.js';
import { BASELINE_ANCHOR, baselineDataset } from '../baseline/dataset.js';

const HOUR = 3_600_000;
const series = baselineDataset(12, 900, ['1h']);
const dir = mkdtempSync(join(tmpdir(), 'perpscope-calibrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the series as recorded CSVs, plus one unfinished last row that the loader must drop. */
function writeRecorded(): void {
  for (const s of series) {
    const c = s.candles;
    const rows = ['time,open,high,low,close,volume'];
    for (let i = 0; i < c.close.length; i++) rows.push(`${c.openTimeMs[i]},${c.open[i]},${c.high[i]},${c.low[i]},${c.close[i]},${c.volume[i]}`);
    const n = c.close.length - 1;
    rows.push(`${c.openTimeMs[n]! + HOUR},${c.close[n]},${c.close[n]! * 50},${c.close[n]! / 50},${c.close[n]},1`);
    writeFileSync(join(dir, `${s.symbol.split('/')[0]}USDT_1h.csv`), `${rows.join('\n')}\n`);
  }
}

describe('evaluation pipeline on generated history', () => {
  it('each record joins a signal with its label: net = gross - fee - funding, resolved after the signal', () => {
    const funding = new Map([[BASELINE_ANCHOR, Array.from({ length: 120 }, (_, k) => ({ fundingTimeMs: series[0]!.candles.openTimeMs[0]! + k * 8 * HOUR, rate: 0.0001 }))]]);
    const recs = collectSignalRecords(createSignalEngine({ regime: { anchorSymbol: BASELINE_ANCHOR }, calibration: null }), series, { roundTripFee: 0.0012, funding });
    expect(recs.length, 'the generated month yields labeled signals').toBeGreaterThan(100);
    let anchorPaid = 0;
    for (const r of recs) {
      expect(r.hit, `${r.signal.id}: hit iff the target was reached`).toBe(r.outcome === 'tp' ? 1 : 0);
      expect(r.netReturnPct, 'net of the fee and funding').toBeCloseTo(r.grossReturnPct - 0.0012 - r.fundingPct, 12);
      expect(r.resolvedCloseTimeMs, 'resolved by a later bar').toBeGreaterThan(r.signal.closeTimeMs);
      expect(r.features.openTimeMs, 'features of the signal bar').toBe(r.signal.openTimeMs);
      if (r.signal.symbol !== BASELINE_ANCHOR) expect(r.fundingPct, 'no funding recorded for this symbol').toBe(0);
      else if (r.fundingPct !== 0) anchorPaid++;
    }
    expect(anchorPaid, 'some anchor signals were held over a settlement').toBeGreaterThan(0);
  });

  it('perpscope calibrate writes a consistent calibration file with provenance and evidence', () => {
    writeRecorded();
    const out = join(dir, 'cal.json');
    const io = captureIo(false);
    const file = runCalibrate({ data: dir, out, timeframe: '1h', folds: 3, feeBps: 12, home: dir }, io);
    const written = parseCalibrationFile(JSON.parse(readFileSync(out, 'utf8')));
    expect(written, 'the file on disk is what was returned').toEqual(file);
    expect(written.provenance.symbols, 'every generated symbol').toBe(12);
    expect(written.provenance.fitDate, 'the data end, not the wall clock').toBe(written.provenance.to);
    expect(Date.parse(written.provenance.to), 'within the generated period').toBeLessThanOrEqual(series[0]!.candles.openTimeMs[899]! + HOUR);
    expect(written.evidence.signals, 'test folds hold signals').toBeGreaterThan(0);
    const e = written.evidence;
    expect(written.calibrated, 'shipped only when it beat the base rate and met the decile target').toBe(
      e.brier !== null && e.constantBrier !== null && e.maxDecileErrorPp !== null && e.brier < e.constantBrier && e.maxDecileErrorPp <= 5,
    );
    expect(JSON.parse(io.lines[0]!).out, 'one JSON line naming the file').toBe(out);
    const tty = captureIo(true);
    runCalibrate({ data: dir, out, timeframe: '1h', folds: 3, feeBps: 12, home: dir }, tty);
    expect(tty.lines.filter((l) => /^[a-z-]+: out-of-sample Brier/.test(l)), 'one line per candidate in a terminal').toHaveLength(2);
    expect(tty.lines.at(-1), 'names the file').toContain(`wrote ${out}`);
    expect(parseCalibrationFile(JSON.parse(readFileSync(out, 'utf8'))), 'the same data refits to the same file').toEqual(file);
  });

  it('refuses a directory with too few signals, naming it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'perpscope-calibrate-small-'));
    try {
      const s = series[1]!;
      const rows = ['time,open,high,low,close,volume'];
      for (let i = 0; i < 120; i++) rows.push(`${s.candles.openTimeMs[i]},${s.candles.open[i]},${s.candles.high[i]},${s.candles.low[i]},${s.candles.close[i]},${s.candles.volume[i]}`);
      writeFileSync(join(empty, 'S01USDT_1h.csv'), `${rows.join('\n')}\n`);
      expect(() => runCalibrate({ data: empty, timeframe: '1h', folds: 5, feeBps: 12, home: empty }, captureIo()), 'too few labeled signals').toThrow(/labeled signals/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('the ranking panel reads nothing after its bar: cutting the data later leaves every score the same', () => {
    const full = new Map<string, OhlcvColumns>(series.slice(0, 6).map((s) => [s.symbol, s.candles]));
    const cut = 400;
    const truncated = new Map<string, OhlcvColumns>(
      [...full].map(([k, c]) => [k, { openTimeMs: c.openTimeMs.slice(0, cut), open: c.open.slice(0, cut), high: c.high.slice(0, cut), low: c.low.slice(0, cut), close: c.close.slice(0, cut), volume: c.volume.slice(0, cut) }]),
    );
    const options = { barMs: HOUR, profiles: DEFAULT_PROFILES, horizons: [1, 4] };
    const a = buildRankingPanel(full, options);
    const b = buildRankingPanel(truncated, options);
    expect(b.length, 'cycles from bar 100 to the cut').toBe(cut - 99);
    for (let k = 0; k < b.length; k++) {
      expect(a[k]!.closeTimeMs, 'same cycle').toBe(b[k]!.closeTimeMs);
      expect(a[k]!.rows.map((r) => [r.symbol, r.score, r.side]), `cycle ${k}`).toEqual(b[k]!.rows.map((r) => [r.symbol, r.score, r.side]));
    }
    const last = b[b.length - 1]!;
    expect(last.rows.every((r) => Number.isNaN(r.forward[0]!)), 'no forward return past the data').toBe(true);
    const c = full.get(BASELINE_ANCHOR)!;
    const row = a[0]!.rows.find((r) => r.symbol === BASELINE_ANCHOR)!;
    expect(row.forward[1], '4-bar close-to-close return').toBeCloseTo(c.close[103]! / c.close[99]! - 1, 12);
  });
});
