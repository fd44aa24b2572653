import { ErrorCode, err, ok, type Result, type TradingModeView } from '@perpscope/shared';
import type { Host } from '../host/host.js';

/**
 * Decides whether an MCP client may send an order now. A paper session always may; a live one
 * only when `mcp.allowLiveOrders` is true, since letting an assistant act on real money is a choice
 * the trader makes in the config file, not one a chat can make. When the mode cannot be read the
 * order is refused with the read's own error: not knowing is not paper.
 *
 * The mode can change after this read; callers send it as the order's `expectMode`, which the
 * host checks atomically, so this gate is the friendly early answer and the host the guarantee.
 *
 * @returns the session's mode when the order may go on, else the error to answer with.
 */
export async function orderGate(host: Host, allowLiveOrders: boolean, tool: string): Promise<Result<TradingModeView>> {
  const status = await host.call('trading.status', {});
  if (!status.ok) return status;
  const { mode, liveAccount } = status.value;
  if (mode !== 'live' || allowLiveOrders) return ok(mode);
  const account = liveAccount ? ` (${liveAccount.exchange}:${liveAccount.label})` : '';
  return err(
    ErrorCode.PermissionDenied,
    `${tool} refused: the trading session is LIVE${account} and mcp.allowLiveOrders is false; MCP clients trade paper sessions only unless config.json sets "mcp": { "allowLiveOrders": true }`,
    { field: 'mcp.allowLiveOrders', value: false, expected: true, mode },
  );
}
