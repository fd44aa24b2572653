import { candleCoverage, type CoverageFilter, type SeriesCoverage } from '../../data/coverage.js';
import { openStore } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import type { GlobalOptions } from '../program.js';
import { renderTable } from '../render/table.js';

export interface DataListCliOptions extends GlobalOptions, CoverageFilter {
  json?: boolean;
}

const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/**
 * `perpscope data list`: coverage of the candle store per exchange, symbol and timeframe (first,
 * last, count, expected count, gaps and the largest one). A table in a terminal; one JSON object
 * (`series`) with `--json` or when piped.
 */
export function runDataList(opts: DataListCliOptions, io: CliIo): SeriesCoverage[] {
  const { home } = loadCliConfig(opts, io.env, {});
  const store = openStore({ home });
  let series: SeriesCoverage[];
  try {
    series = candleCoverage(store, {
      ...(opts.exchange !== undefined ? { exchange: opts.exchange } : {}),
      ...(opts.symbol !== undefined ? { symbol: opts.symbol } : {}),
      ...(opts.timeframe !== undefined ? { timeframe: opts.timeframe } : {}),
    });
  } finally {
    store.close();
  }
  if (opts.json === true || !io.isTTY) {
    io.out(JSON.stringify({ series }));
    return series;
  }
  if (series.length === 0) {
    io.out(`no candles stored in ${home} (perpscope data import FILE|DIR, or perpscope data download)`);
    return series;
  }
  io.out(
    renderTable(series, [
      { header: 'exchange', align: 'left', cell: (s) => s.exchange },
      { header: 'symbol', align: 'left', cell: (s) => s.symbol },
      { header: 'tf', align: 'left', cell: (s) => s.timeframe },
      { header: 'first', align: 'left', cell: (s) => minute(s.firstOpenTimeMs) },
      { header: 'last', align: 'left', cell: (s) => minute(s.lastOpenTimeMs) },
      { header: 'count', cell: (s) => String(s.count) },
      { header: 'expected', cell: (s) => (s.expectedCount === null ? '-' : String(s.expectedCount)) },
      { header: 'gaps', cell: (s) => (s.gaps ? `${s.gaps} (${s.missingBars} bars)` : '0') },
      { header: 'largest gap', align: 'left', cell: (s) => (s.largestGap ? `${s.largestGap.missingBars} bars after ${minute(s.largestGap.afterOpenTimeMs)}` : '-') },
    ]),
  );
  return series;
}
