import type {
  BacktestRunSummaryView,
  ManipFlagView,
  OrderView,
  PositionView,
  RankingSnapshotView,
  SignalView,
  SymbolDetailView,
  TradingStatusView,
} from '@perpscope/shared';

/**
 * The short texts tools answer with, next to their JSON. A model reads them first, so they name
 * units and say plainly when there is nothing yet.
 */

/** A number for a sentence: at most `digits` decimals, `n/a` when unknown. */
export function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return String(Number(value.toFixed(digits)));
}

const iso = (ms: number | null): string => (ms === null ? 'n/a' : new Date(ms).toISOString());

function flagText(f: ManipFlagView): string {
  const evidence = Object.entries(f.evidence)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? num(v) : String(v)}`)
    .join(', ');
  return `${f.name} (severity ${num(f.severity, 2)}): ${f.message}${evidence ? ` [${evidence}]` : ''}`;
}

function signalText(s: SignalView): string {
  const probability = s.calibrated ? `p=${num(s.probability, 3)}` : 'uncalibrated';
  return `${s.symbol} ${s.timeframe} ${s.side} score ${num(s.score, 3)} ${probability} entry ${num(s.entryPrice)} stop ${num(s.stopPrice)} at ${iso(s.createdAtMs)}${s.tags.length ? ` [${s.tags.join(', ')}]` : ''}`;
}

function positionText(p: PositionView): string {
  return `${p.symbol} ${p.side} ${num(p.sizeBase, 8)} @ ${num(p.entryPrice)} mark ${num(p.markPrice)} uPnL ${num(p.unrealizedPnlUsd, 2)} USD, SL ${num(p.stopLossPrice)} TP ${num(p.takeProfitPrice)}`;
}

export function orderText(o: OrderView): string {
  const price = o.avgFillPrice ?? o.price;
  return `${o.side} ${o.type} ${num(o.amountBase, 8)} ${o.symbol}: ${o.status}${price !== null ? ` @ ${num(price)}` : ''}${o.reason ? ` (${o.reason})` : ''} [id ${o.id}]`;
}

export function rankingSummary(r: RankingSnapshotView): string {
  if (r.asOfMs === null) return `No ranking yet for profile "${r.profile}": the first ranking cycle has not finished (the engine is warming up). Try again shortly.`;
  const head = `Ranking "${r.profile}" as of ${iso(r.asOfMs)}: ${r.rows.length} of ${r.total} rows (sides by ${r.side.basis}).`;
  const rows = r.rows.map(
    (row) =>
      `${row.rank}. ${row.symbol} ${row.bias} score ${num(row.score, 3)} confidence ${num(row.confidence, 2)} price ${num(row.lastPrice)} 24h ${num(row.change24hPct, 2)}% vol ${num(row.quoteVolume24hUsd, 0)} USD manipScore ${num(row.manipScore, 1)}${row.flags.length ? ` flags: ${row.flags.map((f) => f.name).join(', ')}` : ''}`,
  );
  return [head, ...rows].join('\n');
}

export function symbolSummary(symbol: string, d: Omit<SymbolDetailView, 'orderBook'>): string {
  const lines = [`${symbol}: last ${num(d.lastPrice)} mark ${num(d.markPrice)} funding ${num(d.fundingRate, 6)} open interest ${num(d.openInterestUsd, 0)} USD`];
  const micro = Object.entries(d.microstructure).map(([k, v]) => `${k}=${num(v)}`);
  if (micro.length) lines.push(`Microstructure: ${micro.join(', ')}`);
  lines.push(d.ranking ? `Ranking: #${d.ranking.rank} ${d.ranking.bias} score ${num(d.ranking.score, 3)} confidence ${num(d.ranking.confidence, 2)}` : 'Ranking: not ranked (yet)');
  if (d.manipulation) {
    lines.push(`Manipulation score ${num(d.manipulation.manipScore, 1)}/100 (a heuristic, not a probability), ${d.manipulation.flags.length} flag(s)`);
    for (const f of d.manipulation.flags) lines.push(`  - ${flagText(f)}`);
  } else {
    lines.push('Manipulation: not scored (yet)');
  }
  lines.push(d.signals.length ? `Signals (${d.signals.length}):` : 'Signals: none recent');
  for (const s of d.signals.slice(0, 5)) lines.push(`  - ${signalText(s)}`);
  lines.push(d.position ? `Position: ${positionText(d.position)}` : 'Position: none');
  return lines.join('\n');
}

export function signalsSummary(signals: readonly SignalView[]): string {
  if (signals.length === 0) return 'No signals match.';
  return [`${signals.length} signal(s), newest first:`, ...signals.map((s) => `- ${signalText(s)}`)].join('\n');
}

export function tradingSummary(t: TradingStatusView): string {
  const account = t.account
    ? `equity ${num(t.account.equityUsd, 2)} USD, balance ${num(t.account.balanceUsd, 2)} USD, unrealized ${num(t.account.unrealizedPnlUsd, 2)} USD, realized ${num(t.account.realizedPnlUsd, 2)} USD, today ${num(t.account.dailyPnlUsd, 2)} USD`
    : 'account not read yet';
  const lines = [
    `${t.mode.toUpperCase()} on ${t.exchange}${t.liveAccount ? ` (${t.liveAccount.exchange}:${t.liveAccount.label})` : ''}; autotrade ${t.autotrade ? 'on' : 'off'}; kill switch ${t.killSwitch.active ? `ON (${t.killSwitch.reason ?? 'no reason'})` : 'off'}`,
    `Account: ${account}`,
    t.positions.length ? `Positions (${t.positions.length}):` : 'Positions: none',
    ...t.positions.map((p) => `  - ${positionText(p)}`),
    t.orders.length ? `Open orders (${t.orders.length}):` : 'Open orders: none',
    ...t.orders.map((o) => `  - ${orderText(o)}`),
  ];
  return lines.join('\n');
}

export function backtestSummary(run: BacktestRunSummaryView): string {
  const m = run.metrics;
  return [
    `Backtest ${run.id} (${run.timeframe}, ${run.symbols.length} symbol(s), ${iso(run.startMs)} to ${iso(run.endMs)}):`,
    `return ${num(m.totalReturnPct, 2)}%, max drawdown ${num(m.maxDrawdownPct, 2)}%, Sharpe ${num(m.sharpe, 2)}, Sortino ${num(m.sortino, 2)}`,
    `${m.trades} trade(s): win rate ${num(m.winRatePct, 1)}%, profit factor ${num(m.profitFactor, 2)}, expectancy ${num(m.expectancyPct, 3)}% per trade, net ${num(m.netPnlUsd, 2)} USD after ${num(m.feesUsd, 2)} USD fees`,
  ].join('\n');
}
