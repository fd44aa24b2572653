import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostSecretStore } from '../../desktop/src/host/ports.js';

// What the scenarios that time RPC round trips over `perpscope serve`'s WebSocket share: the
// pinned sim, the `ws` client and a keychain that holds nothing.

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Turns an engine that never ranks into a failure instead of a hang; not a measurement. */
export const DEADLINE_MS = 300_000; // a deadline, not a wait: the bench fails past it

/** A seeded sim of `symbols` markets from a fixed start, every market admitted. */
export function simConfig(symbols: number) {
  return { sim: { symbols, seed: 17, startTimeMs: Date.UTC(2025, 0, 15, 14, 0, 0) }, universe: { minQuoteVolumeUsd: 0 } };
}

export interface Socket {
  on(event: 'message', fn: (data: unknown) => void): void;
  once(event: 'open' | 'error', fn: (e?: unknown) => void): void;
  send(data: string): void;
  close(): void;
}
// `ws` is a dependency of the desktop package (Node 20 has no WebSocket client of its own).
export const WebSocket = createRequire(join(repoRoot, 'desktop/package.json'))('ws') as new (url: string, options: { headers: Record<string, string> }) => Socket;

export const noSecrets: HostSecretStore = { set: () => Promise.resolve(), get: () => Promise.resolve(null), delete: () => Promise.resolve(false), list: () => Promise.resolve([]) };
