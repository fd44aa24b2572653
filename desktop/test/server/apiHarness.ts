import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@perpscope/sdk';
import type { OrderView, RankingRowView } from '@perpscope/shared';
import { startSimHost, stopSimHost, type RunningHost } from '../host/hostHarness.js';
import { hostEngineFactory, type HostSecretStore } from '../../src/host/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';

export const TOKEN = 'api-test-token-0123456789';

/** One sim minute per wall second; a 1m timeframe closes a bar, hence a ranking cycle, about every second. */
const CONFIG = { sim: { symbols: 10, seed: 7, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 60, universe: { minQuoteVolumeUsd: 0 } };

/** The REST routes never read keys; a store that holds nothing keeps the tests off the keychain. */
const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('not used')),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

export interface ApiFixture extends RunningHost {
  server: RunningServer;
  home: string;
  /** GET with the bearer token. */
  get(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** A real sim engine and host behind a real server on 127.0.0.1:0 (no built UI needed), over a temp home. */
export async function startApiFixture(): Promise<ApiFixture> {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-api-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  const running = await startSimHost(hostEngineFactory({ openStore, env: {}, orderFlowIntervalMs: 60_000 }), home, noSecrets);
  const server = await startServer({ port: 0, token: TOKEN, hostService: running.host, rendererDir: join(home, 'no-renderer') });
  return {
    ...running,
    server,
    home,
    get: (path, init = {}) => fetch(`${server.url}${path}`, { ...init, redirect: 'manual', headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string> | undefined) } }),
    async stop() {
      await server.close();
      await stopSimHost(running);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The most liquid ranked symbol with a price, once the first ranking cycle is in. */
export function liquidRow(fx: RunningHost): Promise<RankingRowView> {
  return until('a ranked liquid symbol', async () => {
    const res = await fx.host.call('rankings.query', { sortBy: 'quoteVolume24hUsd', limit: 1 });
    const row = res.ok ? res.value.rows[0] : undefined;
    return row && row.lastPrice !== null ? row : null;
  });
}

/** Places a small paper market buy through the host, as the UI does, and returns the filled order. */
export async function placePaperBuy(fx: RunningHost, symbol: string): Promise<OrderView> {
  const placed = await fx.host.call('orders.place', { symbol, side: 'buy', type: 'market', notionalUsd: 40 });
  if (!placed.ok) throw new Error(`paper order refused: ${JSON.stringify(placed.error)}`);
  return placed.value.order;
}
