import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/cli/commands/scan.js';
import { captureIo } from './testIo.js';

/**
 * The scan's output on a pinned SimExchange (seed and start) is part of its behaviour: speed work
 * on the generator, the wire or the warm-up must leave every byte of it as it was. The hash was
 * taken from the scan before that work; a change that is meant to change the ranking (a new
 * feature, a retuned weight) updates it and says so.
 */
const PINNED_SHA256 = '181469ea434fa020cda520002aab379c3a6137a043637984d1abf563f9d554bb';

describe('perpscope scan on a pinned sim', () => {
  it('prints the same ranking, byte for byte, as before any speed work (SHA-256 of the JSON lines)', async () => {
    const io = captureIo(false);
    await runScan({ sim: true, symbols: 16, seed: 7, startMs: Date.UTC(2025, 0, 15, 14), top: 16, timeframes: ['15m', '1h'], home: '/nonexistent-perpscope-home' }, io);
    expect(io.lines.length, 'rows to hash').toBeGreaterThan(5);
    expect(io.lines.map((l) => (JSON.parse(l) as { rank: number }).rank)).toEqual(io.lines.map((_, i) => i + 1));
    const sha = createHash('sha256').update(io.lines.join('\n')).digest('hex');
    expect(sha).toBe(PINNED_SHA256);
  }, 120_000);
});
