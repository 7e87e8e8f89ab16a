import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, type ConfigIssue } from '../../config/errors.ts';
import { parsePipeline } from '../../config/load.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** A pipeline with a kubernetes production and a local staging, and one step (line 17). */
function pipeline(step: string): string {
  return [
    'version: 1',
    'service: { name: shop }',
    'environments:',
    '  staging:',
    '    target: { kind: local, command: node server.js, port: 4100 }',
    '  production:',
    '    target:',
    '      kind: kubernetes',
    '      namespace: shop',
    '      deployment: shop',
    '      service: shop',
    '      port: 80',
    '      route: { name: shop, gateway: public }',
    'stages:',
    '  ship:',
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

describe('with: image on deploy and rollout steps, checked at load time', () => {
  it('a kubernetes environment takes an image pinned by digest', () => {
    for (const uses of ['deploy', 'rollout']) {
      const p = parsePipeline(
        pipeline(
          `{ uses: ${uses}, with: { environment: production, ${uses === 'rollout' ? 'steps: [ { setWeight: 50 } ], ' : ''}image: 'ghcr.io/acme/shop:1.2@${DIGEST}' } }`,
        ),
        'runway.yaml',
        '/srv/shop',
      );
      assert.equal(p.environments['production']!.target.kind, 'kubernetes');
    }
  });

  it('an image from an earlier step (an expression) is checked when the step runs', () => {
    parsePipeline(
      pipeline(
        "{ uses: rollout, with: { environment: production, steps: [ { setWeight: 50 } ], image: '${{ env.IMAGE }}' } }",
      ),
      'runway.yaml',
      '/srv/shop',
    );
  });

  it('a kubernetes environment without an image is refused at the environment, with the shape expected', () => {
    const [issue, ...rest] = issuesOf(
      pipeline('{ uses: rollout, with: { environment: production, steps: [ { setWeight: 50 } ] } }'),
    );
    assert.deepEqual(rest, []);
    assert.deepEqual([issue!.file, issue!.line, issue!.col], ['runway.yaml', 17, 47]);
    assert.match(
      issue!.message,
      /environment "production" has a kubernetes target, which runs OCI images: the step needs with\.image: <repository>\[:<tag>\]@sha256:<64 lowercase hex>/,
    );
  });

  it('a local environment given an image is refused at the image', () => {
    const [issue, ...rest] = issuesOf(
      pipeline(`{ uses: deploy, with: { environment: staging, image: 'shop@${DIGEST}' } }`),
    );
    assert.deepEqual(rest, []);
    assert.equal(issue!.line, 17);
    assert.equal(issue!.col, 62);
    assert.match(
      issue!.message,
      /has a local target, which runs process bundles, not images: give artifact:/,
    );
  });

  it('a tag without a digest, an artifact or an env on kubernetes: each refused where it is written', () => {
    const tagOnly = issuesOf(
      pipeline("{ uses: deploy, with: { environment: production, image: 'shop:1.2' } }"),
    );
    assert.match(tagOnly[0]!.message, /image "shop:1\.2" is not pinned by digest/);
    const extra = issuesOf(
      pipeline(
        `{ uses: deploy, with: { environment: production, image: 'shop@${DIGEST}', artifact: dist, env: { A: b } } }`,
      ),
    ).map((i) => i.message);
    assert.equal(extra.length, 2, extra.join('\n'));
    assert.match(extra.join('\n'), /runs the image, not an artifact/);
    assert.match(extra.join('\n'), /take their env from the Deployment's pod template/);
  });
});
