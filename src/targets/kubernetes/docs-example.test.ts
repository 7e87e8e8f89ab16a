/*
 * docs/targets.md's whole-pipeline example for `kind: kubernetes` loads as written: a kubernetes
 * production with the gateway-api router by default, and a rollout step carrying an image pinned
 * by digest and its attestation.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parsePipeline } from '../../config/load.ts';

const page = readFileSync(new URL('../../../docs/targets.md', import.meta.url), 'utf8');

describe('the kubernetes pipeline in docs/targets.md', () => {
  it('loads, with the gateway-api router and an image pinned by digest', () => {
    const block = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1] ?? '')
      .find((b) => /^version: 1$/m.test(b) && /kind: kubernetes/.test(b));
    assert.ok(block, 'no whole-pipeline kubernetes example on the page');
    const pipeline = parsePipeline(block, 'docs/targets.md', '/srv/checkout');
    const production = pipeline.environments['production']!;
    assert.equal(production.target.kind, 'kubernetes');
    assert.deepEqual(production.router, { kind: 'gateway-api' });
    assert.ok(production.verify, 'the example verifies attestations');
    const step = pipeline.stages.find((s) => s.name === 'canary')!.steps[0]!;
    assert.match(String(step.with?.['image']), /@sha256:[0-9a-f]{64}$/);
  });
});
