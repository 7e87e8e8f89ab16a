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

  it('a kubernetes environment gets the gateway-api router unless runway.yaml names one', () => {
    const pipeline = parsePipeline(readFileSync(SEED, 'utf8'), SEED, '/srv/web');
    assert.deepEqual(pipeline.environments['production']!.router, { kind: 'gateway-api' });
  });

  it('haproxy on a kubernetes target, or gateway-api on a local one, is refused with the valid kinds', () => {
    const onKube = readFileSync(SEED, 'utf8').replace(
      '    target:\n      kind: kubernetes',
      "    router: { kind: haproxy, runtime-api: '127.0.0.1:9999', backend: web }\n    target:\n      kind: kubernetes",
    );
    const issue = issuesOf(onKube).find((i) => /router\.kind haproxy/.test(i.message));
    assert.ok(issue, 'haproxy on kubernetes is refused');
    assert.match(issue.message, /cannot route a kubernetes target — expected a router of kind gateway-api/);
    assert.equal(issue.line, 7);
    const onLocal = [
      'version: 1',
      'service: { name: web }',
      'environments:',
      '  production:',
      '    router: { kind: gateway-api }',
      '    target: { kind: local, command: node server.js, port: 4000 }',
      "stages: { s: { steps: [ { run: 'true' } ] } }",
    ].join('\n');
    const local = issuesOf(onLocal).find((i) => /gateway-api/.test(i.message));
    assert.ok(local);
    assert.match(local.message, /expected a router of kind local or haproxy/);
    assert.deepEqual([local.file, local.line, local.col], ['runway.yaml', 5, 21]);
  });

  it('a gateway-api router takes no keys of another router', () => {
    const text = readFileSync(SEED, 'utf8').replace(
      '    target:\n      kind: kubernetes',
      '    router: { kind: gateway-api, backend: web }\n    target:\n      kind: kubernetes',
    );
    assert.ok(issuesOf(text).some((i) => /backend/.test(i.message) && i.line === 7));
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
