import { silentLogger } from '@perpscope/sdk';
import { createHost, type EngineFactory, type EngineRuntime, type Host, type HostSecretStore } from '../../src/host/index.js';

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
