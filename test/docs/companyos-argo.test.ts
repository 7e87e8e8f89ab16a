/*
 * The CompanyOS seed's canary stage with Argo Rollouts doing the traffic (examples/companyos/argo/):
 * production.yaml put over examples/companyos/runway.yaml loads as a valid pipeline whose canary is
 * `uses: rollout` on an argo-rollouts target, and the Rollout and AnalysisTemplates it drives are
 * valid by the Rollout CRD and the Argo Rollouts models, naming the same rollout and container.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments, parseDocument } from 'yaml';
import { AnalysisTemplate } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate';
import { parsePipeline } from '../../src/config/load.ts';
import { validateSent } from '../../src/targets/kubernetes/schemas.fixture.ts';
import { REPO } from '../e2e/helpers.ts';

const DIR = join(REPO, 'examples', 'companyos');

function argoPipeline(): ReturnType<typeof parsePipeline> {
  const doc = parseDocument(readFileSync(join(DIR, 'runway.yaml'), 'utf8'));
  const overlay = parse(readFileSync(join(DIR, 'argo', 'production.yaml'), 'utf8')) as {
    environments: Record<string, unknown>;
    stages: Record<string, unknown>;
  };
  for (const [name, env] of Object.entries(overlay.environments)) doc.setIn(['environments', name], env);
  for (const [name, stage] of Object.entries(overlay.stages)) doc.setIn(['stages', name], stage);
  return parsePipeline(String(doc), join(DIR, 'runway.yaml'), DIR);
}

describe('examples/companyos/argo: the seed canary with Argo doing the traffic', () => {
  it('loads over the demo pipeline: the canary is uses: rollout with an image on the argo-rollouts production', () => {
    const p = argoPipeline();
    const target = p.environments['production']!.target;
    assert.equal(target.kind, 'argo-rollouts');
    const step = p.stages.find((s) => s.name === 'production-canary')!.steps[0]!;
    assert.equal(step.uses, 'rollout');
    assert.match(String(step.with['image']), /@\$\{\{ env\.IMAGE_DIGEST \}\}$/);
    assert.equal(p.stages.find((s) => s.name === 'production-canary')!.needs[0], 'release-gate');
  });

  it("the Rollout is valid by the Rollout CRD and is the one the target names, with the target's container", () => {
    const docs = parseAllDocuments(readFileSync(join(DIR, 'argo', 'rollout.yaml'), 'utf8')).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string; namespace: string }; spec: never },
    );
    const rollout = docs.find((d) => d.kind === 'Rollout')!;
    validateSent(rollout);
    const target = argoPipeline().environments['production']!.target as {
      namespace: string;
      rollout: string;
      container: string;
    };
    assert.deepEqual([rollout.metadata.namespace, rollout.metadata.name], [target.namespace, target.rollout]);
    const spec = rollout.spec as {
      template: { spec: { containers: { name: string }[] } };
      strategy: {
        canary: { steps: { setWeight?: number; analysis?: { templates: { templateName: string }[] } }[] };
      };
    };
    assert.ok(spec.template.spec.containers.some((c) => c.name === target.container));
    const weights = spec.strategy.canary.steps.flatMap((s) =>
      s.setWeight === undefined ? [] : [s.setWeight],
    );
    assert.deepEqual(weights, [1, 10, 25, 50], 'the seed tier 1: 1% → 10% → 25% → 50% → 100%');
    const templates = docs.filter((d) => d.kind === 'AnalysisTemplate');
    for (const t of templates) new AnalysisTemplate(t as never).validate();
    const used = spec.strategy.canary.steps.flatMap(
      (s) => s.analysis?.templates.map((x) => x.templateName) ?? [],
    );
    assert.deepEqual(used.sort(), templates.map((t) => t.metadata.name).sort());
  });
});
