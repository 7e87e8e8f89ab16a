import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { KubeClient } from '../kubernetes/kube-client.ts';
import { startReplay, status } from '../kubernetes/replay-server.fixture.ts';
import type { Exchange, Replay } from '../kubernetes/replay-server.fixture.ts';
import { recorded, validateRolloutPatch, validateSent } from '../kubernetes/schemas.fixture.ts';
import { delegatingContract } from '../delegating.contract.ts';
import { ArgoRolloutTarget } from './argo-rollout-target.ts';
import { startRolloutApi } from './rollout-api.fixture.ts';
import type { RolloutObject } from './rollout-api.fixture.ts';
import { rolloutStatus } from './rollout-status.ts';

const NS = 'rollouts-demo';
const BASE = `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts`;
const ONE = `${BASE}/rollouts-demo`;
const IMAGE = 'argoproj/rollouts-demo@sha256:' + 'b'.repeat(64);
const MERGE = 'application/merge-patch+json';

type Obj = {
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
};

/** The recorded paused Rollout (Argo CD test data), with its status replaced to tell each phase. */
const paused = recorded<Obj>('rollout-status-paused-canary-pause-step.yaml');
function at(rv: string, generation: number, statusPatch: Record<string, unknown>, image = IMAGE): Obj {
  const template = paused.spec.template as { spec: { containers: Record<string, unknown>[] } };
  return {
    ...paused,
    metadata: { ...paused.metadata, resourceVersion: rv, generation },
    spec: {
      ...paused.spec,
      template: {
        ...template,
        spec: { ...template.spec, containers: [{ ...template.spec.containers[0], image }] },
      },
    },
    status: { ...paused.status, observedGeneration: String(generation), ...statusPatch },
  };
}
const stable = at(
  '4838641',
  5,
  { phase: 'Healthy', message: '', pauseConditions: undefined, controllerPause: false },
  'argoproj/rollouts-demo:yellow',
);
const progressing = at('4838700', 6, {
  phase: 'Progressing',
  message: 'more replicas need to be updated',
  pauseConditions: null,
  currentStepIndex: 0,
});
const pausedAtStep = at('4838710', 6, {});
const healthy = at('4838790', 6, {
  phase: 'Healthy',
  message: '',
  pauseConditions: null,
  controllerPause: false,
  currentStepIndex: 8,
});
const degraded = at('4838800', 6, {
  phase: 'Degraded',
  message: 'RolloutAborted: Rollout aborted update to revision 2',
  abort: true,
  pauseConditions: null,
});

const replays: Replay[] = [];
after(async () => {
  for (const r of replays) await r.close();
});
async function replay(script: Exchange[]): Promise<Replay> {
  const r = await startReplay(script);
  replays.push(r);
  return r;
}
function target(r: Replay): ArgoRolloutTarget {
  return new ArgoRolloutTarget(
    { namespace: NS, rollout: 'rollouts-demo' },
    new KubeClient({ kubeconfig: r.kubeconfig }),
  );
}
const list = (rv: string, item: Obj): Exchange => ({
  method: 'GET',
  path: BASE,
  query: { fieldSelector: 'metadata.name=rollouts-demo' },
  body: {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'RolloutList',
    metadata: { resourceVersion: rv },
    items: [item],
  },
});
const watch = (rv: string): Exchange => ({
  method: 'GET',
  path: BASE,
  query: {
    watch: 'true',
    resourceVersion: rv,
    allowWatchBookmarks: 'true',
    fieldSelector: 'metadata.name=rollouts-demo',
  },
  events: [],
  hold: true,
});

