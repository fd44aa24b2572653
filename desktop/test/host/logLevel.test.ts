import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '@perpscope/sdk';
import { openStore } from '../../../sdk/src/store/index.js';
import { hostEngineFactory } from '../../src/host/index.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

function recording(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const logger: Logger = {
    debug: (_f, m) => messages.push(`debug:${m}`),
    info: (_f, m) => messages.push(`info:${m}`),
    warn: (_f, m) => messages.push(`warn:${m}`),
    error: (_f, m) => messages.push(`error:${m}`),
    child: () => logger,
  };
  return { logger, messages };
}

describe('the desktop engine runtime honours logLevel', () => {
  it.each([
    ['info', true],
    ['warn', false],
  ] as const)('at %s the start record is logged: %s', async (logLevel, logged) => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-loglevel-'));
    writeFileSync(join(home, 'config.json'), JSON.stringify({ logLevel, sim: { symbols: 4, seed: 3, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 60 }));
    const { logger, messages } = recording();
    const runtime = await hostEngineFactory({ openStore, env: {} })({ home, sim: true, logger });
    try {
      expect(messages.includes('info:engine runtime starting'), JSON.stringify(messages)).toBe(logged);
    } finally {
      await runtime.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
