import { describe, expect, it } from 'vitest';
import { queryRanking } from '../../src/host/rankingQuery.js';
import { createRankingMirror } from '../../src/host/workerHost.js';
import { rankingRow, snapshot } from '../support/fakes.js';

const cycle = (asOfMs: number) => snapshot([rankingRow('BTC/USDT:USDT', 1), rankingRow('ETH/USDT:USDT', 2), rankingRow('SOL/USDT:USDT', 3)], asOfMs);

describe("the rankings table answered in the main thread from the engine thread's published cycles", () => {
  it('answers an empty table before the first cycle, then the latest cycle filtered and paged as the host does', () => {
    const mirror = createRankingMirror();
    expect(mirror.answer('rankings.query', { limit: 2 })).toMatchObject({ ok: true, value: { asOfMs: null, total: 0, rows: [] } });
    const latest = cycle(2_000);
    mirror.onEvent({ event: 'ranking', data: cycle(1_000) });
    mirror.onEvent({ event: 'ranking', data: latest });
    const params = { limit: 2, sortBy: 'symbol' as const };
    expect(mirror.answer('rankings.query', params)).toEqual({ ok: true, value: queryRanking(latest, params, null) });
    expect(mirror.answer('rankings.query', { profile: latest.profile, search: 'sol' })).toMatchObject({ ok: true, value: { total: 1 } });
  });

  it('leaves to the engine what it cannot answer the same: another profile, a watchlist, bad params, other methods', () => {
    const mirror = createRankingMirror();
    mirror.onEvent({ event: 'ranking', data: cycle(1_000) });
    expect(mirror.answer('rankings.query', { profile: 'some-other-profile' }), 'another profile is ranked on demand by the engine').toBeNull();
    expect(mirror.answer('rankings.query', { watchlist: 'majors' }), 'a watchlist is in the store').toBeNull();
    expect(mirror.answer('rankings.query', { limit: -1 }), 'the engine names the bad field').toBeNull();
    expect(mirror.answer('rankings.query', JSON.parse('{"__proto__":{"x":1}}')), 'unsafe params are refused by the engine').toBeNull();
    expect(mirror.answer('health.get', {})).toBeNull();
  });

  it('a command that may change the ranking sends queries to the engine until a cycle published after its reply', () => {
    const mirror = createRankingMirror();
    mirror.onEvent({ event: 'ranking', data: cycle(1_000) });
    const neutral = mirror.forwarding('keys.list');
    neutral();
    expect(mirror.answer('rankings.query', {}), 'a read changes nothing').toMatchObject({ ok: true, value: { asOfMs: 1_000 } });

    const replied = mirror.forwarding('profiles.apply');
    expect(mirror.answer('rankings.query', {}), 'while the switch is in flight').toBeNull();
    mirror.onEvent({ event: 'ranking', data: cycle(2_000) });
    expect(mirror.answer('rankings.query', {}), 'a cycle that may predate the switch').toBeNull();
    replied();
    expect(mirror.answer('rankings.query', {}), 'replied, but no cycle since').toBeNull();
    mirror.onEvent({ event: 'ranking', data: cycle(3_000) });
    expect(mirror.answer('rankings.query', {}), 'the first cycle after the reply').toMatchObject({ ok: true, value: { asOfMs: 3_000 } });
  });
});
