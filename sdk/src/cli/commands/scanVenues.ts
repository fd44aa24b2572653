import { ConfigError } from '../../core/errors.js';
import { createEngine, type Engine, type EngineDeps } from '../../engine/index.js';
import { parseVenues } from './venueList.js';
import type { SimDialectName } from '../../sim/dialects/types.js';
import { MAX_VENUE_BASIS_BPS, MAX_VENUE_FUNDING_OFFSET_BPS } from '../../sim/venueSkew.js';
import { crossVenueRows, DEFAULT_CARRY_HORIZON_HOURS, type RankingResult, type SkippedQuote } from '../../ranking/index.js';
import { mergeVenueRows, topOfEachMeasure, venueQuotes } from '../../engine/venueBoard.js';
import type { CliIo } from '../io.js';
import type { GlobalOptions, ScanCliOptions } from '../program.js';
import { createProgressBar, followWarmUps } from '../render/progressBar.js';
import { fmtNum, fmtPrice, renderTable } from '../render/table.js';
import { biasLine, loadScanConfig, unreachableError } from './scan.js';
import { buildScanRows, scanRowJson, scanTableColumns, type ScanRow } from './scanRows.js';

/** One row of the merged table: a venue's scan row under its venue id. */
export type VenueScanRow = ScanRow & { venue: string };

interface VenueScan {
  venue: string;
  engine: Engine;
  ranking?: RankingResult;
}

const legendLines = (horizonHours: number) => [
  `funding: long the venue with the lower funding, short the higher; net = carry over ${horizonHours}h at current rates minus fees (current rates carried forward, not a forecast: funding changes)`,
  'basis: buy the cheaper venue, sell the dearer; net = the gap in bps of the mid, if it closed, minus fees',
  'fees: taker on 4 fills (open and close on each venue), bps of one leg\'s notional; payback in 8h funding periods',
];

function skippedLine(skipped: readonly SkippedQuote[]): string {
  const shown = skipped.slice(0, 5).map((s) => `${s.venue} ${s.symbol} ${s.field} ${s.received} (${s.scope === 'all' ? 'no row' : 'no funding row'})`);
  return `skipped ${skipped.length} quote${skipped.length === 1 ? '' : 's'}: ${shown.join('; ')}${skipped.length > shown.length ? '; ...' : ''}`;
}

/**
 * `perpscope scan --exchange a,b,...`: one engine per venue, each with its own client and so its
 * own request budget, warmed up concurrently; their rankings merged into one table with a venue
 * column, then the cross-venue funding-spread and basis rows of assets listed on two or more.
 * With `--sim` each venue is an in-process SimExchange speaking that venue's dialect, all on the
 * pinned seed, venue i with the sim's venue skew i (a few bps of synthetic basis and funding).
 */
