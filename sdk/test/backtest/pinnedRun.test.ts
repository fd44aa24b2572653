import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dataRoot, requireData } from '../../../test/support/testData.js';
import { PINNED_SET, pinnedRun } from './pinnedRun.js';

// The replay's speed work (in-memory ledger, narrower cache invalidation, searched funding) must
// not change a single trade: the pinned runs equal what they gave before it, field for field.
describe.skipIf(!requireData(PINNED_SET))('pinned real-data backtest', () => {
  it('reproduces the captured trades, counts, metrics and equity curve exactly', async () => {
    const expected = JSON.parse(readFileSync(new URL('./fixtures/pinned-run.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const actual = JSON.parse(JSON.stringify(await pinnedRun(dataRoot()!))) as Record<string, unknown>;
    expect(actual).toEqual(expected);
    // The runs trade (stops and targets from bar paths), so equality says something.
    expect((expected['ema-cross'] as { trades: unknown[] }).trades.length).toBeGreaterThan(10);
    expect((expected['default'] as { trades: unknown[] }).trades.length).toBeGreaterThan(10);
  }, 120_000); // a deadline against a hang, not a speed claim: the two runs replay about 2,000 symbol-bars
});
