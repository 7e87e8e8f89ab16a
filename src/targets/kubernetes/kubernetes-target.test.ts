import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KubeClient } from './kube-client.ts';
import { KubernetesTarget } from './kubernetes-target.ts';
import type { KubernetesPlacement } from './manifests.ts';
import { weightedRoute } from './manifests.ts';
import { PLACEMENT } from './placement.fixture.ts';
import { startReplay, status } from './replay-server.fixture.ts';
import type { Exchange, Replay } from './replay-server.fixture.ts';
import { recorded, validateSent } from './schemas.fixture.ts';

const NS = 'production';
const APPS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const PODS = `/api/v1/namespaces/${NS}/pods`;
const ROUTE = `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/nginx`;
const SSA = 'application/apply-patch+yaml';
const IMAGE = 'ghcr.io/acme/nginx@sha256:' + 'a'.repeat(64);

const placement: KubernetesPlacement = PLACEMENT;

/** The recorded healthy Deployment (kubectl test data), placed in our namespace. */
function stableDeployment(): Record<string, unknown> {
  const d = recorded<{ metadata: Record<string, unknown> }>('deployment-available.get-status-response.json');
  return { ...d, metadata: { ...d.metadata, namespace: NS } };
}

const stableService = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'nginx', namespace: NS, resourceVersion: '120900' },
  spec: {
    type: 'ClusterIP',
    selector: { app: 'nginx' },
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
  },
};

/** The canary Deployment as the API server reports it: `ready` of 1 replica, at a resourceVersion. */
function canaryState(ready: number, rv: string, generation = 1): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-canary', namespace: NS, generation, resourceVersion: rv },
    spec: { replicas: 1, selector: { matchLabels: { app: 'nginx-canary' } } },
    status: {
      observedGeneration: generation,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: ready,
      availableReplicas: ready,
    },
  };
}

/** The answer to a server-side apply: the object as sent, with server fields. */
function applied(path: string, rv: string): Exchange {
  return {
    method: 'PATCH',
    path,
    query: { fieldManager: 'runway' },
    contentType: SSA,
    status: 200,
    body: { metadata: { resourceVersion: rv } },
  };
}

function startExchanges(): Exchange[] {
  return [
    { method: 'GET', path: `${APPS}/nginx`, body: stableDeployment() },
    { method: 'GET', path: `/api/v1/namespaces/${NS}/services/nginx`, body: stableService },
    applied(`/api/v1/namespaces/${NS}/services/nginx-canary`, '200'),
    applied(`${APPS}/nginx-canary`, '201'),
    applied(ROUTE, '202'),
  ];
}

function client(replay: Replay): KubeClient {
  return new KubeClient({ kubeconfig: replay.kubeconfig });
}

const replays: Replay[] = [];
after(async () => {
  for (const r of replays) await r.close();
});

async function replay(script: Exchange[]): Promise<Replay> {
  const r = await startReplay(script);
  replays.push(r);
  return r;
}

function assertAllSentValid(r: Replay): void {
  const bodies = r.received.filter((x) => x.method === 'PATCH' || x.method === 'PUT' || x.method === 'POST');
  assert.ok(bodies.length > 0);
  for (const x of bodies) assert.doesNotThrow(() => validateSent(x.body), `${x.method} ${x.path}`);
}

function routeWeights(body: unknown): number[] {
  const rules = (body as { spec: { rules: { backendRefs: { weight: number }[] }[] } }).spec.rules;
  return rules.at(-1)!.backendRefs.map((b) => b.weight);
}

