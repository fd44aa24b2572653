/**
 * Quickstart: rank a SimExchange market in five lines (the example of sdk/README.md).
 * The sim is seeded and its clock pinned, so every run ranks the same market.
 * Run: node --import tsx quickstart.ts
 */
import { createEngine } from '@perpscope/sdk';

const engine = createEngine({ exchange: 'sim', timeframes: ['15m'], sim: { symbols: 20, seed: 7, startTimeMs: Date.UTC(2025, 0, 15, 14), rateLimitScale: 20 } }, { live: false });
await engine.start();
for (const row of engine.rank({ top: 5 }).rows) console.log(row.rank, row.symbol, row.score.toFixed(2));
await engine.stop();
