import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { routerContract } from '../router.contract.ts';
import { HaproxyRouter } from './haproxy-router.ts';
import { startHaproxy } from './haproxy.fixture.ts';

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
    async close() {
      await haproxy.stop();
      for (const s of servers.values()) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
    },
  };
});
