import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { parsePipeline } from './load.ts';

const SEED = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'seeds', 'companyos-kubernetes.yaml');

function issuesOf(text: string): readonly ConfigIssue[] {
  try {
    parsePipeline(text, 'runway.yaml', '/srv/web');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('expected the pipeline to be rejected');
}

describe('target: kind kubernetes and argo-rollouts', () => {
  it("the CompanyOS seed's three analysis templates, verbatim, with production on Kubernetes, validate", () => {
    const pipeline = parsePipeline(readFileSync(SEED, 'utf8'), SEED, '/srv/web');
    assert.deepEqual(pipeline.environments['production']!.target, {
      kind: 'kubernetes',
      namespace: 'production',
      deployment: 'checkout-api',
      service: 'checkout-api',
      port: 4000,
      canaryReplicas: 1,
      route: { name: 'checkout-api', gateway: 'public' },
    });
    assert.deepEqual(Object.keys(pipeline.analysis).sort(), [
      'slo-burn-check',
      'smoke-check',
      'synthetic-check',
    ]);
  });

  it('an argo-rollouts target names the Rollout; its kubeconfig is made absolute', () => {
    const text = readFileSync(SEED, 'utf8').replace(
      /target:\n(\s+.*\n)+?(?=analysis:)/,
      'target: { kind: argo-rollouts, namespace: production, rollout: checkout-api, kubeconfig: kube/config }\n',
    );
    const pipeline = parsePipeline(text, 'runway.yaml', '/srv/web');
    assert.deepEqual(pipeline.environments['production']!.target, {
      kind: 'argo-rollouts',
      kubeconfig: '/srv/web/kube/config',
      namespace: 'production',
      rollout: 'checkout-api',
    });
  });

  it('a kubernetes target without its Deployment is an error naming the field; a local key is refused', () => {
    const text = readFileSync(SEED, 'utf8').replace('deployment: checkout-api', 'command: node server.js');
    const messages = issuesOf(text).map((i) => i.message);
    assert.ok(
      messages.some((m) => /target is missing "deployment"/.test(m)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => /"command" — expected one of: kind, port, kubeconfig/.test(m)),
      messages.join('\n'),
    );
  });

  it('a namespace that is not a Kubernetes name is refused', () => {
    const messages = issuesOf(
      readFileSync(SEED, 'utf8').replace('namespace: production', 'namespace: Prod_1'),
    ).map((i) => i.message);
    assert.ok(
      messages.some((m) => /namespace/.test(m)),
      messages.join('\n'),
    );
  });

  it('the local router cannot route a kubernetes target', () => {
    const fixed = readFileSync(SEED, 'utf8').replace(
      '    target:\n      kind: kubernetes',
      '    router: { kind: local }\n    target:\n      kind: kubernetes',
    );
    const messages = issuesOf(fixed).map((i) => i.message);
    assert.ok(
      messages.some((m) => /router\.kind local cannot route a kubernetes target/.test(m)),
      messages.join('\n'),
    );
  });
});
