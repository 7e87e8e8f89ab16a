import { dirname } from 'node:path';
import { ensureAgent, stopAgent } from '../../agent/launch.ts';
import { killAll, tempDir } from '../../agent/agent.fixture.ts';
import { freePort, serverDir } from '../../agent/supervisor/test-server.fixture.ts';
import type { ReleaseInstances } from '../target.ts';
import { LocalTarget } from './local-target.ts';

/** A local target on a fresh agent of its own, each site on a free port; `close` stops it all. */
export async function localTargetFixture(): Promise<{
  target: LocalTarget;
  portOf: (service: string, environment: string) => number;
  release: (version: string, replicas: number, mode?: string) => ReleaseInstances;
  /** Another local target over the same agent (another control plane): nothing shared in memory. */
  peer: () => LocalTarget;
  close: () => Promise<void>;
}> {
  const agentDir = tempDir('runway-local-target-');
  const app = serverDir();
  const { client } = await ensureAgent(agentDir.dir);
  const pool: number[] = [];
  for (let i = 0; i < 16; i++) pool.push(await freePort());
  const ports = new Map<string, number>();
  const portOf = (service: string, environment: string): number => {
    const key = `${service}/${environment}`;
    let port = ports.get(key);
    if (port === undefined) {
      port = pool.shift();
      if (port === undefined) throw new Error('the fixture ran out of ports');
      ports.set(key, port);
    }
    return port;
  };
  const makeTarget = (): LocalTarget =>
    new LocalTarget(
      () => client,
      (service, environment) => ({ port: portOf(service, environment) }),
    );
  const target = makeTarget();
  return {
    target,
    portOf,
    peer: makeTarget,
    release: (version, replicas, mode = 'ok') => ({
      version,
      revision: 1,
      artifact: { type: 'process', command: 'node server.mjs', cwd: app.dir },
      env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, MODE: mode },
      replicas,
      health: '/health',
      readinessTimeoutMs: 5000,
    }),
    async close() {
      await stopAgent(agentDir.dir, { timeoutMs: 3000 }).catch(() => undefined);
      killAll(agentDir.dir);
      agentDir.cleanup();
      app.cleanup();
    },
  };
}
