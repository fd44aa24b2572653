import { describe, expect, it } from 'vitest';
import { trailingSingleFlight } from '../../src/renderer/lib/trailingSingleFlight.js';

/** A read the test answers by hand, counting how many were started. */
function gatedRead() {
  const pending: (() => void)[] = [];
  let started = 0;
  const fn = () => {
    started += 1;
    return new Promise<void>((resolve) => pending.push(resolve));
  };
  const answerNext = async () => {
    // Let the flight's loop reach its next read before answering it.
    for (let i = 0; i < 5 && pending.length === 0; i++) await Promise.resolve();
    pending.shift()?.();
  };
  return { fn, answerNext, started: () => started, pending };
}

describe('renderer: one status read at a time', () => {
  it('calls during a read share it and cause exactly one more read, which the callers wait for', async () => {
    const r = gatedRead();
    const flight = trailingSingleFlight(r.fn);
    const first = flight.run();
    const during = [flight.run(), flight.run(), flight.run()];
    expect(r.started(), 'no second read beside the first').toBe(1);
    expect(flight.busy()).toBe(true);
    let settled = false;
    void during[0]!.then(() => (settled = true));
    await r.answerNext();
    await Promise.resolve();
    expect(settled, 'a caller that asked mid-read waits for a read made after it asked').toBe(false);
    expect(r.started(), 'three calls during the read: one more read, not three').toBe(2);
    await r.answerNext();
    await Promise.all([first, ...during]);
    expect(r.started()).toBe(2);
    expect(flight.busy()).toBe(false);
  });

  it('a failed read frees the flight and the failure reaches the caller', async () => {
    let calls = 0;
    const flight = trailingSingleFlight(async () => {
      calls += 1;
      if (calls === 1) throw new Error('socket closed');
    });
    await expect(flight.run()).rejects.toThrow('socket closed');
    expect(flight.busy()).toBe(false);
    await flight.run();
    expect(calls).toBe(2);
  });
});
