import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startReplay } from '../../src/targets/kubernetes/replay-server.fixture.ts';
import type { Replay } from '../../src/targets/kubernetes/replay-server.fixture.ts';
import { validateSent } from '../../src/targets/kubernetes/schemas.fixture.ts';
import { project, REPO, runway } from './helpers.ts';

const JOBS = '/apis/batch/v1/namespaces/production/jobs';
const SEED = readFileSync(join(REPO, 'test', 'fixtures', 'seeds', 'companyos-kubernetes.yaml'), 'utf8');

const replays: Replay[] = [];
after(async () => {
  for (const r of replays) await r.close();
});

describe('runway analysis run --environment on a kubernetes target (recorded API exchanges)', () => {
  it('runs the seed\'s synthetic-check as a Job in the environment\'s namespace and passes on its "pass"', async () => {
    const r = await startReplay([
      {
        method: 'PATCH',
        path: /^\/apis\/batch\/v1\/namespaces\/production\/jobs\/runway-golden-path-[0-9a-f]{6}$/,
        query: { fieldManager: 'runway' },
        status: 201,
        body: {},
      },
      {
        method: 'GET',
        path: JOBS,
        query: {},
        body: { kind: 'JobList', apiVersion: 'batch/v1', metadata: { resourceVersion: '800' }, items: [] },
      },
      { method: 'GET', path: JOBS, query: { watch: 'true', resourceVersion: '800' }, events: [], hold: true },
      {
        method: 'GET',
        path: '/api/v1/namespaces/production/pods',
        body: {
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: { resourceVersion: '820' },
          items: [{ metadata: { name: 'golden-pod-a', namespace: 'production' } }],
        },
      },
      {
        method: 'GET',
        path: '/api/v1/namespaces/production/pods/golden-pod-a/log',
        text: 'golden path ok\npass\n',
      },
    ]);
    replays.push(r);
    const dir = project(
      SEED.replace(
        '      namespace: production\n',
        `      namespace: production\n      kubeconfig: ${r.kubeconfig}\n`,
      ),
    );
    const running = runway(['analysis', 'run', 'synthetic-check', '--environment', 'production', '--json'], {
      cwd: dir,
    });
    await r.seen((x) => x.path === JOBS && x.query.watch === 'true');
    const name = r.received[0]!.path.split('/').at(-1)!;
    const job = (conditions: unknown[], rv: string) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'production', resourceVersion: rv },
      status: { conditions },
    });
    r.emit(JOBS, [{ type: 'MODIFIED', object: job([{ type: 'Complete', status: 'True' }], '810') }]);
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /successful/);
    assert.deepEqual(r.unexpected(), []);
    const sent = r.received[0]!.body as { spec: { template: { spec: { containers: { env: unknown }[] } } } };
    validateSent(sent);
    assert.deepEqual(sent.spec.template.spec.containers[0]!.env, [
      { name: 'TARGET_SERVICE', value: 'checkout-api' },
    ]);
  });

  it('an unknown --environment is a usage error listing the declared ones', async () => {
    const dir = project(SEED);
    const result = await runway(['analysis', 'run', 'synthetic-check', '--environment', 'staging'], {
      cwd: dir,
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown environment "staging" — declared: production/);
  });

  it('uses: deploy to a kubernetes environment without an image is refused at load time, nothing run', async () => {
    const dir = project(
      SEED.replace(
        "stages:\n  noop: { steps: [ { run: 'true' } ] }",
        'stages:\n  ship: { steps: [ { uses: deploy, with: { environment: production } } ] }',
      ),
    );
    const result = await runway(['run'], { cwd: dir, env: { RUNWAY_HOME: dir } });
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /runway\.yaml:\d+:\d+: environment "production" has a kubernetes target, which runs OCI images: the step needs with\.image/,
    );
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });
});
