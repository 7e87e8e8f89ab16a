import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../config/errors.ts';
import { parsePipeline } from '../../config/load.ts';

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

  it('refuses a step without an image', () => {
    const issues = issuesOf(pipeline('{ uses: rollout, with: { environment: production } }'));
    assert.match(issues.map((i) => i.message).join('\n'), /needs with\.image/);
  });
});
