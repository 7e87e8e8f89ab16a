/*
 * docs/interop.md's pipeline that drives an Argo Rollout: it loads as written, its production is the
 * argo-rollouts target, and its canary step is `uses: rollout` with an image pinned by digest after
 * the release gate.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parsePipeline } from '../../config/load.ts';
import { parseImageReference } from '../../targets/image-reference.ts';

const page = readFileSync(new URL('../../../docs/interop.md', import.meta.url), 'utf8');

describe('the Argo Rollouts pipeline in docs/interop.md', () => {
  it('loads, with uses: rollout on the argo-rollouts production after the release gate', () => {
    const blocks = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    const yaml = blocks.find((b) => /kind: argo-rollouts/.test(b) && /^stages:/m.test(b));
    assert.ok(yaml, 'no runway.yaml with an argo-rollouts target on the page');
    const p = parsePipeline(yaml, 'runway.yaml', '/srv/checkout');
    const target = p.environments['production']!.target;
    assert.equal(target.kind, 'argo-rollouts');
    const canary = p.stages.find((s) => s.name === 'canary')!;
    assert.deepEqual(canary.needs, ['gate']);
    const step = canary.steps[0]!;
    assert.equal(step.uses, 'rollout');
    assert.equal(typeof parseImageReference(String(step.with['image'])), 'object');
  });
});
