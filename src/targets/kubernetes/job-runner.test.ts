import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { judge } from '../../analysis/conditions.ts';
import { JobProvider } from '../../analysis/providers/job.ts';
import { testContext } from '../../analysis/providers/provider.contract.ts';
import { resolveMetrics } from '../../analysis/resolve-template.ts';
import { loadAnalysisTemplates } from '../../analysis/template.ts';
import { KubernetesJobRunner, analysisJob } from './job-runner.ts';
import { KubeClient } from './kube-client.ts';
import { startReplay } from './replay-server.fixture.ts';
import type { Replay } from './replay-server.fixture.ts';
import { validateSent } from './schemas.fixture.ts';

const SEED = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'seeds',
  'companyos-kubernetes.yaml',
);
const JOBS = '/apis/batch/v1/namespaces/production/jobs';
const JOB = /^\/apis\/batch\/v1\/namespaces\/production\/jobs\/runway-golden-path-[0-9a-f]{6}$/;

const replays: Replay[] = [];
after(async () => {
  for (const r of replays) await r.close();
});

/** The seed's synthetic-check, resolved for checkout-api as a rollout would. */
function syntheticCheck() {
  const doc = parse(readFileSync(SEED, 'utf8')) as { analysis: unknown };
  const templates = loadAnalysisTemplates(doc.analysis);
  assert.deepEqual(Object.keys(templates).sort(), ['slo-burn-check', 'smoke-check', 'synthetic-check']);
  const [metric] = resolveMetrics([templates['synthetic-check']!], { service: 'checkout-api' });
  return metric!;
}

function jobAt(name: string, rv: string, conditions: unknown[]): unknown {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'production',
      resourceVersion: rv,
      labels: { 'runway.dev/analysis-job': name },
    },
    spec: {
      backoffLimit: 0,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'golden-path', image: 'x' }] } },
    },
    status: { conditions },
  };
}

async function runSynthetic(ending: 'Complete' | 'Failed', log: string) {
  const r = await startReplay([
    {
      method: 'PATCH',
      path: JOB,
      query: { fieldManager: 'runway' },
      contentType: 'application/apply-patch+yaml',
      status: 201,
      body: {},
    },
    {
      method: 'GET',
      path: JOBS,
      query: {},
      body: { kind: 'JobList', apiVersion: 'batch/v1', metadata: { resourceVersion: '700' }, items: [] },
    },
    {
      method: 'GET',
      path: JOBS,
      query: { watch: 'true', resourceVersion: '700', allowWatchBookmarks: 'true' },
      events: [],
      hold: true,
    },
    {
      method: 'GET',
      path: '/api/v1/namespaces/production/pods',
      query: {},
      body: {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '720' },
        items: [{ metadata: { name: 'golden-pod-x1', namespace: 'production' } }],
      },
    },
    { method: 'GET', path: '/api/v1/namespaces/production/pods/golden-pod-x1/log', text: log },
  ]);
  replays.push(r);
  const metric = syntheticCheck();
  const provider = new JobProvider({
    kubernetes: new KubernetesJobRunner(new KubeClient({ kubeconfig: r.kubeconfig }), 'production'),
  });
  const measuring = provider.measure(metric.query, testContext({ service: 'checkout-api' }));
  // the Job runs in the cluster: the API server reports it created, then finished
  await r.seen((x) => x.path === JOBS && x.query.watch === 'true');
  const name = r.received[0]!.path.split('/').at(-1)!;
  r.emit(JOBS, [
    { type: 'ADDED', object: jobAt(name, '710', []) },
    {
      type: 'MODIFIED',
      object: jobAt(name, '715', [
        {
          type: ending,
          status: 'True',
          ...(ending === 'Failed'
            ? { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }
            : {}),
        },
      ]),
    },
  ]);
  const measured = await measuring;
  return { r, metric, measured, name };
}

describe('job analysis metrics on the kubernetes target (recorded exchanges)', () => {
  it('runs the CompanyOS seed\'s synthetic-check as the Job the seed describes, and passes on "pass"', async () => {
    const { r, metric, measured, name } = await runSynthetic('Complete', 'checking checkout-api\npass\n');
    assert.deepEqual(r.unexpected(), []);
    assert.deepEqual(measured, { value: 'pass', exitCode: 0 });
    assert.equal(judge(measured, { successCondition: metric.successCondition }).phase, 'successful');
    const sent = r.received[0]!.body as {
      metadata: { name: string };
      spec: { backoffLimit: number; template: { spec: Record<string, unknown> } };
    };
    validateSent(sent);
    assert.equal(sent.metadata.name, name);
    assert.deepEqual(sent.spec.template.spec, {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'golden-path',
          image: 'ghcr.io/brianclong/summit/golden-path-runner:latest',
          env: [{ name: 'TARGET_SERVICE', value: 'checkout-api' }],
        },
      ],
    });
    assert.equal(sent.spec.backoffLimit, 0);
    const pods = r.received.find((x) => x.path === '/api/v1/namespaces/production/pods')!;
    assert.equal(pods.query.labelSelector, `job-name=${name}`);
  });

  it('a failed Job is an error measurement with its condition and last log line', async () => {
    const { measured } = await runSynthetic('Failed', 'golden path: checkout step returned 502\n');
    assert.ok('error' in measured);
    assert.match(
      measured.error,
      /failed: Job has reached the specified backoff limit: golden path: checkout step returned 502/,
    );
  });

  it("keeps the template's own restartPolicy and backoffLimit", () => {
    const job = analysisJob('production', 'n', {
      backoffLimit: 2,
      template: { spec: { restartPolicy: 'OnFailure', containers: [] } },
    }) as {
      spec: { backoffLimit: number; template: { spec: { restartPolicy: string } } };
    };
    assert.equal(job.spec.backoffLimit, 2);
    assert.equal(job.spec.template.spec.restartPolicy, 'OnFailure');
  });
});
