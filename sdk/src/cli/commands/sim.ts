import { startSimExchange, type SimExchange } from '../../sim/index.js';

export interface RunSimOptions {
  port?: number;
  symbols?: number;
  seed?: number;
  /** Replay this recorded directory instead of generating data. */
  data?: string;
}

/**
 * `perpscope sim`: starts SimExchange and reports where it listens. The first line written is
 * exactly `listening http://127.0.0.1:PORT`; the caller keeps it running until interrupted.
 */
export async function runSim(opts: RunSimOptions, out: (line: string) => void): Promise<SimExchange> {
  const sim = await startSimExchange({
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.symbols !== undefined ? { symbols: opts.symbols } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.data !== undefined ? { dataDir: opts.data } : {}),
  });
  out(`listening ${sim.url}`);
  out(`websocket ${sim.wsUrl}/public (public), ${sim.wsUrl}/private (private)`);
  const markets = sim.source.markets();
  out(`${markets.length} markets, sim time ${new Date(sim.nowMs()).toISOString()}${opts.data ? `, replaying ${opts.data}` : `, seed ${opts.seed ?? 1}`}`);
  return sim;
}
