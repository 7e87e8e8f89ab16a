/*
 * The gateway-api router runs the TrafficRouter contract against the stand-in API server. No
 * Gateway implementation runs here, so `send` plays the Gateway's data plane: it reads the
 * HTTPRoute the stand-in holds and picks a backendRef by weight, as the Gateway API spec says a
 * weighted rule is served; the version that answers is the one the chosen Service's Deployment runs.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { KubeClient } from '../../targets/kubernetes/kube-client.ts';
import { KubernetesSiteTarget } from '../../targets/kubernetes/kubernetes-site-target.ts';
import { imageRelease, seedShop } from '../../targets/kubernetes/site.fixture.ts';
import { startStandInApi, type StandInApi } from '../../targets/kubernetes/stand-in-api.fixture.ts';
import { validateSent } from '../../targets/kubernetes/schemas.fixture.ts';
import { routerContract } from '../router.contract.ts';
import { GatewayApiRouter } from './gateway-api-router.ts';

const NS = 'production';
const ROUTE = `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes`;
const PLACEMENT = {
  namespace: NS,
  deployment: 'shop',
  service: 'shop',
  port: 80,
  route: { name: 'shop', gateway: 'public' },
};
const SITE = { service: 'shop', environment: 'production' };

async function setUp(): Promise<{ api: StandInApi; target: KubernetesSiteTarget; router: GatewayApiRouter }> {
  const api = await startStandInApi({ readyAfterMs: 30, bookmarkMs: 200 });
  const v1 = imageRelease('v1', 1);
  seedShop(api, `ghcr.io/acme/shop:v1@${(v1.artifact as { digest: string }).digest}`);
  const target = new KubernetesSiteTarget(PLACEMENT, new KubeClient({ kubeconfig: api.kubeconfig }));
  return { api, target, router: new GatewayApiRouter(target) };
}

/** The Gateway's choice for one request: a backendRef of the last rule, by weight. */
function pick(api: StandInApi): string {
  const route = api.get(ROUTE, 'shop') as {
    spec: { rules: { backendRefs: { name: string; weight: number }[] }[] };
  };
  const refs = route.spec.rules.at(-1)!.backendRefs;
  let r = Math.random() * refs.reduce((a, b) => a + b.weight, 0);
  for (const ref of refs) if ((r -= ref.weight) < 0) return ref.name;
  return refs.at(-1)!.name;
}

routerContract('gateway-api', async () => {
  const { api, target, router } = await setUp();
  let last: Parameters<KubernetesSiteTarget['apply']>[0] | undefined;
  const peers: KubernetesSiteTarget[] = [];
  return {
    // another control plane: its own target, which learns where each version runs from the cluster
    async peer() {
      const other = new KubernetesSiteTarget(PLACEMENT, new KubeClient({ kubeconfig: api.kubeconfig }));
      peers.push(other);
      if (last) await other.apply(last);
      return new GatewayApiRouter(other);
    },
    router,
    sites: [SITE],
    async backends(service, environment, versions) {
      last = { service, environment, releases: versions.map((v) => imageRelease(v, 1)) };
      await target.apply(last);
      for (let i = 0; i < 200; i++) {
        const ready = await target.backends(service, environment);
        if (ready.length === versions.length) return ready;
        await new Promise((r) => setTimeout(r, 25));
      }
      return target.backends(service, environment);
    },
    async send(service, environment) {
      const track = pick(api) === 'shop' ? 'stable' : 'canary';
      const found = ((await target.versions(service, environment)) ?? []).find((v) => v.track === track);
      return found?.version ?? 'none';
    },
    close: async () => {
      target.close();
      for (const p of peers) p.close();
      await api.close();
    },
  };
});

describe('the gateway-api router beyond the contract', () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  after(async () => {
    env?.target.close();
    await env?.api.close();
  });

  it('pins a header and a cookie to the canary in a rule before the weights; the route validates against the CRD', async () => {
    env = await setUp();
    await env.target.apply({ ...SITE, releases: [imageRelease('v1', 1), imageRelease('v2', 1)] });
    await env.router.setRoutes({
      ...SITE,
      routes: {
        weights: { v1: 900, v2: 100 },
        matches: [
          { header: { name: 'x-canary', value: 'always' }, version: 'v2' },
          { cookie: { name: 'beta', value: 'yes' }, version: 'v2' },
        ],
      },
      backends: [],
    });
    const route = env.api.get(ROUTE, 'shop') as {
      spec: { rules: { matches?: unknown[]; backendRefs: { name: string; weight: number }[] }[] };
    };
    validateSent(route);
    assert.deepEqual(
      route.spec.rules[0]!.backendRefs.map((b) => b.name),
      ['shop-canary'],
    );
    assert.equal(route.spec.rules[0]!.matches?.length, 2);
    assert.deepEqual(
      route.spec.rules[1]!.backendRefs.map((b) => [b.name, b.weight]),
      [
        ['shop', 900],
        ['shop-canary', 100],
      ],
    );
    assert.deepEqual((await env.router.getRoutes('shop', 'production'))?.weights, { v1: 900, v2: 100 });
  });

  it('refuses a match to the stable release and a version that does not run', async () => {
    await assert.rejects(
      env.router.setRoutes({
        ...SITE,
        routes: {
          weights: { v1: 1000 },
          matches: [{ header: { name: 'x-old', value: '1' }, version: 'v1' }],
        },
        backends: [],
      }),
      /only to the canary, not to v1/,
    );
    await assert.rejects(
      env.router.setRoutes({ ...SITE, routes: { weights: { v9: 1000 } }, backends: [] }),
      /v9 does not run/,
    );
  });
});
