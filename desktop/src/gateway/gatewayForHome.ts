import { openStore, SystemClock, type Logger, type PerpscopeConfig } from '@perpscope/sdk';
import type { Host } from '../host/index.js';
import { startWebhookGateway, type RunningWebhookGateway } from './startWebhookGateway.js';

export interface HomeGatewayOptions {
  host: Pick<Host, 'call'>;
  /** The Perpscope home whose database holds the receipts (the engine's own database). */
  home: string;
  config: Pick<PerpscopeConfig, 'webhook'>;
  logger?: Logger;
  /** Defaults to 127.0.0.1. */
  bindHost?: string;
  /** Defaults to `webhook.port`. */
  port?: number;
}

/**
 * The gateway as the shells run it: over wall time, with its own connection to the home's
 * database (SQLite WAL lets it write receipts beside the engine's connection), closed with it.
 */
export async function startHomeWebhookGateway(options: HomeGatewayOptions): Promise<RunningWebhookGateway> {
  const store = openStore({ home: options.home });
  try {
    const gateway = await startWebhookGateway({
      host: options.host,
      config: options.config,
      store,
      clock: new SystemClock(),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.bindHost !== undefined ? { bindHost: options.bindHost } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
    });
    return {
      ...gateway,
      async close() {
        try {
          await gateway.close();
        } finally {
          store.close();
        }
      },
    };
  } catch (e) {
    store.close();
    throw e;
  }
}
