/*
 * The endpoints an Argo Rollouts AnalysisTemplate calls with its `web` provider, answered by the
 * real control plane from the real data plane's counts: a canary (v2) against its stable version
 * (v1), identified as Argo identifies them (the pod-template hash is the version here). The request
 * is what Argo's web provider sends: GET with the headers of the template (docs-analysis-web.md).
 * A real Prometheus scrapes the same router, and the judge reads its counts too (`source=prometheus`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { closedPort } from '../../src/agent/router/backends.fixture.ts';
import { alive, type CliResult, freePort, project, runway, spawnRunway } from './helpers.ts';

const PROMETHEUS = '/usr/bin/prometheus';

const PRODUCTION = await freePort();

const APP = `const http = require('node:http');
http.createServer((req, res) => res.end(req.url === '/health' ? 'ok' : process.env.RELEASE_VERSION))
  .listen(Number(process.env.PORT), '127.0.0.1');
`;

function pipelineYaml(version: string): string {
  return `version: 1
service: { name: web, health: /health }
environments:
  production: { target: { kind: local, command: node server.js, port: ${PRODUCTION} } }
stages:
  production:
    steps:
      - uses: rollout
        with:
          environment: production
          version: ${version}
          artifact: app
          steps:
            - setWeight: 50
            - pause: {}
            - setWeight: 100
`;
}

/** Sends `n` requests through the router; returns how many failed. */
async function traffic(n: number): Promise<number> {
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const status = await new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port: PRODUCTION, path: '/', agent: false }, (res) => {
        res.resume().on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      req.end();
    });
    if (status !== 200) failed++;
  }
  return failed;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

interface Judgement {
  verdict: string;
  reason: string;
  canary: { version: string; requests: number; errors: number };
  stable: { version: string; requests: number; errors: number };
}