export async function runScanVenues(opts: ScanCliOptions & GlobalOptions, io: CliIo, deps: EngineDeps = {}): Promise<void> {
  const venues = parseVenues(opts.exchange ?? '', opts.sim === true);
  if (opts.simData !== undefined) {
    throw new ConfigError([{ path: 'sim-data', received: JSON.stringify(opts.simData), expected: 'no --sim-data with several venues: each would replay the same recording, with nothing between them to compare' }]);
  }
  if (deps.exchange || deps.source) {
    throw new ConfigError([{ path: 'exchange', received: JSON.stringify(opts.exchange), expected: 'one venue when an exchange client or source is injected' }]);
  }
  const scans: VenueScan[] = venues.map((venue, i) => {
    if (!opts.sim) return { venue, engine: createEngine(loadScanConfig(opts, io, { exchange: venue }).config, { ...deps, live: false }) };
    // Every sim venue serves the pinned seed's market; venue i > 0 adds its synthetic basis and
    // funding offset (sim.venue), so the first venue is the single-venue scan byte for byte.
    const { config } = loadScanConfig(opts, io);
    const venueConfig = { ...config, sim: { ...config.sim, venue: { index: i } } };
    return { venue, engine: createEngine(venueConfig, { ...deps, live: false, simDialect: venue as SimDialectName }) };
  });
  const asJson = opts.json === true || !io.isTTY;
  const progress = asJson ? undefined : createProgressBar(`warming up ${venues.join(', ')}`);
  if (progress) followWarmUps(progress, scans.map((s) => s.engine));
  const stopAll = () => Promise.all(scans.map((s) => s.engine.stop().catch(() => undefined)));
  const started = await Promise.allSettled(scans.map((s) => s.engine.start()));
  progress?.stop();
  const failed = started.findIndex((r) => r.status === 'rejected');
  if (failed >= 0) {
    await stopAll();
    throw unreachableError((started[failed] as PromiseRejectedResult).reason, scans[failed]!.venue);
  }
  try {
    await Promise.all(scans.map((s) => s.engine.refreshOrderFlows()));
    const perVenue = scans.map((s) => {
      s.ranking = s.engine.rank({ top: opts.top, ...(opts.profile ? { profile: opts.profile } : {}) });
      return { venue: s.venue, rows: buildScanRows(s.ranking.rows, s.engine.universe(), s.engine.signals()) };
    });
    const rows = mergeVenueRows(perVenue);
    const cross = crossVenueRows(scans.flatMap((s) => venueQuotes(s.venue, s.engine)));
    const crossRows = topOfEachMeasure(cross.rows, opts.top);
    if (asJson) {
      for (const row of rows) io.out(scanRowJson(row));
      for (const row of crossRows) io.out(scanRowJson({ kind: 'crossVenue', ...row }));
      for (const s of cross.skipped) io.out(JSON.stringify({ kind: 'crossVenueSkipped', ...s }));
      return;
    }
    const maxWidth = io.columns === undefined ? {} : { maxWidth: io.columns };
    io.out(renderTable(rows, scanTableColumns<VenueScanRow>([{ header: 'venue', align: 'left', cell: (r) => r.venue }]), maxWidth));
    const ranked = scans.map((s) => `${s.venue} ${s.ranking!.universe}`).join(', ');
    const signals = scans.reduce((n, s) => n + s.engine.signals().length, 0);
    io.out(`profile ${scans[0]!.ranking!.profile} | ranked ${ranked} | ${signals} signals | ${opts.sim ? `sim (${venues.join(', ')})` : venues.join(', ')}`);
    io.out(biasLine(scans[0]!.ranking!.side));
    if (crossRows.length === 0) {
      io.out('cross-venue: no asset is listed on two or more of these venues');
    } else {
      io.out(
        renderTable(
          crossRows,
          [
            { header: 'asset', align: 'left', cell: (r) => r.asset },
            { header: 'measure', align: 'left', cell: (r) => (r.measure === 'fundingSpread' ? 'funding' : 'basis') },
            { header: 'long', align: 'left', cell: (r) => r.long.venue },
            { header: 'short', align: 'left', cell: (r) => r.short.venue },
            { header: 'spread bps', cell: (r) => fmtNum(r.measure === 'fundingSpread' ? r.spreadPer8hBps : r.spreadBps, 2) },
            { header: 'ann %', cell: (r) => (r.measure === 'fundingSpread' ? fmtNum(r.annualizedPct, 1) : '-'), drop: 2 },
            { header: 'fees bps', cell: (r) => fmtNum(r.feesBps, 1) },
            { header: 'payback 8h', cell: (r) => (r.measure === 'fundingSpread' ? fmtNum(r.paybackPeriods8h ?? undefined, 1) : '-'), drop: 1 },
            { header: 'net bps', cell: (r) => fmtNum(r.netAfterFeesBps, 1) },
            { header: 'prices', align: 'left', cell: (r) => `${fmtPrice(r.long.price)} / ${fmtPrice(r.short.price)}`, flex: true },
          ],
          maxWidth,
        ),
      );
      if (opts.sim) {
        io.out(
          `sim: the venues share one synthetic market, each after the first with a synthetic basis (within ${MAX_VENUE_BASIS_BPS} bps) and funding offset (within ${MAX_VENUE_FUNDING_OFFSET_BPS} bps per 8h) per asset: plausible gaps for the arithmetic, not measured from any exchange`,
        );
      }
      for (const line of legendLines(crossRows.find((r) => r.measure === 'fundingSpread')?.horizonHours ?? DEFAULT_CARRY_HORIZON_HOURS)) io.out(line);
    }
    if (cross.skipped.length > 0) io.out(skippedLine(cross.skipped));
  } finally {
    await stopAll();
  }
}
