/**
 * Keeps the reads a screen polls (balances and positions for the trading status) out of the way
 * of a trader's commands. An exchange client's rate limiter is one queue in arrival order: on a
 * slow exchange or machine, polls that outlast their interval stack up in it, and a cancel or a
 * panic close then waits behind every one of them. While any command runs, background reads wait
 * here instead of joining that queue; they go out once no command is running. Commands never
 * wait on the gate. The exchange's budget is untouched: only what enters the queue, and when, changes.
 *
 * @example
 * const gate = new CommandGate();
 * const report = await gate.command(() => desk.panic());
 * const status = await gate.background(() => broker.fetchPositions());
 */
export class CommandGate {
  private running = 0;
  private waiting: (() => void)[] = [];

  /** Runs a trader's command (synchronously up to its first await, as `fn` itself would). */
  async command<T>(fn: () => Promise<T>): Promise<T> {
    this.running += 1;
    try {
      return await fn();
    } finally {
      this.running -= 1;
      if (this.running === 0) for (const release of this.waiting.splice(0)) release();
    }
  }

  /** Runs a background read once no command is running. */
  async background<T>(fn: () => Promise<T>): Promise<T> {
    while (this.running > 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return fn();
  }

  /** Commands under way. */
  get commandsRunning(): number {
    return this.running;
  }
}
