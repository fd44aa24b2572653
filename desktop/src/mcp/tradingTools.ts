import { ErrorCode, OrderViewSchema, RPC_METHODS, TradingModeViewSchema, TradingStatusViewSchema, err, ok, type Result } from '@perpscope/shared';
import { z } from 'zod';
import type { Host } from '../host/host.js';
import { defineTool, type McpTool } from './defineTool.js';
import { orderGate } from './orderGate.js';
import { orderText, tradingSummary } from './summaries.js';

/** What an order tool answers: the order as the broker recorded it, and the session it went to. */
export const OrderAnswer = z.object({ mode: TradingModeViewSchema, order: OrderViewSchema });

export interface TradingToolOptions {
  /** `mcp.allowLiveOrders`: orders in a live session are refused unless true. */
  allowLiveOrders: boolean;
}

const EXPECT_MODE_FIELD = 'paper or live: refuse (PERMISSION_DENIED) unless the session is in this mode when the order is sent (default: the mode the tool read just before)';

/**
 * The trading tools. Each order tool reads the session mode (the gate), then sends the order with
 * that mode as `expectMode`, which the host checks in the same step that picks the session: a
 * session armed LIVE in between refuses the order instead of taking it, and the mode an answer
 * reports is the one the order went to. Orders go through the host's `orders.place` and `positions.close`, so the
 * broker's one order path applies (market grid, executable price, RiskPolicy, ledger); these tools
 * add no sizing or risk logic of their own.
 */
/** A host refusal of `expectMode` said in MCP terms; any other failure passes through as it is. */
function sessionChanged<T>(res: Result<T> & { ok: false }, tool: string, allowLiveOrders: boolean): Result<never> {
  if (res.error.code !== ErrorCode.PermissionDenied || (res.error.details as { field?: unknown } | undefined)?.field !== 'expectMode') return res;
  const hint = allowLiveOrders ? '' : '; MCP clients trade paper sessions only unless config.json sets "mcp": { "allowLiveOrders": true }';
  return err(ErrorCode.PermissionDenied, `${tool} refused: the trading session changed mode before the order was sent (${res.error.message})${hint}`, {
    ...(res.error.details as Record<string, unknown>),
    allowLiveOrders,
  });
}

export function tradingTools(host: Host, options: TradingToolOptions): McpTool[] {
  return [
    defineTool({
      name: 'positions',
      title: 'Positions and account',
      description:
        'The trading session: mode (paper or live), exchange, autotrade and kill switch state, account equity and PnL (USD, including today\'s), open positions with entry, mark, unrealized PnL and stops, and working orders.',
      input: RPC_METHODS['trading.status'].input,
      fields: {},
      output: TradingStatusViewSchema,
      readOnly: true,
      async run() {
        const res = await host.call('trading.status', {});
        return res.ok ? ok({ summary: tradingSummary(res.value), value: res.value }) : res;
      },
    }),
    defineTool({
      name: 'place_paper_order',
      title: 'Place an order (paper)',
      description:
        'Places a manual order in the paper session, through the same order path and RiskPolicy as the app: the policy may refuse or resize it. Size with exactly one of amountBase or notionalUsd. Refused with PERMISSION_DENIED while the session is live unless the config sets mcp.allowLiveOrders.',
      input: RPC_METHODS['orders.place'].input,
      fields: {
        symbol: 'ccxt unified perp symbol, e.g. BTC/USDT:USDT',
        side: 'buy (long) or sell (short)',
        type: 'market or limit',
        amountBase: 'size in base units (give this or notionalUsd)',
        notionalUsd: 'size in USD notional (give this or amountBase)',
        price: 'limit price (limit orders only)',
        takeProfitPrice: 'take-profit trigger price',
        stopLossPrice: 'stop-loss trigger price',
        leverage: 'leverage, 1-125 (default: the risk policy\'s)',
        reduceOnly: 'only reduce an open position',
        postOnly: 'limit only: rest as maker; the venue cancels it rather than let it take',
        timeInForce: 'limit only: GTC (default), IOC or FOK; IOC/FOK cannot be post-only',
        expectMode: EXPECT_MODE_FIELD,
      },
      output: OrderAnswer,
      readOnly: false,
      async run(args) {
        const gate = await orderGate(host, options.allowLiveOrders, 'place_paper_order');
        if (!gate.ok) return gate;
        const mode = args.expectMode ?? gate.value;
        const res = await host.call('orders.place', { ...args, expectMode: mode });
        if (!res.ok) return sessionChanged(res, 'place_paper_order', options.allowLiveOrders);
        return ok({ summary: `${mode.toUpperCase()} order ${orderText(res.value.order)}`, value: { mode, order: res.value.order } });
      },
    }),
    defineTool({
      name: 'close_position',
      title: 'Close a position',
      description:
        'Closes the open position in a symbol with a reduce-only market order through the host (paper session; refused with PERMISSION_DENIED while live unless the config sets mcp.allowLiveOrders).',
      input: RPC_METHODS['positions.close'].input,
      fields: {
        symbol: 'ccxt unified perp symbol of the open position, e.g. BTC/USDT:USDT',
        fraction: 'part of the position to close, > 0 and <= 1 (default 1, all); rounded down to the lot',
        type: 'market (default) or limit (rests a reduce-only limit order)',
        price: 'limit price (limit closes only)',
        expectMode: EXPECT_MODE_FIELD,
      },
      output: OrderAnswer,
      readOnly: false,
      async run(args) {
        const gate = await orderGate(host, options.allowLiveOrders, 'close_position');
        if (!gate.ok) return gate;
        const mode = args.expectMode ?? gate.value;
        const res = await host.call('positions.close', { ...args, expectMode: mode });
        if (!res.ok) return sessionChanged(res, 'close_position', options.allowLiveOrders);
        return ok({ summary: `${mode.toUpperCase()} close ${orderText(res.value.order)}`, value: { mode, order: res.value.order } });
      },
    }),
  ];
}
