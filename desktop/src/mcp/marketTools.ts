import { RPC_METHODS, SymbolDetailViewSchema, RankingSnapshotViewSchema, ok, type Result } from '@perpscope/shared';
import { z } from 'zod';
import type { Host } from '../host/host.js';
import { defineTool, type McpTool } from './defineTool.js';
import { rankingSummary, signalsSummary, symbolSummary } from './summaries.js';

/** Rows a tool returns when the caller names no limit: enough to compare, short enough to read. */
export const DEFAULT_TOOL_ROWS = 20;

const RankingsInput = RPC_METHODS['rankings.query'].input.pick({
  profile: true,
  limit: true,
  search: true,
  minQuoteVolumeUsd: true,
  maxManipScore: true,
  sortBy: true,
  sortDir: true,
});

/** What `explain_symbol` answers: the inspection without the order book, which is noise to a model. */
export const ExplainSymbolOutput = SymbolDetailViewSchema.omit({ orderBook: true }).extend({ symbol: z.string() });

const SignalsOutput = RPC_METHODS['signals.list'].output;

/** The read-only market tools: rankings, one symbol explained, and the signal feed. */
export function marketTools(host: Host): McpTool[] {
  return [
    defineTool({
      name: 'rankings',
      title: 'Perp rankings',
      description:
        'The latest cross-sectional ranking of the perpetual futures universe under a scoring profile: per symbol its rank, score, side bias (long/short), confidence, price, 24h change and volume, spread, ATR, funding, manipulation score and flags. Empty (asOfMs null) until the first ranking cycle has finished.',
      input: RankingsInput,
      fields: {
        profile: 'scoring profile (e.g. swing, scalp); the active one when absent',
        limit: `rows to return (default ${DEFAULT_TOOL_ROWS})`,
        search: 'case-insensitive substring of the symbol, e.g. "BTC"',
        minQuoteVolumeUsd: 'only symbols with at least this 24h quote volume, in USD',
        maxManipScore: 'only symbols whose manipulation score (0-100) is at most this',
        sortBy: 'column to sort by (default rank)',
        sortDir: 'asc or desc',
      },
      output: RankingSnapshotViewSchema,
      readOnly: true,
      async run(args) {
        const res = await host.call('rankings.query', { ...args, limit: args.limit ?? DEFAULT_TOOL_ROWS });
        return res.ok ? ok({ summary: rankingSummary(res.value), value: res.value }) : res;
      },
    }),
    defineTool({
      name: 'explain_symbol',
      title: 'Explain a symbol',
      description:
        'Everything Perpscope knows about one perpetual: prices, funding and open interest, microstructure figures (spread, depth, trade rate), its ranking row and score components, the manipulation score with each flag and the evidence that raised it, recent signals with their out-of-sample evidence, and the open position if any.',
      input: RPC_METHODS['symbol.inspect'].input,
      fields: {
        symbol: 'ccxt unified perp symbol, e.g. BTC/USDT:USDT',
        timeframe: 'timeframe for timeframe-dependent figures, e.g. 15m (default: the first configured)',
      },
      output: ExplainSymbolOutput,
      readOnly: true,
      async run(args): Promise<Result<{ summary: string; value: z.output<typeof ExplainSymbolOutput> }>> {
        const res = await host.call('symbol.inspect', args);
        if (!res.ok) return res;
        const { orderBook: _book, ...detail } = res.value;
        return ok({ summary: symbolSummary(args.symbol, detail), value: { symbol: args.symbol, ...detail } });
      },
    }),
    defineTool({
      name: 'signals',
      title: 'Recent signals',
      description:
        'Trade signals the engine emitted, newest first: symbol, timeframe, side, score, probability (only meaningful when calibrated), entry/stop/targets, tags, and the agreeing strategies\' out-of-sample evidence.',
      input: RPC_METHODS['signals.list'].input,
      fields: {
        symbol: 'only this ccxt unified perp symbol, e.g. ETH/USDT:USDT',
        sinceMs: 'only signals created at or after this time, ms since epoch (UTC)',
        limit: `signals to return (default ${DEFAULT_TOOL_ROWS})`,
      },
      output: SignalsOutput,
      readOnly: true,
      async run(args) {
        const res = await host.call('signals.list', { ...args, limit: args.limit ?? DEFAULT_TOOL_ROWS });
        return res.ok ? ok({ summary: signalsSummary(res.value.signals), value: res.value }) : res;
      },
    }),
  ];
}
