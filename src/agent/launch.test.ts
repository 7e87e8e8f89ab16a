import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { killAll, release, site, tempDir, traffic, waitFor } from './agent.fixture.ts';
import { agentDirFiles, processRunning, readAgentInfo } from './agent-dir.ts';
import type { AgentClient } from './client.ts';
import { AGENT_MAIN, ensureAgent, stopAgent } from './launch.ts';
import type { SiteStatus } from './site.ts';
import { freePort, serverDir } from './supervisor/test-server.fixture.ts';

const CONTROL_PLANE = fileURLToPath(new URL('./control-plane.fixture.ts', import.meta.url));
const allReady = (s: SiteStatus) => s.instances.length === 2 && s.instances.every((i) => i.ready) && s;

describe('the agent as a detached process', () => {
  let app: ReturnType<typeof serverDir>;
  let tmp: ReturnType<typeof tempDir>;
  let dir: string;
  let port: number;
  const groups = new Set<number>();
  const remember = (s: SiteStatus) => {
    for (const i of s.instances) if (i.pid !== null) groups.add(i.pid);
    return s;
  };

  before(async () => {
    app = serverDir();
    tmp = tempDir('runway-launch-');
    dir = join(tmp.dir, 'agent');
    port = await freePort();
  });

  after(async () => {
    await stopAgent(dir, { timeoutMs: 3000 }).catch(() => undefined);
    killAll(dir, groups);
    tmp.cleanup();
    app.cleanup();
  });

  test('keeps serving after the control plane that configured it has exited', async () => {
    const sitePath = join(tmp.dir, 'site.json');
    const releases = [release(app.dir, 'v1'), release(app.dir, 'v2')];
    writeFileSync(sitePath, JSON.stringify(site(port, releases, { v1: 500, v2: 500 })));
    const cp = spawnSync(process.execPath, [CONTROL_PLANE, dir, sitePath], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    assert.equal(cp.status, 0, cp.stderr);
    const first = JSON.parse(cp.stdout) as { pid: number; started: boolean };
    assert.equal(first.started, true);
    assert.ok(processRunning(first.pid), 'the agent outlived the control plane');
    assert.equal(statSync(agentDirFiles(dir).token).mode & 0o777, 0o600);
    assert.match(readFileSync(agentDirFiles(dir).token, 'utf8'), /^[0-9a-f]{64}\n$/);

    const { versions, codes } = await traffic(port, 60);
    assert.deepEqual(codes, { 200: 60 });
    assert.ok((versions.v1 ?? 0) > 5 && (versions.v2 ?? 0) > 5, JSON.stringify(versions));

    const again = await ensureAgent(dir);
    assert.equal(again.started, false);
    assert.equal(again.pid, first.pid);
    remember(await again.client.site('web', 'prod'));
  });

  test('after kill -9, ensureAgent starts a new agent that adopts the running instances and serves the same weights', async () => {
    const { client, pid } = await ensureAgent(dir);
    await client.setWeights('web', 'prod', { v1: 800, v2: 200 });
    const before = remember(await client.site('web', 'prod'));
    process.kill(pid, 'SIGKILL');
    await waitFor('the agent to die', () => !processRunning(pid));
    const pids = before.instances.map((i) => i.pid as number);
    assert.ok(pids.every(processRunning), 'instances outlive a killed agent');

    const restarted = await ensureAgent(dir);
    assert.equal(restarted.started, true);
    assert.notEqual(restarted.pid, pid);
    const after = await waitFor('ready again', async () =>
      allReady(remember(await restarted.client.site('web', 'prod'))),
    );
    // the same processes on the same ports: adopted, neither killed nor started again
    assert.deepEqual(
      after.instances.map((i) => [i.key, i.pid, i.port, i.restarts]),
      before.instances.map((i) => [i.key, i.pid, i.port, 0]),
    );
    assert.ok(pids.every(processRunning));
    assert.deepEqual(after.desired.weights, { v1: 800, v2: 200 });
    assert.deepEqual(
      after.routes?.backends.map((b) => [b.version, b.weight]),
      [
        ['v1', 800],
        ['v2', 200],
      ],
    );
    assert.deepEqual((await traffic(port, 20)).codes, { 200: 20 });
    const log = readFileSync(agentDirFiles(dir).log, 'utf8');
    assert.match(log, /instance web\/prod web\/v1\/0 adopted pid=\d+/);
    assert.match(log, /instance web\/prod web\/v2\/0 adopted pid=\d+/);
    assert.doesNotMatch(log, /leftover .* killed/);
    for (const version of ['v1', 'v2']) {
      const out = readFileSync(join(dir, 'logs', 'web', 'prod', `${version}-0.log`), 'utf8');
      assert.equal(out.match(/\[runway\] starting/g)?.length, 1, `${version} started once`);
    }
  });

  test('after kill -9, groups recorded without a spec fingerprint (an older agent) are ended and replaced', async () => {
    const { client, pid } = await ensureAgent(dir);
    const before = remember(await client.site('web', 'prod'));
    process.kill(pid, 'SIGKILL');
    await waitFor('the agent to die', () => !processRunning(pid));
    const ledgerPath = agentDirFiles(dir).pgids;
    const ledger = JSON.parse(readFileSync(ledgerPath, 'utf8')) as { groups: Record<string, unknown>[] };
    for (const g of ledger.groups) delete g.fingerprint;
    writeFileSync(ledgerPath, JSON.stringify(ledger));
    const pids = before.instances.map((i) => i.pid as number);

    const restarted = await ensureAgent(dir);
    assert.ok(
      pids.every((p) => !processRunning(p)),
      'leftover groups were killed',
    );
    const after = await waitFor('ready again', async () =>
      allReady(remember(await restarted.client.site('web', 'prod'))),
    );
    assert.ok(after.instances.every((i) => !pids.includes(i.pid as number)));
    assert.deepEqual((await traffic(port, 20)).codes, { 200: 20 });
    assert.match(
      readFileSync(agentDirFiles(dir).log, 'utf8'),
      /leftover web\/prod web\/v1\/0 \(process group \d+\) killed/,
    );
  });

  test('stopAgent stops the instances and the agent, and says whether one ran', async () => {
    const { client, pid } = await ensureAgent(dir);
    const instances = (await (client as AgentClient).site('web', 'prod')).instances.map(
      (i) => i.pid as number,
    );
    assert.equal(await stopAgent(dir), true);
    assert.ok(!processRunning(pid));
    assert.ok(instances.every((p) => !processRunning(p)));
    assert.equal(readAgentInfo(dir), undefined);
    assert.equal(existsSync(agentDirFiles(dir).desired), true, 'the desired state stays for the next start');
    assert.equal(await stopAgent(dir), false);
  });

  test('the agent refuses a token that others can read', () => {
    const other = join(tmp.dir, 'loose');
    mkdirSync(other);
    writeFileSync(join(other, 'token'), 'secret\n', { mode: 0o644 });
    const run = spawnSync(process.execPath, [AGENT_MAIN, '--dir', other], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(run.status, 1);
    assert.match(run.stdout, /token has mode 0644: run chmod 600 on it/);
    assert.doesNotMatch(run.stdout, /secret/);
  });
});
