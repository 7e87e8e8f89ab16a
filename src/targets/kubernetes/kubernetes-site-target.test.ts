/*
 * The kubernetes target runs the Target contract against the stand-in API server (no cluster can
 * run here): releases are images pinned by digest, the user's Deployment is stable, one canary
 * beside it. Its own cases: a third release, a process bundle, and a promotion that never becomes
 * ready are refused or reported without touching traffic.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { targetContract } from '../target.contract.ts';
import { KubeClient } from './kube-client.ts';
import { KubernetesSiteTarget } from './kubernetes-site-target.ts';
import { promotedStable } from './manifests.ts';
import { imageRelease, seedShop } from './site.fixture.ts';
import { startStandInApi, type StandInApi } from './stand-in-api.fixture.ts';

const NS = 'production';
const APPS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const PLACEMENT = {
  namespace: NS,
  deployment: 'shop',
  service: 'shop',
  port: 80,
  route: { name: 'shop', gateway: 'public' },
};

targetContract('kubernetes', async () => {
  const api = await startStandInApi({ readyAfterMs: 50, bookmarkMs: 200 });
  seedShop(api, 'ghcr.io/acme/shop:v0@sha256:' + '0'.repeat(64));
  const target = new KubernetesSiteTarget(PLACEMENT, new KubeClient({ kubeconfig: api.kubeconfig }));
  const peers: KubernetesSiteTarget[] = [];
  return {
    target,
    async peer() {
      const other = new KubernetesSiteTarget(PLACEMENT, new KubeClient({ kubeconfig: api.kubeconfig }));
      peers.push(other);
      return other;
    },
    release: (version, replicas) => imageRelease(version, replicas),
    broken: (version) => imageRelease(version, 1, 'crashloop'),
    skip: {
      scale:
        "stable's replica count is the user's Deployment's (or its autoscaler's): the kubernetes target scales only the canary",
    },
    close: async () => {
      target.close();
      for (const p of peers) p.close();
      await api.close();
    },
  };
});

describe('the kubernetes target beyond the contract', () => {
  let api: StandInApi;
  let target: KubernetesSiteTarget;
  const site = { service: 'shop', environment: 'production' };
  after(async () => {
    target?.close();
    await api?.close();
  });

  it('runs the new release beside stable as the canary, with the canary replicas asked', async () => {
    api = await startStandInApi({ readyAfterMs: 50 });
    const v1 = imageRelease('v1', 1);
    seedShop(
      api,
      `${v1.artifact.type === 'image' ? v1.artifact.image : ''}@${(v1.artifact as { digest: string }).digest}`,
    );
    target = new KubernetesSiteTarget(PLACEMENT, new KubeClient({ kubeconfig: api.kubeconfig }));
    await target.apply({ ...site, releases: [v1, imageRelease('v2', 2)] });
    const canary = api.get(APPS, 'shop-canary') as {
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    assert.equal(canary.spec.replicas, 2);
    assert.match(canary.spec.template.spec.containers[0]!.image, /^ghcr\.io\/acme\/shop:v2@sha256:/);
    assert.deepEqual(await target.versions('shop', 'production'), [
      { version: 'v1', track: 'stable' },
      { version: 'v2', track: 'canary' },
    ]);
    // the canary scales down, then stops when only stable's release is left
    await target.apply({ ...site, releases: [v1, imageRelease('v2', 1)] });
    assert.equal((api.get(APPS, 'shop-canary') as { spec: { replicas: number } }).spec.replicas, 1);
    await target.apply({ ...site, releases: [v1] });
    assert.equal((api.get(APPS, 'shop-canary') as { spec: { replicas: number } }).spec.replicas, 0);
  });

  it('a new process finding a promotion half done (stable on the new image, route on the canary) routes back before scaling down', async () => {
    const v1 = imageRelease('v1', 1);
    const v2 = imageRelease('v2', 1);
    const pinned = (r: typeof v1) =>
      `${(r.artifact as { image: string }).image}@${(r.artifact as { digest: string }).digest}`;
    await target.apply({ ...site, releases: [v1, v2] });
    await target.cluster.setWeight(1000);
    // the control plane that was promoting got as far as stable's pod template, then was killed
    const client = new KubeClient({ kubeconfig: api.kubeconfig });
    await client.apply(promotedStable(PLACEMENT, await client.readDeployment(NS, 'shop'), pinned(v2)), true);
    target.close();
    const from = api.applied.length;
    target = new KubernetesSiteTarget(PLACEMENT, new KubeClient({ kubeconfig: api.kubeconfig }));
    await target.apply({ ...site, releases: [v2] });
    const sent = api.applied.slice(from).map((a) => a.path.split('/').at(-1));
    assert.deepEqual(
      sent,
      ['shop', 'shop-canary'],
      'the route back to stable, then the canary scaled to zero; stable is not applied again',
    );
    assert.equal((api.get(APPS, 'shop-canary') as { spec: { replicas: number } }).spec.replicas, 0);
    const route = api.get(`/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes`, 'shop') as {
      spec: { rules: { backendRefs: { name: string; weight: number }[] }[] };
    };
    assert.deepEqual(
      route.spec.rules.at(-1)!.backendRefs.map((b) => b.weight),
      [1000, 0],
    );
  });

  it('refuses a third release, a process bundle and faults, saying why', async () => {
    await assert.rejects(
      target.apply({
        ...site,
        releases: [imageRelease('v1', 1), imageRelease('v2', 1), imageRelease('v3', 1)],
      }),
      /runs a stable and one canary release, not 3/,
    );
    await assert.rejects(
      target.apply({
        ...site,
        releases: [
          { ...imageRelease('v1', 1), artifact: { type: 'process', command: 'node s.js', cwd: '/srv' } },
        ],
      }),
      /runs OCI images, not process bundles/,
    );
    await assert.rejects(
      target.apply({ ...site, releases: [imageRelease('v1', 1)], faults: { v1: { errorRatio: 1 } } }),
      /cannot inject faults/,
    );
  });
});
