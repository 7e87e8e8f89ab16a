/*
 * kill -9 of the data-plane agent in the middle of a canary: `runway serve` starts a new agent, which
 * adopts the instances the old one left running. The same processes serve, the rollout resumes and
 * completes, no instance starts twice, and no process is left behind.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { groupAlive } from '../../src/executors/local/process-group.ts';
import { alive, project, runway, spawnRunway, type CliResult } from './helpers.ts';

// fixed ports below the ephemeral range, used by this file only (24530-24539)
const STAGING = 24530;
const PRODUCTION = 24531;

const APP = `const http = require('node:http');
const version = process.env.RELEASE_VERSION;
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  res.end(version);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function pipelineYaml(version: string): string {
  return `version: 1
service: { name: web, health: /health }
environments:
  staging: { target: { kind: local, command: node server.js, port: ${STAGING} } }
  production: { target: { kind: local, command: node server.js, port: ${PRODUCTION}, replicas: 2 } }
stages:
  staging:
    steps:
      - uses: deploy
        with: { environment: staging, version: ${version}, artifact: app }
  production:
    needs: staging
    steps:
      - uses: rollout
        with:
          environment: production
          version: ${version}
          artifact: app
          scale-down-delay: 1s
          steps:
            - setWeight: 20
            - pause: {}
            - setWeight: 100
`;
}

/** GETs the production port once; the body (the version) or what went wrong. */
function get(): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: PRODUCTION, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 ? body : `HTTP ${res.statusCode}`));
    });
    req.on('error', (err) => resolve(`error ${err.message}`));
    req.end();
  });
}

interface Group {
  site: string;
  key: string;
  pgid: number;
}

