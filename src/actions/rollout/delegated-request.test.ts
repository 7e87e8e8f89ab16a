import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../config/errors.ts';
import { parsePipeline } from '../../config/load.ts';
import { delegatedRequest } from './delegated-request.ts';

const IMAGE = `argoproj/rollouts-demo@sha256:${'ab'.repeat(32)}`;

/** A pipeline whose production is an Argo Rollout, with one step (line 9). */
function pipeline(step: string): string {
  return [
    'version: 1',
    'service: { name: shop }',
    'environments:',
    '  production:',
    '    target: { kind: argo-rollouts, namespace: shop, rollout: shop }',
    'stages:',
    '  canary:',
    '    steps:',
    `      - ${step}`,
  ].join('\n');
}

function issuesOf(text: string): readonly ConfigIssue[] {
  try {
    parsePipeline(text, 'runway.yaml', '/srv/shop');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('expected the pipeline to be rejected');
}

describe('uses: rollout on an argo-rollouts environment, checked at load time', () => {
  it('takes an image pinned by digest and nothing of a strategy', () => {
    const p = parsePipeline(
      pipeline(`{ uses: rollout, with: { environment: production, image: '${IMAGE}' } }`),
      'runway.yaml',
      '/srv/shop',
    );
    assert.equal(p.environments['production']?.target.kind, 'argo-rollouts');
  });

  it('refuses a strategy the Rollout would never follow, naming the line and what to remove', () => {
    const [issue, ...rest] = issuesOf(
      pipeline(`{ uses: rollout, with: { environment: production, preset: tier1, image: '${IMAGE}' } }`),
    );
    assert.deepEqual(rest, []);
    assert.equal(issue!.line, 9);
    assert.match(issue!.message, /argo-rollouts target, which does its own steps.*remove preset:/);
  });

  it('refuses uses: deploy, naming uses: rollout', () => {
    const [issue] = issuesOf(
      pipeline(`{ uses: deploy, with: { environment: production, image: '${IMAGE}' } }`),
    );
    assert.equal(issue!.line, 9);
    assert.match(
      issue!.message,
      /argo-rollouts target, which rolls releases out by its own steps: use uses: rollout/,
    );
  });

  it('refuses a step without an image', () => {
    const issues = issuesOf(pipeline('{ uses: rollout, with: { environment: production } }'));
    assert.match(issues.map((i) => i.message).join('\n'), /needs with\.image/);
  });
});

describe('the request of an argo-rollouts rollout step', () => {
  const ctx = (inputs: Record<string, unknown>) =>
    ({
      inputs: { environment: 'production', ...inputs },
      run: { id: 7, pipeline: { name: 'shop', service: { name: 'shop', health: '/healthz' } } },
      expressions: { sha: '0123456789abcdef' },
      step: { key: 'canary/0' },
    }) as unknown as Parameters<typeof delegatedRequest>[0];
  const env = {
    name: 'production',
    target: { kind: 'argo-rollouts', namespace: 'shop', rollout: 'shop', container: 'api' },
    router: { kind: 'local' },
  } as unknown as Parameters<typeof delegatedRequest>[1];

  it('carries the target and the image pinned by digest, and no port or command of its own', () => {
    const req = delegatedRequest(ctx({}), env, IMAGE);
    assert.ok(typeof req === 'object');
    assert.deepEqual(req.target, env.target);
    assert.deepEqual(req.release.image, {
      type: 'image',
      image: 'argoproj/rollouts-demo',
      digest: `sha256:${'ab'.repeat(32)}`,
    });
    assert.equal(req.release.version, '0123456789ab');
    assert.equal(req.release.command, '');
    assert.equal(req.key, 'run-7/canary/0');
  });

  it('refuses an environment with verify: rather than deploy unchecked', () => {
    const req = delegatedRequest(ctx({}), { ...env, verify: {} } as typeof env, IMAGE);
    assert.match(String(req), /verify: .* not checked for argo-rollouts targets yet/);
  });
});
