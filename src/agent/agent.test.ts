import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Agent } from './agent.ts';
import { killAll, release, site, tempDir, traffic, waitFor } from './agent.fixture.ts';
import { PortInUseError, UnknownSiteError } from './errors.ts';
import { agentDirFiles } from './agent-dir.ts';
import type { SiteStatus } from './site.ts';
import { freePort, gone, serverDir } from './supervisor/test-server.fixture.ts';

const allReady = (s: SiteStatus, n: number) => s.instances.length === n && s.instances.every((i) => i.ready);

describe('Agent with real instances', () => {
  let app: ReturnType<typeof serverDir>;
  let tmp: ReturnType<typeof tempDir>;
  let agent: Agent;
  let port: number;
  const pids = new Set<number>();
  const seen = (s: SiteStatus) => {
    for (const i of s.instances) if (i.pid !== null) pids.add(i.pid);
    return s;
  };

  before(async () => {
    app = serverDir();
    tmp = tempDir('runway-agent-');
    agent = await Agent.start({ dir: tmp.dir });
    port = await freePort();
  });

  after(async () => {
    await agent.stop();
    killAll(tmp.dir, pids);
    tmp.cleanup();
    app.cleanup();
  });

  test('splits traffic by weight between two releases and marks each response with its version', async () => {
    const releases = [release(app.dir, 'v1', { replicas: 2 }), release(app.dir, 'v2')];
    const applied = await agent.apply(site(port, releases, { v1: 700, v2: 300 }));
    assert.equal(applied.instances.length, 3);
    const ready = await waitFor('3 ready instances', () => {
      const s = seen(agent.siteStatus('web', 'prod'));
      return allReady(s, 3) && s;
    });
    assert.deepEqual(
      ready.routes?.backends.map((b) => [b.version, b.weight, (b.replicas ?? []).length]),
      [
        ['v1', 700, 1],
        ['v2', 300, 0],
      ],
    );
    const { versions, codes } = await traffic(port, 200);
    assert.deepEqual(codes, { 200: 200 });
    assert.ok((versions.v1 ?? 0) > 100 && (versions.v2 ?? 0) > 20, JSON.stringify(versions));
    assert.equal(versions.none, undefined, 'every response carries X-Runway-Version');
  });

  test('a weight change is a route swap: in force at once, nothing restarted, persisted', async () => {
    const before = agent.siteStatus('web', 'prod').instances.map((i) => [i.key, i.pid]);
    const status = await agent.setWeights('web', 'prod', { v1: 0, v2: 1000 });
    assert.deepEqual(
      status.routes?.backends.map((b) => [b.version, b.weight]),
      [
        ['v1', 0],
        ['v2', 1000],
      ],
    );
    assert.deepEqual((await traffic(port, 30)).versions, { v2: 30 });
    const after = agent.siteStatus('web', 'prod').instances;
    assert.deepEqual(
      after.map((i) => [i.key, i.pid]),
      before,
    );
    assert.ok(after.every((i) => i.restarts === 0));
    const saved = JSON.parse(readFileSync(agentDirFiles(tmp.dir).desired, 'utf8'));
    assert.deepEqual(saved.sites['web/prod'].desired.weights, { v1: 0, v2: 1000 });
  });

  test('a fault on one version shows as 500s under its version and environment labels', async () => {
    await agent.setFaults('web', 'prod', 'v2', { errorRatio: 1 });
    assert.deepEqual((await traffic(port, 20)).codes, { 500: 20 });
    const text = agent.metrics.render();
    assert.match(
      text,
      /^http_requests_total\{service="web",version="v2",code="500",environment="prod"\} 20$/m,
    );
    assert.deepEqual(agent.siteStatus('web', 'prod').desired.faults, { v2: { errorRatio: 1 } });
    await agent.setFaults('web', 'prod', 'v2', null);
    assert.deepEqual((await traffic(port, 5)).codes, { 200: 5 });
    const snap = agent.snapshot('web', 'prod').find((s) => s.version === 'v2');
    assert.equal(snap?.codes['500'], 20);
    assert.equal(snap?.environment, 'prod');
  });

  test('a version with weight but no ready instance gives its weight to the others', async () => {
    const releases = [
      release(app.dir, 'v1', { replicas: 2 }),
      release(app.dir, 'v3', { mode: 'never-ready', readinessTimeoutMs: 60_000 }),
    ];
    const status = await agent.apply(site(port, releases, { v1: 400, v3: 600 }));
    assert.equal(status.instances.find((i) => i.version === 'v3')?.ready, false);
    await waitFor('v2 gone and v3 probed', () => {
      const s = seen(agent.siteStatus('web', 'prod'));
      return s.instances.length === 3 && s.instances.find((i) => i.version === 'v3')?.lastProbeOk === false;
    });
    const routes = agent.siteStatus('web', 'prod').routes;
    assert.deepEqual(
      routes?.backends.map((b) => [b.version, b.weight]),
      [['v1', 1000]],
    );
    assert.deepEqual((await traffic(port, 20)).versions, { v1: 20 });
    const v3 = agent.siteStatus('web', 'prod').instances.find((i) => i.version === 'v3');
    assert.ok(v3 && v3.consecutiveFailures >= 1 && v3.state === 'starting', JSON.stringify(v3));
  });

  test('the same versions run side by side in another environment, on their own ports and series', async () => {
    const stagingPort = await freePort();
    await agent.apply(site(stagingPort, [release(app.dir, 'v1')], { v1: 1000 }, { environment: 'staging' }));
    const staging = await waitFor('staging ready', () => {
      const s = seen(agent.siteStatus('web', 'staging'));
      return allReady(s, 1) && s;
    });
    const prodPorts = agent.siteStatus('web', 'prod').instances.map((i) => i.port);
    assert.ok(!prodPorts.includes(staging.instances[0]?.port as number));
    await traffic(stagingPort, 3);
    assert.deepEqual(
      agent.snapshot('web', 'staging').map((s) => [s.environment, s.version, s.total]),
      [['staging', 'v1', 3]],
    );
    await agent.remove('web', 'staging');
  });

  test('a public port already in use is refused and the previous state stays, on disk too', async () => {
    const blocker: Server = createServer();
    const taken = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    const file = agentDirFiles(tmp.dir).desired;
    const before = readFileSync(file, 'utf8');
    const desiredBefore = agent.siteStatus('web', 'prod').desired;
    try {
      await assert.rejects(
        agent.apply(site(taken, [release(app.dir, 'v1', { replicas: 2 })], { v1: 1000 })),
        (err: unknown) =>
          err instanceof PortInUseError && err.message === `port ${taken} is already in use on 127.0.0.1`,
      );
    } finally {
      blocker.close();
    }
    assert.equal(readFileSync(file, 'utf8'), before);
    assert.deepEqual(agent.siteStatus('web', 'prod').desired, desiredBefore);
    assert.deepEqual((await traffic(port, 5)).codes, { 200: 5 });
  });

  test(
    'an instance whose command exits at once is reported in a crash loop',
    { timeout: 15_000 },
    async () => {
      const crashPort = await freePort();
      const crashing = release(app.dir, 'v1', { command: 'exit 3' });
      await agent.apply(site(crashPort, [crashing], { v1: 1000 }, { service: 'crashy' }));
      const status = await waitFor(
        'a crash loop',
        () => {
          const s = agent.siteStatus('crashy', 'prod');
          return s.instances[0]?.crashLoop && s;
        },
        10_000,
      );
      const [instance] = status.instances;
      assert.ok(instance && instance.restarts >= 3 && !instance.ready, JSON.stringify(instance));
      assert.equal(instance.lastExit?.code, 3);
      assert.equal(status.routes, null);
      const res = await fetch(`http://127.0.0.1:${crashPort}/`);
      assert.equal(res.status, 503, 'never routed to a dead port');
      await agent.remove('crashy', 'prod');
    },
  );

  test('a preview port routes only to the preview version, with the same faults', async () => {
    const previewPort = await freePort();
    const releases = [release(app.dir, 'v1'), release(app.dir, 'v4')];
    await agent.apply(site(port, releases, { v1: 1000 }, { previewPort, preview: 'v4' }));
    await waitFor('v4 ready', () => {
      const s = seen(agent.siteStatus('web', 'prod'));
      return allReady(s, 2) && s.previewRoutes;
    });
    assert.deepEqual((await traffic(previewPort, 10)).versions, { v4: 10 });
    assert.deepEqual((await traffic(port, 10)).versions, { v1: 10 });
    await agent.setFaults('web', 'prod', 'v4', { errorRatio: 1 });
    assert.deepEqual((await traffic(previewPort, 3)).codes, { 500: 3 });
    const moved = await agent.apply(site(port, releases, { v1: 1000 }));
    assert.equal(moved.previewRoutes, null);
    await assert.rejects(fetch(`http://127.0.0.1:${previewPort}/`), 'the preview port is closed');
  });

  test('remove stops the instances and the router, and forgets the site', async () => {
    const instances = agent.siteStatus('web', 'prod').instances;
    await agent.remove('web', 'prod');
    assert.ok(instances.every((i) => i.pid === null || gone(i.pid)));
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
    assert.throws(() => agent.siteStatus('web', 'prod'), UnknownSiteError);
    assert.throws(() => agent.snapshot('web', 'prod'), /unknown site web\/prod/);
    assert.deepEqual(agent.status(), []);
  });
});
