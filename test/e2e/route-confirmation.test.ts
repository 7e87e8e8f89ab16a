/*
 * A rollout's end counts only once its router serves the final split (issue #13's chaos finding: a
 * run succeeded while production still answered with the previous version, because the last route
 * change was lost with the agent). Here the data-plane agent is killed (and kept down) just before
 * the last route change: the rollout is recorded completed, yet the run does not succeed while no
 * router serves the final split. Once an agent runs again, the run succeeds and every request is
 * served by the new version at once.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { groupAlive } from '../../src/executors/local/process-group.ts';
import { ServerClient } from '../../src/server/client.ts';
import { locateServer } from '../../src/server/discovery.ts';
import { alive, freePort, project, runway, spawnRunway, type CliResult } from './helpers.ts';

const APP = `const http = require('node:http');
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  res.end(process.env.RELEASE_VERSION);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function pipelineYaml(version: string, port: number): string {
  return `version: 1
service: { name: web, health: /health }
environments:
  production: { target: { kind: local, command: node server.js, port: ${port} } }
stages:
  production:
    steps:
      - uses: rollout
        with:
          environment: production
          version: ${version}
          artifact: app
          scale-down-delay: 5s
          steps:
            - setWeight: 50
            - pause: {}
            - setWeight: 100
`;
}

function get(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 ? body : `HTTP ${res.statusCode}`));
    });
    req.on('error', (err) => resolve(`error ${err.message}`));
    req.end();
  });
}

describe('the end of a rollout counts once the router serves the final split', { timeout: 120_000 }, () => {
  let dir: string;
  let port: number;
  let serve: ChildProcess | undefined;
  const groups = new Set<number>();
  const agentDir = () => join(dir, '.runway', 'runway', 'agent');
  const agentPid = (): number =>
    (JSON.parse(readFileSync(join(agentDir(), 'agent.json'), 'utf8')) as { pid: number }).pid;
  const recordGroups = () => {
    const ledger = JSON.parse(readFileSync(join(agentDir(), 'pgids.json'), 'utf8')) as {
      groups: { pgid: number }[];
    };
    for (const g of ledger.groups) groups.add(g.pgid);
  };
  /** The stored rollout of `version`, read straight from SQLite (no CLI start-up in the timing). */
  const rolloutOf = (version: string): { phase: string; weight: number; dataPlane?: string } | undefined => {
    const db = new DatabaseSync(join(dir, '.runway', 'runway.db'), { readOnly: true });
    try {
      const rows = db.prepare(`SELECT record_json FROM rollouts`).all() as { record_json: string }[];
      const r = rows
        .map(
          (row) =>
            JSON.parse(row.record_json) as {
              canary: { version: string };
              state: { phase: string; weight: number };
              dataPlane?: string;
            },
        )
        .find((x) => x.canary.version === version);
      return (
        r && { phase: r.state.phase, weight: r.state.weight, ...(r.dataPlane && { dataPlane: r.dataPlane }) }
      );
    } finally {
      db.close();
    }
  };

  before(async () => {
    port = await freePort();
    dir = project(pipelineYaml('v1', port));
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'server.js'), APP);
    serve = spawnRunway(['serve'], { cwd: dir });
    serve.stdout?.resume();
    serve.stderr?.resume();
    const info = join(dir, '.runway', 'runway', 'server.json');
    for (let i = 0; i < 400 && !existsSync(info); i++) await sleep(50);
  });

  after(async () => {
    await runway(['serve', 'stop'], { cwd: dir });
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
    try {
      recordGroups();
      const pid = agentPid();
      if (alive(pid)) process.kill(pid, 'SIGTERM');
    } catch {
      // no agent was started
    }
    for (let i = 0; i < 100 && [...groups].some(groupAlive); i++) await sleep(100);
    for (const pgid of groups) if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  });

  it('a run does not succeed while no router serves the final split; then v2 serves every request', async () => {
    const first = await runway(['run'], { cwd: dir });
    assert.equal(first.code, 0, first.stdout + first.stderr);

    // a canary paused at 50%
    writeFileSync(join(dir, 'runway.yaml'), pipelineYaml('v2', port));
    let ended: CliResult | undefined;
    const run = runway(['run'], { cwd: dir }).then((r) => (ended = r));
    for (let i = 0; i < 300; i++) {
      const r = rolloutOf('v2');
      if (r?.phase === 'paused' && r.weight === 500) break;
      await sleep(100);
    }
    assert.deepEqual(rolloutOf('v2'), { phase: 'paused', weight: 500 });
    recordGroups();

    // kill -9 the agent and keep it down (its state file unreadable: a restart fails), then promote:
    // the controller records the rollout completed, and the final split reaches no router
    const server = locateServer(join(dir, '.runway', 'runway'), {});
    assert.ok(server, 'the control plane runs');
    const desired = join(agentDir(), 'desired.json');
    const saved = readFileSync(desired);
    const killed = agentPid();
    process.kill(killed, 'SIGKILL');
    while (alive(killed)) await sleep(10);
    writeFileSync(desired, '{ not json');
    const promoted = new ServerClient(server).command('web', 'production', 'promote', 'test').then(
      () => 'promoted',
      (err: unknown) => (err as Error).message,
    );
    for (let i = 0; i < 300 && rolloutOf('v2')?.phase !== 'completed'; i++) await sleep(20);
    assert.equal(rolloutOf('v2')?.phase, 'completed');
    assert.equal(await promoted, 'promoted');
    const waitFrom = Date.now();
    let watchEnded: CliResult | undefined;
    const watch = runway(['rollout', 'status', 'web', '--env', 'production', '--watch'], { cwd: dir }).then(
      (r) => (watchEnded = r),
    );
    const status = await runway(['rollout', 'status', 'web', '--env', 'production'], { cwd: dir });
    assert.match(status.stdout, /rollout web\.production\.r2: completed/);
    assert.match(status.stdout, /waiting for the router to serve the final split/);
    await sleep(Math.max(0, 2000 - (Date.now() - waitFrom)));
    assert.equal(
      ended,
      undefined,
      `the run ended while no router served the final split: ${ended?.stdout ?? ''}`,
    );
    assert.equal(rolloutOf('v2')?.dataPlane, 'pending', 'the store says the router has not served it yet');
    assert.equal(watchEnded, undefined, 'rollout status --watch waits for the router too');

    // the agent can start again: the watchdog starts it, the controller applies the final split and
    // reads it back, the rollout is confirmed, and only then does the run succeed
    writeFileSync(desired, saved);
    const done = await run;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.match(done.stdout + done.stderr, /waiting for the router to serve the final split/);
    for (let i = 0; i < 20; i++) assert.equal(await get(port), 'v2');
    assert.equal(rolloutOf('v2')?.dataPlane, 'confirmed');
    assert.equal((await watch).code, 0);
  });
});
