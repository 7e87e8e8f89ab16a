/*
 * The kubernetes target's and gateway-api router's fence is kept in the cluster (the HTTPRoute's
 * `runway.dev/fence` annotation), not in one process: a control plane that lost its lease is
 * refused by the cluster's record even though it never saw the newer token itself. Two control
 * planes are two target instances over the same stand-in API server.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { GatewayApiRouter } from '../../routers/gateway-api/gateway-api-router.ts';
import { KubeClient } from './kube-client.ts';
import { KubernetesSiteTarget } from './kubernetes-site-target.ts';
import type { TargetClient } from './kubernetes-target.ts';
import { FENCE_ANNOTATION } from './manifests.ts';
import { imageRelease, seedShop } from './site.fixture.ts';
import { startStandInApi, type StandInApi } from './stand-in-api.fixture.ts';

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
const V1 = imageRelease('v1', 1);
const V2 = imageRelease('v2', 1);
const BOTH = { ...SITE, releases: [V1, V2] };

const fenceOf = (api: StandInApi): string | undefined =>
  (api.get(ROUTE, 'shop')?.['metadata'] as { annotations?: Record<string, string> }).annotations?.[
    FENCE_ANNOTATION
  ];

describe('the kubernetes fence, kept in the cluster', () => {
  let api: StandInApi;
  const targets: KubernetesSiteTarget[] = [];
  const controlPlane = (client: TargetClient = new KubeClient({ kubeconfig: api.kubeconfig })) => {
    const t = new KubernetesSiteTarget(PLACEMENT, client);
    targets.push(t);
    return t;
  };
  afterEach(async () => {
    for (const t of targets.splice(0)) t.close();
    await api?.close();
  });

  async function start(): Promise<void> {
    api = await startStandInApi({ readyAfterMs: 30 });
    seedShop(api, `ghcr.io/acme/shop:v1@${(V1.artifact as { digest: string }).digest}`);
  }

  it('refuses the old lease holder after a new one wrote, though the old one never saw its token', async () => {
    await start();
    const old = controlPlane();
    const next = controlPlane();
    await old.apply(BOTH, 1);
    await new GatewayApiRouter(old).setRoutes(
      { ...SITE, routes: { weights: { v1: 1000 } }, backends: [] },
      1,
    );
    assert.equal(fenceOf(api), '1', 'the route is created carrying the token');
    await next.apply(BOTH, 2);
    assert.equal(fenceOf(api), '2', 'the newest token is on the HTTPRoute');

    const before = api.applied.length;
    await assert.rejects(
      old.apply({ ...SITE, releases: [V1, imageRelease('v2', 3)] }, 1),
      /lease token 1 is older than 2, which HTTPRoute production\/shop already carries/,
    );
    const router = new GatewayApiRouter(old);
    await assert.rejects(
      router.setRoutes({ ...SITE, routes: { weights: { v1: 500, v2: 500 } }, backends: [] }, 1),
      /lease token 1 is older than 2/,
    );
    assert.equal(api.applied.length, before, 'the refused writes changed nothing in the cluster');

    // a third control plane, started after both, is refused by the cluster alone
    const third = controlPlane();
    await third.apply(BOTH); // unfenced: learns which version runs where, sees no token
    const fresh = new GatewayApiRouter(third);
    await assert.rejects(
      fresh.setRoutes({ ...SITE, routes: { weights: { v1: 1000 } }, backends: [] }, 1),
      /older than 2/,
    );
    await fresh.setRoutes({ ...SITE, routes: { weights: { v1: 900, v2: 100 } }, backends: [] }, 3);
    assert.equal(fenceOf(api), '3');
  });

  it('two control planes recording their tokens at once: the loser gets a 409, reads again and is refused', async () => {
    await start();
    const first = controlPlane();
    await first.apply(BOTH, 1);
    await new GatewayApiRouter(first).setRoutes(
      { ...SITE, routes: { weights: { v1: 1000 } }, backends: [] },
      1,
    );
    const rival = controlPlane();
    // the other control plane records token 3 between this one's read of the route and its write
    const client = new KubeClient({ kubeconfig: api.kubeconfig });
    let raced = false;
    const racing: TargetClient = {
      readDeployment: (ns, name) => client.readDeployment(ns, name),
      readService: (ns, name) => client.readService(ns, name),
      watchDeployments: (...a) => client.watchDeployments(...a),
      watchPods: (...a) => client.watchPods(...a),
      apply: (...a) => client.apply(...a),
      readCustom: async (kind, ns, name) => {
        const read = await client.readCustom(kind, ns, name);
        if (!raced && kind.plural === 'httproutes') {
          raced = true;
          await rival.admit(3);
        }
        return read;
      },
    };
    const loser = controlPlane(racing);
    const before = api.applied.length;
    await assert.rejects(loser.admit(2), /lease token 2 is older than 3/);
    assert.equal(fenceOf(api), '3', 'the winner kept its record');
    assert.equal(api.applied.length, before + 1, "only the winner's record was applied");
  });

  it('a route write from a holder that passed its check just before the newer one recorded is a 409', async () => {
    await start();
    const old = controlPlane();
    await old.apply(BOTH, 2);
    await new GatewayApiRouter(old).setRoutes(
      { ...SITE, routes: { weights: { v1: 1000 } }, backends: [] },
      2,
    );
    await controlPlane().admit(3);
    // the old holder's check is behind it: its write reaches the API server, which refuses it
    await assert.rejects(old.cluster.setWeight(500), /conflict with "runway-fence"/);
    assert.equal(await old.cluster.weight(), 0, 'the route is as the newer holder left it');
    assert.equal(fenceOf(api), '3');
  });
});
