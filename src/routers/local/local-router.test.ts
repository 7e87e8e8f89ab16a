import { routerContract } from '../router.contract.ts';
import { localTargetFixture } from '../../targets/local/local.fixture.ts';
import { LocalRouter } from './local-router.ts';

routerContract('local', async () => {
  const f = await localTargetFixture();
  const router = new LocalRouter(f.target);
  const running = new Map<string, string>();
  return {
    router,
    sites: [{ service: 'web', environment: 'contract' }],
    async backends(service, environment, versions) {
      const key = `${service}/${environment}`;
      if (running.get(key) !== versions.join(',')) {
        const releases = versions.map((v) => f.release(v, 1));
        await f.target.apply({ service, environment, releases });
        running.set(key, versions.join(','));
      }
      for (;;) {
        const backends = await f.target.backends(service, environment);
        if (versions.every((v) => backends.some((b) => b.version === v))) return backends;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async send(service, environment) {
      const res = await fetch(`http://127.0.0.1:${f.portOf(service, environment)}/`);
      await res.text();
      return res.headers.get('x-runway-version') ?? `status ${res.status}`;
    },
    peer: async () => new LocalRouter(f.peer()),
    close: f.close,
  };
});
