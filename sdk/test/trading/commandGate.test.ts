import { describe, expect, it } from 'vitest';
import { CommandGate } from '../../src/trading/index.js';

/** A step the test finishes by hand. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('CommandGate: a screen\'s polls wait while a trader\'s command runs', () => {
  it('a background read asked for during a command starts only after every command has finished', async () => {
    const gate = new CommandGate();
    const log: string[] = [];
    const panic = deferred();
    const order = deferred();
    const p1 = gate.command(async () => {
      log.push('panic start');
      await panic.promise;
      log.push('panic end');
    });
    const p2 = gate.command(async () => {
      log.push('order start');
      await order.promise;
      log.push('order end');
    });
    expect(gate.commandsRunning).toBe(2);
    const read = gate.background(async () => {
      log.push('status read');
      return 7;
    });
    await turns();
    expect(log, 'commands start at once; the read waits').toEqual(['panic start', 'order start']);
    panic.resolve();
    await p1;
    await turns();
    expect(log, 'one command still runs: the read still waits').not.toContain('status read');
    order.resolve();
    await p2;
    expect(await read).toBe(7);
    expect(log).toEqual(['panic start', 'order start', 'panic end', 'order end', 'status read']);
    expect(gate.commandsRunning).toBe(0);
  });

  it('with no command running a read goes at once, and a command never waits for reads', async () => {
    const gate = new CommandGate();
    const slowRead = deferred();
    const log: string[] = [];
    const read = gate.background(async () => {
      log.push('read start');
      await slowRead.promise;
    });
    await turns();
    const cmd = gate.command(async () => {
      log.push('command');
    });
    await cmd;
    expect(log).toEqual(['read start', 'command']);
    slowRead.resolve();
    await read;
  });

  it('a failed command still releases the reads, and its error reaches its caller', async () => {
    const gate = new CommandGate();
    const failing = deferred();
    const cmd = gate.command(async () => {
      await failing.promise;
      throw new Error('exchange down');
    });
    const read = gate.background(async () => 'read');
    failing.resolve();
    await expect(cmd).rejects.toThrow('exchange down');
    expect(await read).toBe('read');
  });

  it('runs the command synchronously up to its first await (a panic turns the kill switch on before anything awaits)', () => {
    const gate = new CommandGate();
    let on = false;
    void gate.command(async () => {
      on = true;
      await Promise.resolve();
    });
    expect(on).toBe(true);
  });
});