describe('kill -9 of the data-plane agent mid-rollout', { timeout: 120_000 }, () => {
  let dir: string;
  let agentDir: string;
  let serve: ChildProcess | undefined;
  const seen = new Set<number>();
  const cli = (args: string[]): Promise<CliResult> => runway(args, { cwd: dir });
  const agentPid = (): number | null => {
    const file = join(agentDir, 'agent.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid : null;
  };
  const groups = (): Group[] => {
    const ledger = JSON.parse(readFileSync(join(agentDir, 'pgids.json'), 'utf8')) as { groups: Group[] };
    for (const g of ledger.groups) seen.add(g.pgid);
    return ledger.groups.sort((a, b) => (`${a.site}#${a.key}` < `${b.site}#${b.key}` ? -1 : 1));
  };

  async function status(): Promise<{ rollout: { state: { phase: string; weight: number } } }> {
    const res = await cli(['rollout', 'status', 'web', '--env', 'production', '--json']);
    assert.equal(res.code, 0, res.stderr);
    return JSON.parse(res.stdout) as never;
  }

  before(async () => {
    dir = project(pipelineYaml('v1'));
    agentDir = join(dir, '.runway', 'runway', 'agent');
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'server.js'), APP);
    serve = spawnRunway(['serve'], { cwd: dir });
    serve.stdout?.resume();
    serve.stderr?.resume();
    const info = join(dir, '.runway', 'runway', 'server.json');
    for (let i = 0; i < 200 && !existsSync(info); i++) await sleep(50);
  });

  after(async () => {
    await cli(['serve', 'stop']);
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
    const pid = agentPid();
    if (pid !== null && alive(pid)) process.kill(pid, 'SIGKILL');
    for (const pgid of seen) if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  });

  it('the same instances serve, the rollout resumes, nothing starts twice, nothing is left behind', async () => {
    const first = await cli(['run']);
    assert.equal(first.code, 0, first.stdout + first.stderr);

    // a canary paused at 20%: v1 and v2 run side by side in production
    writeFileSync(join(dir, 'runway.yaml'), pipelineYaml('v2'));
    const runDone = cli(['run']);
    for (let i = 0; i < 150; i++) {
      const s = await status();
      if (s.rollout.state.phase === 'paused' && s.rollout.state.weight === 200) break;
      await sleep(100);
    }
    assert.equal((await status()).rollout.state.weight, 200);
    const before = groups();
    assert.deepEqual(
      before.filter((g) => g.site === 'web/production').map((g) => g.key),
      ['web/v1/0', 'web/v1/1', 'web/v2/0', 'web/v2/1'],
    );

    // kill -9 the agent; the control plane's watchdog starts another within a few seconds
    const killed = agentPid();
    assert.ok(killed !== null);
    process.kill(killed, 'SIGKILL');
    const t0 = Date.now();
    let failed = 0;
    let served: string | undefined;
    for (; Date.now() - t0 < 15_000; await sleep(20)) {
      const got = await get();
      if (got === 'v1' || got === 'v2') {
        const pid = agentPid();
        if (pid !== null && pid !== killed) {
          served = got;
          break;
        }
      } else failed++;
    }
    assert.ok(served, 'production serves again through a new agent');
    const gapMs = Date.now() - t0;

    // the new agent adopted every instance: the same process groups, all still running
    const adopted = groups();
    assert.deepEqual(adopted, before);
    assert.ok(adopted.every((g) => groupAlive(g.pgid)));
    const log = readFileSync(join(agentDir, 'agent.log'), 'utf8');
    assert.equal(log.match(/ adopted pid=/g)?.length, before.length, 'every instance adopted');
    assert.doesNotMatch(log, /leftover .* killed/);

    // traffic still splits at the canary's weight once the new agent serves
    const split: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const got = await get();
      split[got] = (split[got] ?? 0) + 1;
    }
    assert.deepEqual(Object.keys(split).sort(), ['v1', 'v2'], JSON.stringify(split));
    assert.ok((split['v2'] ?? 0) > 16 && (split['v2'] ?? 0) < 70, JSON.stringify(split));

    // the rollout resumes: promote completes it
    const promoted = await cli(['rollout', 'promote', 'web', '--env', 'production']);
    assert.equal(promoted.code, 0, promoted.stderr);
    const run = await runDone;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (let i = 0; i < 20; i++) assert.equal(await get(), 'v2');

    // nothing started twice: one start banner in each instance's log
    for (const name of ['v1-0', 'v1-1', 'v2-0', 'v2-1']) {
      const out = readFileSync(join(agentDir, 'logs', 'web', 'production', `${name}.log`), 'utf8');
      assert.equal(out.match(/\[runway\] starting/g)?.length, 1, `${name} started once`);
    }
    // after the scale-down, production runs the v2 instances the first agent started
    const v2 = (gs: Group[]) =>
      gs
        .filter((g) => g.site === 'web/production' && g.key.startsWith('web/v2/'))
        .map((g) => [g.key, g.pgid]);
    let final = groups().filter((g) => g.site === 'web/production');
    for (let i = 0; i < 100 && final.length > 2; i++) {
      await sleep(100);
      final = groups().filter((g) => g.site === 'web/production');
    }
    assert.deepEqual(v2(final), v2(before));
    assert.equal(final.length, 2);

    // no orphans: once the scaled-down v1 is gone, only the ledger's groups run, and none after stop
    for (let i = 0; i < 100; i++) {
      const live = [...seen].filter(groupAlive);
      if (live.length === groups().length) break;
      await sleep(100);
    }
    assert.deepEqual(
      [...seen].filter(groupAlive).sort(),
      groups()
        .map((g) => g.pgid)
        .sort(),
    );
    const stopped = await cli(['serve', 'stop']);
    assert.equal(stopped.code, 0, stopped.stderr);
    const pid = agentPid();
    if (pid !== null) process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && [...seen].some(groupAlive); i++) await sleep(100);
    assert.deepEqual([...seen].filter(groupAlive), [], 'no process group outlives the agent');
    console.log(`# agent down for ${gapMs} ms, ${failed} requests failed meanwhile (sequential GETs)`);
  });
});
