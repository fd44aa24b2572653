import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../core/errors.js';
import { SIM_DIALECTS, startSimExchange, type SimDialectName, type SimExchange } from '../../sim/index.js';

export interface RunSimOptions {
  port?: number;
  symbols?: number;
  seed?: number;
  /** Replay this recorded directory instead of generating data. */
  data?: string;
  /** Serve the private API with a fresh test key, printed on start (it guards play money only). */
  private?: boolean;
  /** The wire protocol to serve: `blofin` (default), `binanceusdm`, `bybit` or `htx`. */
  dialect?: string;
}

/**
 * `perpscope sim`: starts SimExchange and reports where it listens. The first line written is
 * exactly `listening http://127.0.0.1:PORT`; the caller keeps it running until interrupted. With
 * `private`, a random test key is generated and printed, so that `keys set` and
 * `keys test --sim-url` (and `run --live` against the sim) can authenticate.
 */
export async function runSim(opts: RunSimOptions, out: (line: string) => void): Promise<SimExchange> {
  const dialect = opts.dialect ?? 'blofin';
  if (!isDialect(dialect)) throw new ConfigError([{ path: 'dialect', received: JSON.stringify(dialect), expected: `one of ${SIM_DIALECTS.join(', ')}` }]);
  const sim = await startSimExchange({
    dialect,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.symbols !== undefined ? { symbols: opts.symbols } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.data !== undefined ? { dataDir: opts.data } : {}),
    ...(opts.private ? { apiKey: { apiKey: `sim-${randomBytes(8).toString('hex')}`, secret: randomBytes(24).toString('hex'), password: randomBytes(6).toString('hex') } } : {}),
  });
  out(`listening ${sim.url}`);
  if (dialect === 'blofin') out(`websocket ${sim.wsUrl}/public (public), ${sim.wsUrl}/private (private)`);
  else if (dialect === 'bybit') out(`dialect bybit: REST ${sim.url}/v5 (category=linear); no websockets`);
  else if (dialect === 'htx') out(`dialect htx: REST ${sim.url}/linear-swap-api, /linear-swap-ex and /v5 (USDT-margined swaps); no websockets`);
  else out(`dialect binanceusdm: REST ${sim.url}/fapi/v1 (v2, v3) and ${sim.url}/futures/data; no websockets`);
  const markets = sim.source.markets();
  if (sim.apiKey && dialect === 'blofin') {
    out(`private API test key (play money on this sim only): apiKey ${sim.apiKey.apiKey} secret ${sim.apiKey.secret} passphrase ${sim.apiKey.password}`);
    out(`store it with: perpscope keys set --exchange blofin --label sim, then: perpscope keys test --exchange blofin --label sim --sim-url ${sim.url}`);
  } else if (sim.apiKey) {
    out(`private API test key (play money on this sim only): apiKey ${sim.apiKey.apiKey} secret ${sim.apiKey.secret}`);
  }
  out(`${markets.length} markets, sim time ${new Date(sim.nowMs()).toISOString()}${opts.data ? `, replaying ${opts.data}` : `, seed ${opts.seed ?? 1}`}`);
  return sim;
}

function isDialect(value: string): value is SimDialectName {
  return (SIM_DIALECTS as readonly string[]).includes(value);
}