describe('kubernetes target (recorded API exchanges)', () => {
  it('runs a full canary: canary beside stable, weights on the HTTPRoute, promotion through stable, canary to zero', async () => {
    const r = await replay([
      ...startExchanges(),
      // the canary becomes ready: list, then watch from the list's resourceVersion with bookmarks
      {
        method: 'GET',
        path: APPS,
        query: {},
        body: {
          kind: 'DeploymentList',
          apiVersion: 'apps/v1',
          metadata: { resourceVersion: '300' },
          items: [stableDeployment(), canaryState(0, '299')],
        },
      },
      {
        method: 'GET',
        path: APPS,
        query: { watch: 'true', resourceVersion: '300', allowWatchBookmarks: 'true' },
        events: [
          {
            type: 'BOOKMARK',
            object: { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { resourceVersion: '305' } },
          },
        ],
        hold: true,
      },
      {
        method: 'GET',
        path: PODS,
        query: { labelSelector: 'app=nginx-canary' },
        body: { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '301' }, items: [] },
      },
      {
        method: 'GET',
        path: PODS,
        query: { watch: 'true', resourceVersion: '301', labelSelector: 'app=nginx-canary' },
        events: [],
        hold: true,
      },
      applied(ROUTE, '310'),
      applied(ROUTE, '311'),
      // promotion
      { method: 'GET', path: `${APPS}/nginx`, body: stableDeployment() },
      { ...applied(`${APPS}/nginx`, '320'), query: { fieldManager: 'runway', force: 'true' } },
      {
        method: 'GET',
        path: PODS,
        query: { labelSelector: 'app=nginx' },
        body: { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '321' }, items: [] },
      },
      {
        method: 'GET',
        path: PODS,
        query: { watch: 'true', resourceVersion: '321', labelSelector: 'app=nginx' },
        events: [],
        hold: true,
      },
      applied(ROUTE, '330'),
      { method: 'GET', path: `${APPS}/nginx`, body: stableDeployment() },
      applied(`${APPS}/nginx-canary`, '331'),
    ]);
    const target = new KubernetesTarget(placement, client(r));
    try {
      await target.startCanary(IMAGE);
      const waiting = target.waitReady('canary', 5000);
      await r.seen((x) => x.path === PODS && x.query.watch === 'true');
      r.emit(APPS, [{ type: 'MODIFIED', object: canaryState(1, '306') }]);
      const health = await waiting;
      assert.equal(health.ready, true);
      await target.setWeight(100);
      await target.setWeight(500, { header: { name: 'x-canary', value: 'always' } });
      // stable rolls out the new template: generation 6 observed, all replicas updated and ready
      const promoting = target.promote(IMAGE, 5000);
      await r.seen(
        (x) => x.path === PODS && x.query.watch === 'true' && x.query.labelSelector === 'app=nginx',
      );
      const before = stableDeployment() as {
        metadata: Record<string, unknown>;
        spec: Record<string, unknown>;
        status: Record<string, unknown>;
      };
      r.emit(APPS, [
        {
          type: 'MODIFIED',
          object: {
            ...before,
            metadata: { ...before.metadata, generation: 6, resourceVersion: '325' },
            status: { ...before.status, observedGeneration: 6 },
          },
        },
      ]);
      await promoting;
    } finally {
      target.close();
    }
    assert.deepEqual(r.unexpected(), []);
    assert.deepEqual(r.pending(), []);
    assertAllSentValid(r);
    const sent = r.received.filter((x) => x.method === 'PATCH');
    assert.ok(sent.every((x) => x.contentType === SSA && x.query.fieldManager === 'runway'));
    const routes = sent.filter((x) => x.path === ROUTE).map((x) => routeWeights(x.body));
    assert.deepEqual(routes, [
      [1000, 0],
      [900, 100],
      [500, 500],
      [1000, 0],
    ]);
    const ab = sent.filter((x) => x.path === ROUTE)[2]!.body as {
      spec: { rules: { matches?: unknown[] }[] };
    };
    assert.deepEqual(ab.spec.rules[0]!.matches, [
      { headers: [{ type: 'Exact', name: 'x-canary', value: 'always' }] },
    ]);
    const canary = sent.find((x) => x.path === `${APPS}/nginx-canary`)!.body as {
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    assert.equal(canary.spec.template.spec.containers[0]!.image, IMAGE);
    const stable = sent.find((x) => x.path === `${APPS}/nginx`)!.body as {
      spec: { replicas?: number; template: { spec: { containers: { image: string }[] } } };
    };
    assert.equal(stable.spec.template.spec.containers[0]!.image, IMAGE);
    assert.equal(stable.spec.replicas, undefined, 'promotion leaves stable at its own scale');
    const retired = sent.filter((x) => x.path === `${APPS}/nginx-canary`).at(-1)!.body as {
      spec: { replicas: number };
    };
    assert.equal(retired.spec.replicas, 0);
    const order = sent.map((x) => x.path);
    assert.ok(
      order.lastIndexOf(ROUTE) < order.lastIndexOf(`${APPS}/nginx-canary`),
      'traffic back to stable before the canary scales to zero',
    );
  });

  it('rolls back by routing every request to stable first, then scaling the canary to zero', async () => {
    const r = await replay([
      applied(ROUTE, '400'),
      { method: 'GET', path: `${APPS}/nginx`, body: stableDeployment() },
      applied(`${APPS}/nginx-canary`, '401'),
    ]);
    const target = new KubernetesTarget(placement, client(r));
    await target.rollback();
    target.close();
    assert.deepEqual(r.unexpected(), []);
    const sent = r.received.filter((x) => x.method === 'PATCH');
    assert.deepEqual(
      sent.map((x) => x.path),
      [ROUTE, `${APPS}/nginx-canary`],
    );
    assert.deepEqual(routeWeights(sent[0]!.body), [1000, 0]);
    assertAllSentValid(r);
  });

  it('reports a crash-looping canary pod from its container status', async () => {
    const crash = recorded<{ metadata: Record<string, unknown> }>('pod-crashloopbackoff.yaml');
    const r = await replay([
      {
        method: 'GET',
        path: APPS,
        query: {},
        body: {
          kind: 'DeploymentList',
          apiVersion: 'apps/v1',
          metadata: { resourceVersion: '500' },
          items: [canaryState(0, '499')],
        },
      },
      { method: 'GET', path: APPS, query: { watch: 'true', resourceVersion: '500' }, events: [], hold: true },
      {
        method: 'GET',
        path: PODS,
        query: { labelSelector: 'app=nginx-canary' },
        body: {
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: { resourceVersion: '501' },
          items: [{ ...crash, metadata: { ...crash.metadata, namespace: NS } }],
        },
      },
      { method: 'GET', path: PODS, query: { watch: 'true', resourceVersion: '501' }, events: [], hold: true },
    ]);
    const target = new KubernetesTarget(placement, client(r));
    try {
      await assert.rejects(target.waitReady('canary', 2000), /canary is crash-looping \(3 restarts\)/);
    } finally {
      target.close();
    }
  });

  it('fails a Deployment that never becomes ready (ProgressDeadlineExceeded) instead of waiting forever', async () => {
    const stuck = recorded<{ metadata: Record<string, unknown> }>(
      'deployment-progress-deadline-exceeded.yaml',
    );
    const r = await replay([
      {
        method: 'GET',
        path: APPS,
        query: {},
        body: {
          kind: 'DeploymentList',
          apiVersion: 'apps/v1',
          metadata: { resourceVersion: '600' },
          items: [{ ...stuck, metadata: { ...stuck.metadata, name: 'nginx-canary', namespace: NS } }],
        },
      },
      { method: 'GET', path: APPS, query: { watch: 'true', resourceVersion: '600' }, events: [], hold: true },
      {
        method: 'GET',
        path: PODS,
        query: {},
        body: { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '601' }, items: [] },
      },
      { method: 'GET', path: PODS, query: { watch: 'true' }, events: [], hold: true },
    ]);
    const target = new KubernetesTarget(placement, client(r));
    try {
      await assert.rejects(
        target.waitReady('canary', 2000),
        /never becomes ready: deployment nginx-canary: ReplicaSet "guestbook-ui-75dd4d49d5" has timed out progressing/,
      );
    } finally {
      target.close();
    }
  });

  it('re-lists after a watch expires (410 Gone) and sees the change it missed', async () => {
    const expired = recorded('status-410-expired-too-old-resource-version.json');
    const r = await replay([
      {
        method: 'GET',
        path: APPS,
        query: {},
        body: {
          kind: 'DeploymentList',
          apiVersion: 'apps/v1',
          metadata: { resourceVersion: '217' },
          items: [canaryState(0, '216')],
        },
      },
      {
        method: 'GET',
        path: APPS,
        query: { watch: 'true', resourceVersion: '217' },
        events: [{ type: 'ERROR', object: expired }],
      },
      {
        method: 'GET',
        path: APPS,
        query: {},
        body: {
          kind: 'DeploymentList',
          apiVersion: 'apps/v1',
          metadata: { resourceVersion: '963' },
          items: [canaryState(1, '962')],
        },
      },
      { method: 'GET', path: APPS, query: { watch: 'true', resourceVersion: '963' }, events: [], hold: true },
      {
        method: 'GET',
        path: PODS,
        query: {},
        body: { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '964' }, items: [] },
      },
      { method: 'GET', path: PODS, query: { watch: 'true' }, events: [], hold: true },
    ]);
    const target = new KubernetesTarget(placement, client(r));
    try {
      const health = await target.waitReady('canary', 5000);
      assert.equal(health.readyReplicas, 1);
    } finally {
      target.close();
    }
    assert.deepEqual(r.unexpected(), []);
    const onApps = r.received.filter((x) => x.path === APPS);
    assert.deepEqual(
      onApps.slice(0, 3).map((x) => (x.query.watch === 'true' ? `watch@${x.query.resourceVersion}` : 'list')),
      ['list', 'watch@217', 'list'],
      'a 410 on the watch makes the client list again instead of resuming from the expired version',
    );
  });

  it('surfaces a server-side apply conflict (409) with the field and its manager, changing nothing else', async () => {
    const r = await replay([
      {
        ...applied(ROUTE, '0'),
        status: 409,
        body: recorded('status-409-apply-conflict-single-manager.json'),
      },
    ]);
    const target = new KubernetesTarget(placement, client(r));
    await assert.rejects(target.setWeight(100), (err: Error & { code?: number }) => {
      assert.equal(err.code, 409);
      assert.match(err.message, /conflict with "foo".*\.spec\.replicas/);
      return true;
    });
    target.close();
    assert.equal(r.received.length, 1);
  });

  it('reads the weight in force from the cluster, so a restarted control plane resumes where it was', async () => {
    const r = await replay([
      { method: 'GET', path: ROUTE, body: (await import('./manifests.ts')).weightedRoute(placement, 250) },
    ]);
    const target = new KubernetesTarget(placement, client(r));
    assert.equal(await target.weight(), 250);
    target.close();
  });

  it('survives a kill -9 of the process driving it mid-rollout: a new process resumes from the weight in the cluster', async () => {
    const r = await replay([
      ...startExchanges(),
      applied(ROUTE, '203'),
      // after the restart: the route as the API server holds it (the last apply), then the next steps
      { method: 'GET', path: ROUTE, body: weightedRoute(placement, 100) },
      applied(ROUTE, '204'),
      applied(ROUTE, '205'),
      { method: 'GET', path: `${APPS}/nginx`, body: stableDeployment() },
      applied(`${APPS}/nginx-canary`, '206'),
    ]);
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'drive.fixture.ts'), r.kubeconfig, IMAGE, '100'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    await r.seen((x) => x.path === ROUTE && routeWeights(x.body)[1] === 100);
    while (!out.includes('at 100')) await new Promise((res) => setTimeout(res, 10));
    child.kill('SIGKILL');
    const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
    assert.equal(signal, 'SIGKILL');
    const beforeKill = r.received.filter((x) => x.path === ROUTE).at(-1)!.body;
    assert.deepEqual(
      weightedRoute(placement, 100),
      beforeKill,
      'the cluster holds what the killed process applied',
    );
    // resume: a new target reads where the rollout was, and carries on without recreating the canary
    const resumed = new KubernetesTarget(placement, client(r));
    assert.equal(await resumed.weight(), 100);
    await resumed.setWeight(500);
    await resumed.rollback();
    resumed.close();
    assert.deepEqual(r.unexpected(), []);
    assert.deepEqual(r.pending(), []);
    const routes = r.received
      .filter((x) => x.path === ROUTE && x.method === 'PATCH')
      .map((x) => routeWeights(x.body));
    assert.deepEqual(routes, [
      [1000, 0],
      [900, 100],
      [500, 500],
      [1000, 0],
    ]);
    assertAllSentValid(r);
  });

  it('refuses a weight outside 0..1000 before calling the API', async () => {
    const r = await replay([]);
    const target = new KubernetesTarget(placement, client(r));
    await assert.rejects(target.setWeight(1001), /whole per-mille 0\.\.1000, got 1001/);
    assert.equal(r.received.length, 0);
    void status;
  });
});
