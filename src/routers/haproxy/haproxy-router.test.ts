import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { describe, it } from 'node:test';
import type { AddressInfo } from 'node:net';
import { routerContract } from '../router.contract.ts';
import { HaproxyRouter } from './haproxy-router.ts';
import { startHaproxy } from './haproxy.fixture.ts';
import { runtimeCommand } from './runtime-api.ts';
import { parseServersState } from './servers.ts';

/** Backends answering their version as the body, on 127.0.0.1 ports the OS picks. */
async function versionServer(version: string): Promise<Server> {
  const server = createServer((_req, res) => res.end(version));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

routerContract('haproxy', async () => {
  const haproxy = await startHaproxy();
  const router = new HaproxyRouter({ runtimeApi: haproxy.runtimeApi, backend: haproxy.backend });
  const servers = new Map<string, Server>();
  return {
    router,
    sites: [{ service: 'web', environment: 'contract' }],
    async backends(_service, _environment, versions) {
      for (const v of versions) if (!servers.has(v)) servers.set(v, await versionServer(v));
      return versions.map((v) => ({
        version: v,
        address: `127.0.0.1:${(servers.get(v)!.address() as AddressInfo).port}`,
      }));
    },
    async send() {
      const res = await fetch(`http://127.0.0.1:${haproxy.port}/`);
      const body = await res.text();
      return res.ok ? body : `status ${res.status}`;
    },
    peer: async () => new HaproxyRouter({ runtimeApi: haproxy.runtimeApi, backend: haproxy.backend }),
    async close() {
      await haproxy.stop();
      for (const s of servers.values()) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
    },
  };
});

describe('haproxy router, beyond the contract', () => {
  it('keeps the newest lease token in HAProxy: another control plane with an older one is refused', async () => {
    const haproxy = await startHaproxy();
    const backend = await versionServer('v1');
    try {
      const site = {
        service: 'web',
        environment: 'prod',
        routes: { weights: { v1: 1000 } },
        backends: [{ version: 'v1', address: `127.0.0.1:${(backend.address() as AddressInfo).port}` }],
      };
      const options = { runtimeApi: haproxy.runtimeApi, backend: haproxy.backend };
      await new HaproxyRouter(options).setRoutes(site, 9);
      // a fresh router (another process, after a restart) learns the token from HAProxy
      await assert.rejects(new HaproxyRouter(options).setRoutes(site, 8), /lease token 8 is older than 9/);
      await new HaproxyRouter(options).setRoutes(site, 10);
      const names = parseServersState(
        await runtimeCommand(haproxy.runtimeApi, ['show', 'servers', 'state', haproxy.backend]),
      ).map((s) => s.name);
      assert.deepEqual(names.sort(), ['runway-fence-10', 'v1_0']);
      assert.deepEqual((await new HaproxyRouter(options).getRoutes())?.weights, { v1: 1000 });
    } finally {
      await haproxy.stop();
      backend.closeAllConnections();
      backend.close();
    }
  });
});
