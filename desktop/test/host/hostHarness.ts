import { silentLogger } from '@perpscope/sdk';
import { createHost, type EngineFactory, type EngineRuntime, type Host, type HostSecretStore } from '../../src/host/index.js';
import { until } from '../../../test/support/sim.js';

export interface RunningHost {
  runtime: EngineRuntime;
  host: Host;
}

/** Builds the engine runtime over `home` with the sim, puts a host in front of it, and starts it. */
export async function startSimHost(factory: EngineFactory, home: string, secrets: HostSecretStore): Promise<RunningHost> {
  const runtime = await factory({ home, sim: true, logger: silentLogger });
  const host = createHost({ engine: runtime.engine, secrets, ...(runtime.store ? { store: runtime.store } : {}) });
  await runtime.start();
  return { runtime, host };
}

export async function stopSimHost(running: RunningHost): Promise<void> {
  running.host.close();
  await running.runtime.stop();
}

/**
 * Panics from the app and waits until the trading status no longer holds `symbol`; returns the
 * panic's reply and that status (the kill switch is left on, as panic leaves it).
 */
export async function panicUntilFlat(host: Host, symbol: string) {
  const panic = await host.call('emergency.panic', { confirm: true });
  const flat = await until('the live position closed', async () => {
    const s = await host.call('trading.status', {});
    return s.ok && !s.value.positions.some((p) => p.symbol === symbol) ? s.value : null;
  });
  return { panic, flat };
}
