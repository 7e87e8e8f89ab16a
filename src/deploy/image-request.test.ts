import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkRolloutRequest } from './rollout-request.ts';

const DIGEST = `sha256:${'cd'.repeat(32)}`;
const TARGET = {
  kind: 'kubernetes',
  namespace: 'shop',
  deployment: 'shop',
  service: 'shop',
  port: 80,
  canaryReplicas: 1,
  route: { name: 'shop', gateway: 'public' },
};

function request(release: Record<string, unknown>, target: unknown = TARGET): unknown {
  return {
    service: 'shop',
    environment: 'production',
    port: 80,
    router: { kind: 'gateway-api' },
    ...(target === null ? {} : { target }),
    release: { version: 'v2', command: '', cwd: '', env: {}, replicas: 1, health: '/health', ...release },
  };
}

const fields = (body: unknown) => {
  const checked = checkRolloutRequest(body);
  return checked.ok ? [] : checked.issues.map((i) => i.field);
};

describe('a rollout request carrying an OCI image', () => {
  it('is accepted with its kubernetes target and the image pinned by digest', () => {
    const checked = checkRolloutRequest(
      request({ image: { type: 'image', image: 'ghcr.io/a/shop:2', digest: DIGEST } }),
    );
    assert.ok(checked.ok, JSON.stringify(!checked.ok && checked.issues));
  });

  it('names the field of a digest that is not one, a command beside an image, or an image without a target', () => {
    assert.deepEqual(fields(request({ image: { type: 'image', image: 'shop', digest: 'sha256:00' } })), [
      'release.image',
    ]);
    assert.deepEqual(
      fields(request({ image: { type: 'image', image: 'shop', digest: DIGEST }, command: 'sh -c x' })),
      ['release.command'],
    );
    assert.deepEqual(fields(request({ image: { type: 'image', image: 'shop', digest: DIGEST } }, null)), [
      'target',
    ]);
  });

  it('refuses a target it cannot build, or a process release sent to a kubernetes target', () => {
    assert.deepEqual(
      fields(
        request({ image: { type: 'image', image: 'shop', digest: DIGEST } }, { ...TARGET, namespace: 'A B' }),
      ),
      ['target'],
    );
    assert.deepEqual(fields(request({ command: 'node server.js', cwd: '/srv/shop' })), ['release.image']);
  });
});