describe('argo-rollouts target (recorded API exchanges)', () => {
  it('replays set image → Progressing → Paused → promote → Healthy, every write valid against the Rollout CRD', async () => {
    const r = await replay([
      // set image: GET, then PUT carrying the read resourceVersion
      { method: 'GET', path: ONE, body: stable },
      { method: 'PUT', path: ONE, body: progressing },
      list('4838700', progressing),
      watch('4838700'),
      { method: 'GET', path: ONE, body: pausedAtStep },
      { method: 'PATCH', path: `${ONE}/status`, contentType: MERGE, body: pausedAtStep },
    ]);
    const t = target(r);
    try {
      await t.setImage(IMAGE);
      const put = r.received.find((x) => x.method === 'PUT')!.body as Obj;
      assert.equal((put.metadata as { resourceVersion: string }).resourceVersion, '4838641');
      const first = await t.waitFor(['Progressing'], 2000);
      assert.equal(first.phase, 'Progressing');
      const waiting = t.waitFor(['Paused', 'Healthy', 'Degraded'], 5000);
      r.emit(BASE, [{ type: 'MODIFIED', object: pausedAtStep }]);
      const pausedStatus = await waiting;
      assert.equal(pausedStatus.phase, 'Paused');
      assert.equal(pausedStatus.message, 'CanaryPauseStep');
      await t.promote();
      const done = t.waitFor(['Healthy', 'Degraded'], 5000);
      r.emit(BASE, [
        {
          type: 'BOOKMARK',
          object: {
            kind: 'Rollout',
            apiVersion: 'argoproj.io/v1alpha1',
            metadata: { resourceVersion: '4838750' },
          },
        },
        { type: 'MODIFIED', object: healthy },
      ]);
      const end = await done;
      assert.equal(end.phase, 'Healthy');
      assert.equal(end.image, IMAGE);
    } finally {
      t.close();
    }
    assert.deepEqual(r.unexpected(), []);
    assert.deepEqual(r.pending(), []);
    const patch = r.received.find((x) => x.method === 'PATCH')!;
    assert.deepEqual(
      patch.body,
      { status: { pauseConditions: null } },
      "the Argo CLI's clearPauseConditionsPatch",
    );
    validateSent(r.received.find((x) => x.method === 'PUT')!.body);
    for (const x of r.received.filter((y) => y.method === 'PATCH')) validateRolloutPatch(x.body);
  });

  it('aborts through the status subresource, and sees the Rollout go Degraded', async () => {
    const r = await replay([
      { method: 'PATCH', path: `${ONE}/status`, contentType: MERGE, body: degraded },
      list('4838800', degraded),
      watch('4838800'),
    ]);
    const t = target(r);
    try {
      await t.abort();
      const end = await t.waitFor(['Healthy', 'Degraded'], 2000);
      assert.equal(end.phase, 'Degraded');
      assert.equal(end.aborted, true);
      assert.match(end.message, /RolloutAborted/);
    } finally {
      t.close();
    }
    const patch = r.received[0]!;
    assert.deepEqual(patch.body, { status: { abort: true } });
    assert.equal(patch.contentType, MERGE);
    validateRolloutPatch(patch.body);
  });

  it('falls back to the main resource when the status subresource refuses an abort (CRD before v0.10)', async () => {
    const r = await replay([
      {
        method: 'PATCH',
        path: `${ONE}/status`,
        status: 404,
        body: status(404, 'NotFound', 'the server could not find the requested resource'),
      },
      { method: 'PATCH', path: ONE, contentType: MERGE, body: degraded },
    ]);
    await target(r).abort();
    assert.deepEqual(
      r.received.map((x) => x.path),
      [`${ONE}/status`, ONE],
    );
  });

  it('retries set image after a 409 conflict, with the fresh resourceVersion', async () => {
    const modified = recorded('status-409-apply-conflict-single-manager.json');
    const fresher = { ...stable, metadata: { ...stable.metadata, resourceVersion: '4838650' } };
    const r = await replay([
      { method: 'GET', path: ONE, body: stable },
      { method: 'PUT', path: ONE, status: 409, body: modified },
      { method: 'GET', path: ONE, body: fresher },
      { method: 'PUT', path: ONE, body: progressing },
    ]);
    await target(r).setImage(IMAGE);
    const puts = r.received
      .filter((x) => x.method === 'PUT')
      .map((x) => (x.body as Obj).metadata.resourceVersion);
    assert.deepEqual(puts, ['4838641', '4838650']);
  });

  it('promotes a user-paused canary with no pause condition: next step on status, then unpause the spec', async () => {
    const userPaused = at('4838720', 6, { phase: 'Paused', pauseConditions: undefined, currentStepIndex: 1 });
    (userPaused.spec as { paused?: boolean }).paused = true;
    const r = await replay([
      { method: 'GET', path: ONE, body: userPaused },
      { method: 'PATCH', path: `${ONE}/status`, contentType: MERGE, body: userPaused },
      { method: 'PATCH', path: ONE, contentType: MERGE, body: userPaused },
    ]);
    await target(r).promote();
    const patches = r.received.filter((x) => x.method === 'PATCH');
    assert.deepEqual(
      patches.map((x) => [x.path, x.body]),
      [
        [`${ONE}/status`, { status: { pauseConditions: null, currentStepIndex: 2 } }],
        [ONE, { spec: { paused: false } }],
      ],
    );
    for (const x of patches) validateRolloutPatch(x.body);
  });

  it('promote --full sets status.promoteFull, then unpauses a paused spec (the Argo CLI order)', async () => {
    const userPaused = at('4838730', 6, { phase: 'Paused', currentPodHash: 'new', stableRS: 'old' });
    (userPaused.spec as { paused?: boolean }).paused = true;
    const r = await replay([
      { method: 'GET', path: ONE, body: userPaused },
      { method: 'PATCH', path: `${ONE}/status`, contentType: MERGE, body: userPaused },
      { method: 'PATCH', path: ONE, contentType: MERGE, body: userPaused },
    ]);
    await target(r).promote(true);
    const patches = r.received.filter((x) => x.method === 'PATCH');
    assert.deepEqual(
      patches.map((x) => [x.path, x.body]),
      [
        [`${ONE}/status`, { status: { promoteFull: true } }],
        [ONE, { spec: { paused: false } }],
      ],
    );
    for (const x of patches) validateRolloutPatch(x.body);
  });

  it('pause sets spec.paused on the resource (kubectl argo rollouts pause)', async () => {
    const r = await replay([{ method: 'PATCH', path: ONE, contentType: MERGE, body: pausedAtStep }]);
    await target(r).pause();
    assert.deepEqual(r.received[0]!.body, { spec: { paused: true } });
    validateRolloutPatch(r.received[0]!.body);
  });

  it('a patch with a field the Rollout CRD does not have fails validation (the check can fail)', () => {
    assert.throws(() => validateRolloutPatch({ status: { abortt: true } }));
    assert.throws(() => validateRolloutPatch({ spec: { paused: 'no' } }));
  });
});

