import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { validateSiteDesired } from './desired.ts';
import { validateRoutes } from './router/routes.ts';
import { previewRoutes, rescale, siteRoutes } from './routing.ts';

const release = (version: string, replicas = 1) => ({
  version,
  revision: 1,
  command: 'true',
  cwd: '/',
  env: {},
  replicas,
  health: '/health',
});

const site = validateSiteDesired({
  service: 'web',
  environment: 'prod',
  port: 4000,
  previewPort: 4001,
  releases: [release('stable', 2), release('canary'), release('green')],
  weights: { stable: 900, canary: 100 },
  preview: 'green',
  match: [{ header: { name: 'x-canary', value: '1' }, version: 'canary' }],
});

const at = (version: string, index: number, port: number) => ({ version, index, port });

test('every version with a ready instance is a backend; replicas share their version', () => {
  const routes = siteRoutes(site, [at('stable', 1, 5002), at('stable', 0, 5001), at('canary', 0, 5003)]);
  assert.deepEqual(routes, {
    service: 'web',
    backends: [
      { version: 'stable', target: '127.0.0.1:5001', weight: 900, replicas: ['127.0.0.1:5002'] },
      { version: 'canary', target: '127.0.0.1:5003', weight: 100 },
    ],
    match: [{ header: { name: 'x-canary', value: '1' }, version: 'canary' }],
    addVersionHeader: true,
  });
  assert.doesNotThrow(() => validateRoutes(routes));
});

test('a version with weight but nothing ready gives its weight away; its match rule goes too', () => {
  const routes = siteRoutes(site, [at('stable', 0, 5001), at('green', 0, 5009)]);
  assert.deepEqual(
    routes?.backends.map((b) => [b.version, b.weight]),
    [
      ['stable', 1000],
      ['green', 0],
    ],
  );
  assert.equal(routes?.match, undefined);
});

test('no routes while no version with weight has a ready instance', () => {
  assert.equal(siteRoutes(site, []), undefined);
  assert.equal(siteRoutes(site, [at('green', 0, 5009)]), undefined);
});

test('the preview port gets only the preview version', () => {
  assert.deepEqual(previewRoutes(site, [at('stable', 0, 5001), at('green', 0, 5009)]), {
    service: 'web',
    backends: [{ version: 'green', target: '127.0.0.1:5009', weight: 1000 }],
    addVersionHeader: true,
  });
  assert.equal(previewRoutes(site, [at('stable', 0, 5001)]), undefined);
  assert.equal(previewRoutes({ ...site, preview: null }, [at('green', 0, 5009)]), undefined);
});

test('rescale keeps proportions and always sums to 1000', () => {
  assert.deepEqual(rescale([600, 0, 200]), [750, 0, 250]);
  assert.deepEqual(rescale([1, 1, 1]), [334, 333, 333]);
  assert.equal(rescale([0, 0]), undefined);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 8 }), (weights) => {
      const out = rescale(weights);
      if (weights.every((w) => w === 0)) return out === undefined;
      assert.equal(
        out?.reduce((a, b) => a + b, 0),
        1000,
      );
      weights.forEach((w, i) => w === 0 && assert.equal(out?.[i], 0));
      return true;
    }),
  );
});
