import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AdminApi } from './admin-api.ts';
import { Agent } from './agent.ts';
import { killAll, release, site, tempDir, traffic, waitFor } from './agent.fixture.ts';
import { AgentClient, AgentError } from './client.ts';
import { freePort, serverDir } from './supervisor/test-server.fixture.ts';

const TOKEN = 'a'.repeat(64);

/** Asserts that `call` fails with an AgentError of `status`, and returns it. */
async function failsWith(status: number, call: Promise<unknown>): Promise<AgentError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof AgentError, String(err));
    assert.equal(err.status, status, err.message);
    return err;
  }
  assert.fail(`expected ${status}`);
}

describe('admin API over HTTP', () => {
  let app: ReturnType<typeof serverDir>;
  let tmp: ReturnType<typeof tempDir>;
  let agent: Agent;
  let api: AdminApi;
  let url: string;
  let client: AgentClient;
  let port: number;
  let shutdowns = 0;

  before(async () => {
    app = serverDir();
    tmp = tempDir('runway-admin-');
    agent = await Agent.start({ dir: tmp.dir });
    api = new AdminApi({ agent, token: TOKEN, version: '0.1.0', onShutdown: () => shutdowns++ });
    url = `http://127.0.0.1:${await api.listen(0)}`;
    client = new AgentClient({ url, token: TOKEN });
    port = await freePort();
  });

  after(async () => {
    await api.close();
    await agent.stop();
    killAll(tmp.dir);
    tmp.cleanup();
    app.cleanup();
  });

  test('health answers with the token; without it or with a wrong one every /v1 route is 401', async () => {
    assert.deepEqual(await client.health(), { ok: true, pid: process.pid, version: '0.1.0' });
    for (const headers of [
      {},
      { authorization: `Bearer ${'b'.repeat(64)}` },
      { authorization: 'Bearer short' },
    ]) {
      for (const path of ['/v1/health', '/v1/sites', '/v1/sites/web/prod']) {
        const res = await fetch(`${url}${path}`, { headers });
        assert.equal(res.status, 401, path);
        assert.deepEqual(await res.json(), { error: 'missing or wrong bearer token', issues: [] });
      }
    }
    await failsWith(401, new AgentClient({ url, token: 'nope' }).sites());
    const basic = await fetch(`${url}/v1/health`, { headers: { authorization: `Basic ${TOKEN}` } });
    assert.equal(basic.status, 401);
  });

  test('/metrics needs no token and serves Prometheus text', async () => {
    const res = await fetch(`${url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(await res.text(), /# TYPE http_requests_total counter/);
  });

  test('apply through the API, then weights, faults and snapshot', async () => {
    const desired = site(port, [release(app.dir, 'v1'), release(app.dir, 'v2')], { v1: 500, v2: 500 });
    const applied = await client.apply(desired);
    assert.equal(applied.id, 'web/prod');
    assert.equal(applied.desired.addVersionHeader, true);
    await waitFor('ready', async () => (await client.site('web', 'prod')).instances.every((i) => i.ready));
    const weighted = await client.setWeights('web', 'prod', { v1: 1000, v2: 0 });
    assert.deepEqual(weighted.desired.weights, { v1: 1000, v2: 0 });
    assert.deepEqual((await traffic(port, 10)).versions, { v1: 10 });
    await client.setFaults('web', 'prod', 'v1', { errorRatio: 1 });
    assert.deepEqual((await traffic(port, 4)).codes, { 500: 4 });
    const cleared = await client.setFaults('web', 'prod', 'v1', null);
    assert.deepEqual(cleared.desired.faults, {});
    const snapshot = await client.snapshot('web', 'prod');
    assert.deepEqual(
      snapshot.map((s) => [s.version, s.codes]),
      [['v1', { 200: 10, 500: 4 }]],
    );
    assert.match(await client.metrics(), /version="v1",code="500",environment="prod"\} 4/);
    assert.deepEqual(
      (await client.sites()).map((s) => s.id),
      ['web/prod'],
    );
  });

  test('invalid weights are 400 with every issue named, and change nothing', async () => {
    const base = (await client.site('web', 'prod')).desired;
    const bad = await failsWith(400, client.apply({ ...base, weights: { v1: 900, v9: -5 }, port: 0 }));
    assert.deepEqual(bad.issues, [
      'port must be an integer in 1..65535, got 0',
      'weights.v9 names no release version (known: "v1", "v2")',
      'weights.v9 must be an integer in 0..1000 (per-mille), got -5',
    ]);
    const sum = await failsWith(400, client.setWeights('web', 'prod', { v1: 600, v2: 300 }));
    assert.deepEqual(sum.issues, ['weights must sum to 1000 (per-mille), got 900']);
    assert.match(sum.message, /weights must sum to 1000/);
    const unknown = await failsWith(400, client.setWeights('web', 'prod', { v1: 1000, canary: 0 }));
    assert.deepEqual(unknown.issues, ['weights.canary names no release version (known: "v1", "v2")']);
    const negative = await failsWith(400, client.setWeights('web', 'prod', { v1: 1001, v2: -1 }));
    assert.equal(negative.issues.length, 2);
    await failsWith(400, client.setFaults('web', 'prod', 'v1', { errorRatio: 2 }));
    const mismatch = await fetch(`${url}/v1/sites/web/prod`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ ...base, service: 'other' }),
    });
    assert.equal(mismatch.status, 400);
    const notJson = await fetch(`${url}/v1/sites/web/prod/weights`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: '{"weights":',
    });
    assert.equal(notJson.status, 400);
    assert.match(((await notJson.json()) as { error: string }).error, /body is not JSON/);
    assert.deepEqual((await client.site('web', 'prod')).desired, base);
  });

  test('an unknown site is 404 on GET, DELETE, weights, faults and snapshot; an unknown route too', async () => {
    await failsWith(404, client.site('nope', 'prod'));
    await failsWith(404, client.remove('nope', 'prod'));
    await failsWith(404, client.setWeights('nope', 'prod', {}));
    await failsWith(404, client.setFaults('nope', 'prod', 'v1', null));
    const err = await failsWith(404, client.snapshot('web', 'staging'));
    assert.equal(err.message, 'unknown site web/staging');
    const route = await fetch(`${url}/v1/other`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(route.status, 404);
    const method = await fetch(`${url}/v1/health`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(method.status, 405);
    assert.equal(method.headers.get('allow'), 'GET');
  });

  test('a write fenced with a lower token than the site saw is 409 and changes nothing', async () => {
    const base = (await client.site('web', 'prod')).desired;
    await client.setWeights('web', 'prod', { v1: 900, v2: 100 }, 5);
    const stale = await failsWith(409, client.setWeights('web', 'prod', { v1: 0, v2: 1000 }, 4));
    assert.equal(
      stale.message,
      'site web/prod refuses fencing token 4: token 5 was already used (a newer control plane owns it)',
    );
    await failsWith(409, client.apply({ ...base, weights: { v1: 0, v2: 1000 } }, 3));
    assert.deepEqual((await client.site('web', 'prod')).desired.weights, { v1: 900, v2: 100 });
    await client.setWeights('web', 'prod', { v1: 1000, v2: 0 }, 5);
    await client.setWeights('web', 'prod', { v1: 1000, v2: 0 }, 6);
    await failsWith(409, client.setWeights('web', 'prod', { v1: 0, v2: 1000 }, 5));
    const badHeader = await fetch(`${url}/v1/sites/web/prod/weights`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'x-runway-fence': 'seven' },
      body: JSON.stringify({ weights: { v1: 0, v2: 1000 } }),
    });
    assert.equal(badHeader.status, 400);
    assert.deepEqual((await client.site('web', 'prod')).desired.weights, { v1: 1000, v2: 0 });
  });

  test('a public port in use is 409 naming the port, and the site keeps its previous state', async () => {
    const blocker: Server = createServer();
    const taken = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    const before = await client.site('web', 'prod');
    try {
      const err = await failsWith(409, client.apply({ ...before.desired, port: taken }));
      assert.equal(err.message, `port ${taken} is already in use on 127.0.0.1`);
    } finally {
      blocker.close();
    }
    const now = await client.site('web', 'prod');
    assert.deepEqual(now.desired, before.desired);
    assert.deepEqual(now.routes, before.routes);
    assert.deepEqual((await traffic(port, 3)).codes, { 200: 3 });
  });

  test('DELETE removes the site; shutdown is answered, then handed to the process', async () => {
    assert.deepEqual(await fetchJson(`${url}/v1/sites/web/prod`, 'DELETE'), { removed: 'web/prod' });
    await failsWith(404, client.site('web', 'prod'));
    await client.shutdown();
    await waitFor('the shutdown hook', () => shutdowns === 1);
  });

  async function fetchJson(target: string, method: string): Promise<unknown> {
    const res = await fetch(target, { method, headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    return res.json();
  }
});

describe('AgentClient failures', () => {
  test('an agent that is not running is reported as unreachable', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const err = await failsWith(0, new AgentClient({ url, token: TOKEN }).health());
    assert.match(err.message, new RegExp(`^agent at ${url} is unreachable \\(ECONNREFUSED\\)`));
  });

  test('an agent that does not answer in time is reported with the timeout', async () => {
    const silent = createServer(() => undefined);
    const port = await new Promise<number>((resolve) =>
      silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)),
    );
    try {
      const client = new AgentClient({ url: `http://127.0.0.1:${port}`, token: TOKEN, timeoutMs: 150 });
      const err = await failsWith(0, client.sites());
      assert.match(err.message, /did not answer GET \/v1\/sites within 150ms/);
    } finally {
      silent.close();
    }
  });

  test('a bad url fails at construction', () => {
    assert.throws(() => new AgentClient({ url: 'localhost:7070', token: TOKEN }), /url must be like/);
  });
});
