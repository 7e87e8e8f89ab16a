import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, test } from 'node:test';
import { WeightedProxy } from './proxy.ts';
import type { Routes } from './routes.ts';
import { send, startBackend, type TestBackend } from './backends.fixture.ts';

let stable: TestBackend;
let canary: TestBackend;
let proxy: WeightedProxy;
let port: number;
const agent = new Agent({ keepAlive: true, maxSockets: 20 });

/** mulberry32, seeded, so the split is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const routes = (stableWeight: number, extra: Partial<Routes> = {}): Routes => ({
  service: 'checkout-api',
  backends: [
    { version: 'stable', target: stable.target, weight: stableWeight },
    { version: 'canary', target: canary.target, weight: 1000 - stableWeight },
  ],
  addVersionHeader: true,
  ...extra,
});

before(async () => {
  stable = await startBackend('stable', (req, res) => {
    req.resume();
    res.writeHead(200, {
      'x-backend': 'stable',
      'x-seen-forwarded-for': String(req.headers['x-forwarded-for']),
    });
    res.end('stable');
  });
  canary = await startBackend('canary');
  proxy = new WeightedProxy({ random: seeded(7), metricsPath: '/_runway/metrics' });
  port = await proxy.listen(0);
});

after(async () => {
  agent.destroy();
  await proxy.close(100);
  await Promise.all([stable.close(), canary.close()]);
});

test('before any routes the proxy answers 503', async () => {
  const reply = await send(port, { agent });
  assert.equal(reply.status, 503);
  assert.deepEqual(JSON.parse(reply.body), { error: 'no routes' });
});

test('a 90/10 split over 2000 requests lands within tolerance, and metrics agree', async () => {
  proxy.setRoutes(routes(900));
  const seen = { stable: 0, canary: 0 };
  const total = 2000;
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const reply = await send(port, { agent });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['x-runway-version'], reply.body);
      seen[reply.body as 'stable' | 'canary']++;
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  assert.equal(seen.stable + seen.canary, total);
  // 5 standard deviations of a binomial(2000, 0.1) is ±67
  assert.ok(Math.abs(seen.canary - 200) <= 67, `canary got ${seen.canary} of ${total}`);
  const snap = proxy.metrics.snapshot('checkout-api');
  assert.deepEqual(
    snap.map((s) => [s.version, s.codes]),
    [
      ['canary', { 200: seen.canary }],
      ['stable', { 200: seen.stable }],
    ],
  );
});

test('0.1 % steps: weight 1000/0 never reaches the 0 backend', async () => {
  proxy.setRoutes(routes(1000));
  const before = canary.stats.requests;
  for (let i = 0; i < 100; i++) assert.equal((await send(port, { agent })).body, 'stable');
  assert.equal(canary.stats.requests, before);
});

test('a header route overrides the weights', async () => {
  proxy.setRoutes(
    routes(1000, { match: [{ header: { name: 'X-Canary', value: 'yes' }, version: 'canary' }] }),
  );
  for (let i = 0; i < 20; i++) {
    assert.equal((await send(port, { agent, headers: { 'x-canary': 'yes' } })).body, 'canary');
    assert.equal((await send(port, { agent, headers: { 'x-canary': 'no' } })).body, 'stable');
  }
});

test('a cookie route overrides the weights', async () => {
  proxy.setRoutes(routes(0, { match: [{ cookie: { name: 'ab', value: 'a' }, version: 'stable' }] }));
  for (let i = 0; i < 20; i++) {
    assert.equal((await send(port, { agent, headers: { cookie: 'x=1; ab=a' } })).body, 'stable');
    assert.equal((await send(port, { agent, headers: { cookie: 'ab=b' } })).body, 'canary');
    assert.equal((await send(port, { agent })).body, 'canary');
  }
});

test('X-Runway-Version is added only when the routes ask for it', async () => {
  proxy.setRoutes(routes(1000, { addVersionHeader: false }));
  const reply = await send(port, { agent });
  assert.equal(reply.headers['x-runway-version'], undefined);
  proxy.setRoutes(routes(1000));
  assert.equal((await send(port, { agent })).headers['x-runway-version'], 'stable');
});

test('X-Forwarded-For gets the client address appended; Host is passed through', async () => {
  proxy.setRoutes(routes(1000));
  const reply = await send(port, { agent, headers: { 'x-forwarded-for': '203.0.113.9' } });
  assert.match(String(reply.headers['x-seen-forwarded-for']), /^203\.0\.113\.9, (::ffff:)?127\.0\.0\.1$/);
});

test('invalid routes are refused and the old ones keep serving', async () => {
  proxy.setRoutes(routes(1000));
  assert.throws(
    () => proxy.setRoutes({ ...routes(1000), backends: [] }),
    /backends must be a non-empty list/,
  );
  assert.equal(proxy.getRoutes()?.backends[0]?.weight, 1000);
  assert.equal((await send(port, { agent })).body, 'stable');
});

test('metricsPath serves the Prometheus text on the public port', async () => {
  const reply = await send(port, { agent, path: '/_runway/metrics' });
  assert.equal(reply.status, 200);
  assert.match(
    reply.body,
    /^http_requests_total\{service="checkout-api",version="stable",code="200"\} \d+$/m,
  );
  assert.match(
    reply.body,
    /^http_request_duration_seconds_bucket\{service="checkout-api",version="canary",le="\+Inf"\} \d+$/m,
  );
});

test('bad options fail at construction', () => {
  assert.throws(() => new WeightedProxy({ metricsPath: 'metrics' }), /metricsPath must start with "\/"/);
  assert.throws(
    () => new WeightedProxy({ versionHeader: 'bad header' }),
    /versionHeader must be a header name/,
  );
  assert.throws(() => new WeightedProxy({ routes: { service: 'x' } }), /invalid routes/);
});
