import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SimPrivateEvent } from '../privateEvents.js';
import type { SimApiKey } from '../types.js';
import { BinanceWsHub } from './binanceusdm/ws.js';
import { BybitWsHub } from './bybit/ws.js';
import { HtxWsHub } from './htx/ws.js';
import type { SimCore, SimDialectName } from './types.js';

/**
 * The websockets of a dialect other than BloFin (BloFin's are `WsHub`, which predates the
 * dialects), served on the REST port: the market streams and, where the dialect has them, the
 * private streams fed by the core's account events.
 */
export interface DialectWsHub {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  start(): void;
  stop(): Promise<void>;
  /** Drops every socket (the `dropWebsockets` fault). */
  dropAll(): void;
  counters(): { pushRounds: number; dataMessages: number };
  /** Authenticated sockets following the private `channel` (the dialect's own channel name). */
  privateSubscriptions(channel: string): number;
  /** An account change to render on the dialect's private streams; absent when it has none. */
  onPrivateEvent?(e: SimPrivateEvent): void;
}

export interface DialectWsOptions {
  apiKey: SimApiKey | null;
  pushIntervalMs: number;
}

/** The websocket hub of `name` over the shared core, or null for BloFin (served by `WsHub`). */
export function createDialectWsHub(name: SimDialectName, core: SimCore, opts: DialectWsOptions): DialectWsHub | null {
  if (name === 'binanceusdm') return new BinanceWsHub(core.ctx, core.faults, opts.pushIntervalMs, { privateApi: core.privateApi, apiKey: opts.apiKey });
  if (name === 'bybit') return new BybitWsHub(core.ctx, core.faults, opts.pushIntervalMs, core.privateApi, opts.apiKey);
  if (name === 'htx') return new HtxWsHub(core, opts.apiKey, opts.pushIntervalMs);
  return null;
}
