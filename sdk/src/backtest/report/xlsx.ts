import type { BacktestResult } from '../runBacktest.js';
import { metricRows } from './summary.js';

/** A workbook with the summary, per-strategy/symbol/side splits, periodic returns, trades and equity. */
export async function writeXlsx(result: BacktestResult, file: string): Promise<void> {
  // Loaded on use: the workbook library is large and only reports need it.
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Perpscope';
  const summary = wb.addWorksheet('Summary');
  summary.columns = [
    { header: 'Metric', key: 'label', width: 32 },
    { header: 'Value', key: 'value', width: 24 },
  ];
  for (const r of metricRows(result.metrics)) summary.addRow({ label: r.label, value: r.value });
  summary.addRow({});
  summary.addRow({ label: 'Data fingerprint', value: result.fingerprint });
  summary.addRow({ label: 'Symbols', value: result.symbols.join(' ') });

  for (const [name, split] of [['By strategy', result.byStrategy], ['By symbol', result.bySymbol], ['By side', result.bySide], ['By exit', result.byExitReason], ['By regime', result.byRegime]] as const) {
    const ws = wb.addWorksheet(name);
    ws.columns = [
      { header: 'Group', key: 'group', width: 22 },
      { header: 'Trades', key: 'trades', width: 8 },
      { header: 'Win rate %', key: 'winRatePct', width: 11 },
      { header: 'Net PnL USD', key: 'netPnlUsd', width: 13 },
      { header: 'Profit factor', key: 'profitFactor', width: 13 },
      { header: 'Payoff', key: 'payoffRatio', width: 9 },
      { header: 'Expectancy %', key: 'expectancyPct', width: 13 },
      { header: 'Expectancy R', key: 'expectancyR', width: 13 },
      { header: 'Fees USD', key: 'feesUsd', width: 10 },
      { header: 'Funding USD', key: 'fundingUsd', width: 12 },
    ];
    for (const [group, s] of Object.entries(split)) ws.addRow({ group, ...s });
  }

  const periods = wb.addWorksheet('Returns');
  periods.columns = [
    { header: 'Period', key: 'period', width: 12 },
    { header: 'Kind', key: 'kind', width: 8 },
    { header: 'Return %', key: 'returnPct', width: 11 },
  ];
  for (const [kind, list] of [['month', result.monthly], ['week', result.weekly], ['day', result.daily]] as const) {
    for (const p of list) periods.addRow({ period: p.period, kind, returnPct: p.returnPct });
  }

  const trades = wb.addWorksheet('Trades');
  const cols = ['tradeId', 'symbol', 'side', 'strategy', 'regime', 'openedAt', 'closedAt', 'entryPrice', 'exitPrice', 'sizeBase', 'notionalUsd', 'grossPnlUsd', 'feesUsd', 'fundingUsd', 'netPnlUsd', 'returnPct', 'rMultiple', 'exitReason'];
  trades.columns = cols.map((key) => ({ header: key, key, width: key === 'tradeId' ? 36 : 14 }));
  for (const t of result.trades) trades.addRow({ ...t, openedAt: new Date(t.openedAtMs), closedAt: new Date(t.closedAtMs) });

  const equity = wb.addWorksheet('Equity');
  equity.columns = [
    { header: 'at', key: 'at', width: 22 },
    { header: 'equityUsd', key: 'equityUsd', width: 14 },
    { header: 'openPositions', key: 'openPositions', width: 14 },
  ];
  for (const p of result.equity) equity.addRow({ at: new Date(p.atMs), equityUsd: p.equityUsd, openPositions: p.openPositions });

  await wb.xlsx.writeFile(file);
}

/** Rows per worksheet of a written workbook (header included), to check or list a report. */
export async function xlsxRowCounts(file: string): Promise<Record<string, number>> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return Object.fromEntries(wb.worksheets.map((ws) => [ws.name, ws.rowCount]));
}