describe('Argo Rollouts web metric and gate through runway serve', { timeout: 120_000 }, () => {
  let dir: string;
  let serve: ChildProcess | undefined;
  let url: string;
  let token: string;
  let rolloutRun: Promise<CliResult> | undefined;
  let prometheus: ChildProcess | undefined;
  const cli = (args: string[]): Promise<CliResult> => runway(args, { cwd: dir });

  /** GET as Argo's web provider does, with the Authorization header from the template. */
  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as T };
  };
  const judge = (extra = '') =>
    get<Judgement>(`/v1/argo/judge?service=web&environment=production&canary=v2&stable=v1${extra}`);
  /** The judgement from Prometheus's counts, once it scraped what the data plane counted. */
  const judgeFromPrometheus = async (extra: string, want: Judgement): Promise<Judgement> => {
    let last: Judgement | undefined;
    for (let i = 0; i < 100; i++) {
      last = (await judge(`${extra}&source=prometheus`)).body;
      if (last.canary.requests === want.canary.requests && last.stable.requests === want.stable.requests)
        return last;
      await sleep(100);
    }
    assert.fail(`prometheus never caught up: ${JSON.stringify(last)} vs ${JSON.stringify(want)}`);
  };

  before(async () => {
    assert.ok(await portFree(PRODUCTION), `port ${PRODUCTION} is taken`);
    assert.ok(existsSync(PROMETHEUS), `${PROMETHEUS} is missing: apt-get install -y prometheus`);
    dir = project(pipelineYaml('v1'));
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'server.js'), APP);
    const promPort = await closedPort();
    serve = spawnRunway(['serve', '--prometheus', `http://127.0.0.1:${promPort}`], { cwd: dir });
    serve.stdout?.resume();
    serve.stderr?.resume();
    const data = join(dir, '.runway', 'runway');
    for (let i = 0; i < 200 && !url; i++) {
      const info = join(data, 'server.json');
      if (existsSync(info)) {
        const server = JSON.parse(readFileSync(info, 'utf8')) as { pid: number; url: string };
        if (server.pid === serve.pid) {
          url = server.url;
          token = readFileSync(join(data, 'server.token'), 'utf8').trim();
        }
      }
      await sleep(50);
    }
    assert.ok(url, 'runway serve did not start');
    const agent = JSON.parse(readFileSync(join(data, 'agent', 'agent.json'), 'utf8')) as { port: number };
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: runway-agent\n    static_configs: [{ targets: ['127.0.0.1:${agent.port}'] }]\n`,
    );
    mkdirSync(join(dir, 'prometheus-data'));
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    // v1 becomes stable, v2 is a canary paused at 50%
    const first = await cli(['run']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    writeFileSync(join(dir, 'runway.yaml'), pipelineYaml('v2'));
    rolloutRun = cli(['run']);
    for (let i = 0; i < 150; i++) {
      const res = await cli(['rollout', 'status', 'web', '--env', 'production', '--json']);
      const state = (
        JSON.parse(res.stdout || '{}') as { rollout?: { state: { phase: string; weight: number } } }
      ).rollout?.state;
      if (state?.phase === 'paused' && state.weight === 500) return;
      await sleep(100);
    }
    assert.fail('the canary did not pause at 50%');
  });

  after(async () => {
    await cli(['rollout', 'abort', 'web', '--env', 'production']);
    await rolloutRun;
    await cli(['serve', 'stop']);
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
    const child = prometheus;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  });

  it('needs the token and names a missing parameter', async () => {
    const anonymous = await fetch(`${url}/v1/argo/judge?service=web`);
    assert.equal(anonymous.status, 401);
    const res = await get<{ error: string }>('/v1/argo/judge?service=web&environment=production&stable=v1');
    assert.deepEqual([res.status, res.body.error], [400, 'the query needs canary=…']);
    const source = await get<{ error: string }>(
      '/v1/argo/judge?service=web&environment=production&canary=v2&stable=v1&source=graphite',
    );
    assert.deepEqual(
      [source.status, source.body.error],
      [400, 'source must be data-plane or prometheus, got "graphite"'],
    );
  });

  it('is inconclusive before there is evidence, and passes a healthy canary', async () => {
    const early = await judge('&error-ratio=0.05');
    assert.equal(early.body.verdict, 'inconclusive');
    assert.equal(await traffic(600), 0);
    const healthy = await judge('&error-ratio=0.05');
    assert.equal(healthy.status, 200);
    assert.equal(healthy.body.verdict, 'pass', healthy.body.reason);
    assert.equal(healthy.body.canary.errors, 0);
    assert.ok(healthy.body.canary.requests > 150, JSON.stringify(healthy.body.canary));
    assert.ok(healthy.body.stable.requests > 150, JSON.stringify(healthy.body.stable));
    const scraped = await judgeFromPrometheus('&error-ratio=0.05', healthy.body);
    assert.equal(scraped.verdict, 'pass', scraped.reason);
  });

  it('fails a degraded canary, with the explanation', async () => {
    const fault = await cli([
      'fault',
      'set',
      'web',
      '--env',
      'production',
      '--version',
      'v2',
      '--error-ratio',
      '0.3',
    ]);
    assert.equal(fault.code, 0, fault.stdout + fault.stderr);
    const failed = await traffic(400);
    assert.ok(failed > 20, `only ${failed} requests failed`);
    const degraded = await judge('&error-ratio=0.05');
    assert.equal(degraded.status, 200);
    assert.equal(degraded.body.verdict, 'fail', degraded.body.reason);
    assert.match(degraded.body.reason, /error ratio/);
    assert.ok(
      degraded.body.canary.errors > 20 && degraded.body.stable.errors === 0,
      JSON.stringify(degraded.body),
    );
    const scraped = await judgeFromPrometheus('&error-ratio=0.05', degraded.body);
    assert.deepEqual([scraped.verdict, scraped.canary.errors], ['fail', degraded.body.canary.errors]);
    assert.match(scraped.reason, /error ratio/);
  });

  it('answers as a pre-promotion gate: waits for an approval, then goes', async () => {
    const path = '/v1/argo/gate?rollout=prod/web&service=web&revision=5f6c7d8e9a&approvals=1';
    const waiting = await get<{ decision: string; reasons: string[] }>(path);
    assert.deepEqual(waiting.body, {
      ...waiting.body,
      decision: 'wait',
      reasons: ['waiting for approval (0 of 1): runway approve argo/prod/web'],
    });
    const approved = await cli(['approve', 'argo/prod/web', '--as', 'po@example.com']);
    assert.equal(approved.code, 0, approved.stderr);
    assert.equal((await get<{ decision: string }>(path)).body.decision, 'go');
    const gated = await get<{ decision: string; reasons: string[] }>(`${path}&release-gate=production`);
    assert.deepEqual(
      [gated.body.decision, gated.body.reasons],
      ['wait', ['no release gate decision for production yet']],
    );
  });
});
