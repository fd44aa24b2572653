import type { BacktestResult } from '../runBacktest.js';
import { readEchartsBundle } from './echartsSource.js';
import { metricRows } from './summary.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x)).replace(/</g, '\\u003c');

/**
 * A self-contained HTML report: the metrics table, equity and drawdown curves, a monthly returns
 * heatmap and per-strategy bars, drawn by ECharts inlined into the page (no network needed).
 * Without an installed ECharts the tables are still written and the charts say why they are missing.
 */
export function renderHtmlReport(result: BacktestResult, echarts: string | null = readEchartsBundle()): string {
  let peak = -Infinity;
  const curve = result.equity.map((p) => {
    peak = Math.max(peak, p.equityUsd);
    return [p.atMs, Number(p.equityUsd.toFixed(4)), Number((((p.equityUsd - peak) / peak) * 100).toFixed(4))];
  });
  const monthly = result.monthly.map((m) => [m.period, Number(m.returnPct.toFixed(4))]);
  const strategies = Object.entries(result.byStrategy).map(([name, s]) => ({ name, trades: s.trades, netPnlUsd: s.netPnlUsd, winRatePct: s.winRatePct, profitFactor: s.profitFactor }));
  const rows = metricRows(result.metrics)
    .map((r) => `<tr><th>${escapeHtml(r.label)}</th><td>${escapeHtml(r.value)}</td></tr>`)
    .join('');
  const split = (title: string, groups: BacktestResult['byStrategy']) =>
    `<h2>${title}</h2><table class="grid"><tr><th>group</th><th>trades</th><th>win %</th><th>net USD</th><th>PF</th><th>exp. %</th><th>exp. R</th></tr>${Object.entries(groups)
      .map(([g, s]) => `<tr><td>${escapeHtml(g)}</td><td>${s.trades}</td><td>${fmt(s.winRatePct)}</td><td>${fmt(s.netPnlUsd)}</td><td>${fmt(s.profitFactor)}</td><td>${fmt(s.expectancyPct, 3)}</td><td>${fmt(s.expectancyR, 3)}</td></tr>`)
      .join('')}</table>`;
  const charts = echarts
    ? `<script>${echarts.replace(/<\/script/gi, '<\\/script')}</script>
<script>
const curve = ${scriptJson(curve)};
const monthly = ${scriptJson(monthly)};
const strategies = ${scriptJson(strategies)};
const grid = { left: 70, right: 30, top: 40, bottom: 40 };
echarts.init(document.getElementById('equity')).setOption({ title: { text: 'Equity (USD)' }, tooltip: { trigger: 'axis' }, grid, xAxis: { type: 'time' }, yAxis: { type: 'value', scale: true }, series: [{ type: 'line', showSymbol: false, data: curve.map((p) => [p[0], p[1]]) }] });
echarts.init(document.getElementById('drawdown')).setOption({ title: { text: 'Drawdown (%)' }, tooltip: { trigger: 'axis' }, grid, xAxis: { type: 'time' }, yAxis: { type: 'value' }, series: [{ type: 'line', showSymbol: false, areaStyle: {}, data: curve.map((p) => [p[0], p[2]]) }] });
const years = [...new Set(monthly.map((m) => m[0].slice(0, 4)))];
const months = ['01','02','03','04','05','06','07','08','09','10','11','12'];
const cells = monthly.map((m) => [months.indexOf(m[0].slice(5, 7)), years.indexOf(m[0].slice(0, 4)), m[1]]);
const span = Math.max(0.01, ...monthly.map((m) => Math.abs(m[1])));
echarts.init(document.getElementById('monthly')).setOption({ title: { text: 'Monthly returns (%)' }, tooltip: {}, grid, xAxis: { type: 'category', data: months }, yAxis: { type: 'category', data: years }, visualMap: { min: -span, max: span, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#c0392b', '#f7f7f7', '#27ae60'] } }, series: [{ type: 'heatmap', data: cells, label: { show: true, formatter: (p) => p.value[2].toFixed(2) } }] });
echarts.init(document.getElementById('strategies')).setOption({ title: { text: 'Net PnL by strategy (USD)' }, tooltip: {}, grid, xAxis: { type: 'category', data: strategies.map((s) => s.name) }, yAxis: { type: 'value' }, series: [{ type: 'bar', data: strategies.map((s) => ({ value: s.netPnlUsd, itemStyle: { color: s.netPnlUsd >= 0 ? '#27ae60' : '#c0392b' } })) }] });
</script>`
    : '<p class="warn">ECharts is not installed next to Perpscope, so this report has no charts; the tables are complete.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Perpscope backtest ${escapeHtml(result.timeframe)} ${escapeHtml(new Date(result.startMs).toISOString().slice(0, 10))}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin-bottom: 16px; }
th, td { padding: 3px 10px; text-align: left; border-bottom: 1px solid #eee; }
table.grid td { text-align: right; } table.grid td:first-child { text-align: left; }
.chart { width: 100%; max-width: 1100px; height: 320px; margin-bottom: 24px; }
.warn { color: #a00; }
code { background: #f4f4f4; padding: 1px 4px; }
</style></head><body>
<h1>Backtest</h1>
<p>${escapeHtml(result.symbols.length.toString())} symbols, ${escapeHtml(result.timeframe)} bars; data fingerprint <code>${escapeHtml(result.fingerprint.slice(0, 16))}</code>; ${result.signals} signals, ${result.placed} placed, ${result.metrics.trades} trades.</p>
<table>${rows}</table>
<div id="equity" class="chart"></div>
<div id="drawdown" class="chart"></div>
<div id="monthly" class="chart"></div>
<div id="strategies" class="chart"></div>
${split('By strategy', result.byStrategy)}
${split('By side', result.bySide)}
${split('By exit', result.byExitReason)}
${split('By regime', result.byRegime)}
${split('By symbol', result.bySymbol)}
${charts}
</body></html>
`;
}

function fmt(x: number | null, digits = 2): string {
  return x === null || !Number.isFinite(x) ? '-' : x.toFixed(digits);
}