describe('rollout status from recorded Rollouts', () => {
  const cases: [string, string, string | RegExp][] = [
    ['rollout-status-healthy-workloadref.yaml', 'Healthy', ''],
    ['rollout-status-paused-canary-pause-step.yaml', 'Paused', 'CanaryPauseStep'],
    ['rollout-status-progressing-set-weight.yaml', 'Progressing', /replicas/],
    ['rollout-status-aborted.yaml', 'Degraded', 'Rollout is aborted'],
    ['rollout-status-degraded-progress-deadline.yaml', 'Degraded', /progress/i],
  ];
  for (const [file, phase, message] of cases) {
    it(`${file} is ${phase}`, () => {
      const s = rolloutStatus(recorded(file));
      assert.equal(s.phase, phase);
      if (typeof message === 'string') assert.equal(s.message, message);
      else assert.match(s.message, message);
    });
  }

  it('is Progressing while the controller has not observed the latest generation', () => {
    assert.equal(
      rolloutStatus({ ...stable, metadata: { ...stable.metadata, generation: 6 } }).phase,
      'Progressing',
    );
  });
});

delegatingContract('argo-rollouts (stand-in API)', async () => {
  const initial = at(
    '4838641',
    5,
    { phase: 'Healthy', message: '', currentStepIndex: 8 },
    'argoproj/rollouts-demo:yellow',
  );
  const api = await startRolloutApi(initial as unknown as RolloutObject);
  return {
    target: new ArgoRolloutTarget(
      { namespace: NS, rollout: 'rollouts-demo' },
      new KubeClient({ kubeconfig: api.kubeconfig }),
    ),
    image: IMAGE,
    change: () => api.argo({ phase: 'Progressing', currentStepIndex: 0 }),
    writes: () => api.received.filter((r) => r.method !== 'GET').length,
    close: () => api.close(),
  };
});
