import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScan } from '../../sdk/src/cli/commands/scan.js';
import { createEngine } from '../../sdk/src/engine/index.js';
import { captureIo } from '../../sdk/test/cli/testIo.js';
import { dataDir, requireData } from '../support/testData.js';

const SUB = 'binance-usdm-2025-10';
const hasData = requireData(SUB);

/** Majors and thin listings: the thin ones are where invented books used to raise `liquidity_vacuum`. */
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BRUSDT', 'BULLAUSDT', 'MUBARAKUSDT', 'MOVRUSDT', 'BROCCOLIF3BUSDT'];
const BOOK_FLAGS = ['liquidity_vacuum', 'spoofing_depth_imbalance'];

describe.skipIf(!hasData)(`scan --sim-data replay on real candles (${SUB})`, () => {
  let work = '';
  let dir = '';
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'perpscope-honest-inputs-'));
    dir = join(work, 'data');
    mkdirSync(dir);
    for (const s of SYMBOLS) symlinkSync(join(dataDir(SUB)!, `${s}_1h.csv`), join(dir, `${s}_1h.csv`));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the sim serves invented books, yet no book flag or book figure comes from them and rows say book none', { timeout: 240_000 }, async () => {
    const engine = createEngine(
      { exchange: 'sim', timeframes: ['1h'], sim: { dataDir: dir, rateLimitScale: 20 }, universe: { minQuoteVolumeUsd: 0, maxSpreadBps: null } },
      { live: false },
    );
    try {
      await engine.start();
      await engine.refreshOrderFlows();
      const universe = engine.universe().map((m) => m.symbol);
      expect(universe.length, 'every recorded symbol is in the universe').toBe(SYMBOLS.length);
      for (const symbol of universe) {
        expect(engine.orderFlow(symbol)?.bookTop?.bids.length, `${symbol}: the replay sim did answer with a (synthesized) book`).toBeGreaterThan(0);
      }
      const rows = engine.rank({ top: 100 }).rows;
      expect(rows.length).toBe(SYMBOLS.length);
      for (const row of rows) {
        expect(row.book, `${row.symbol}: the row says where its book came from`).toBe('none');
        expect(row.flags.map((f) => f.name).filter((n) => BOOK_FLAGS.includes(n)), `${row.symbol}: no flag from an invented book`).toEqual([]);
        expect(Number.isNaN(row.metrics.spreadBps) && Number.isNaN(row.metrics.depth50Usd) && Number.isNaN(row.metrics.slippageBps), `${row.symbol}: no book metric`).toBe(true);
        expect(row.metrics.inputs?.listing, `${row.symbol}: where a file starts is not a listing time`).toBe('unknown');
      }
    } finally {
      await engine.stop();
    }
  });

  it('`scan --json` and the table both print book none', { timeout: 240_000 }, async () => {
    const json = captureIo(false);
    await runScan({ simData: dir, top: 20, timeframes: ['1h'], home: '/nonexistent-perpscope-home', set: ['universe.minQuoteVolumeUsd=0', 'universe.maxSpreadBps=null'] }, json);
    const rows = json.lines.map((l) => JSON.parse(l) as { symbol: string; book: string; spreadBps: number | null; flags: { name: string }[] });
    expect(rows.length, 'one line per ranked symbol').toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.book, r.symbol).toBe('none');
      expect(r.spreadBps, `${r.symbol}: not even the ticker's invented touch`).toBeNull();
      expect(r.flags.filter((f) => BOOK_FLAGS.includes(f.name)), r.symbol).toEqual([]);
    }
    const table = captureIo(true);
    table.columns = 400;
    await runScan({ simData: dir, top: 20, timeframes: ['1h'], home: '/nonexistent-perpscope-home', set: ['universe.minQuoteVolumeUsd=0', 'universe.maxSpreadBps=null'] }, table);
    const header = table.lines.find((l) => /\bsymbol\b/.test(l) && /\bbook\b/.test(l));
    expect(header, `a book column in the table:\n${table.lines.join('\n')}`).toBeDefined();
    const body = table.lines.filter((l) => /\/USDT:USDT/.test(l));
    expect(body.length).toBeGreaterThan(0);
    for (const line of body) expect(line, 'each row names its book source').toMatch(/\bnone\b/);
  });
});
