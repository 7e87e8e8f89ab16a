/*
 * Issue #18, must-show 1 for DawsOS: examples/dawsos/runway.yaml, every stage of the seed on its
 * Python sample service, run by the real CLI against `runway serve`'s local data plane, a real
 * PostgreSQL 15 and Redis started by the integration stage, and a real Prometheus answering the
 * seed's `pricing-pack-health` query verbatim. Three commits: the first release goes to staging and
 * straight to production; the second walks the canary 5 → 25 → 45 → 65 → 85 → 100% under steady
 * load and is promoted; the third fails 10% of its requests and is rolled back automatically.
 *
 * The only changes to the example, so it runs in minutes on ports the OS picked: the Flagger block's
 * `interval: 1m` between checks becomes 1s, its metrics' 1m windows 10s, Hypothesis runs its `dev`
 * profile (50 inputs a property) instead of `ci` (1000), and ports 25200/25201 (and the services'
 * 25432/26379, through PG_PORT/REDIS_PORT) are replaced. The product owner approves the UAT report
 * with `runway approve`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync } from 'node:child_process';
import { closedPort } from '../../src/agent/router/backends.fixture.ts';
import { alive, REPO, runDetail, runway, spawnRunway, type CliResult } from './helpers.ts';

const EXAMPLE = join(REPO, 'examples', 'dawsos');
const PROMETHEUS = '/usr/bin/prometheus';
const SERVICE = 'dawsos-backend';
/** Requests per second on production from the first release on: 5 a second reach a 5% canary. */
const LOAD = 100;
const GIT = ['-c', 'user.name=Dev', '-c', 'user.email=dev@dawsos.invalid'];

/** Steady bounded load on production: keep-alive GETs of the pricing API, at most 16 in flight. */
class Load {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 8 });
  readonly #timer: NodeJS.Timeout;
  #inFlight = 0;

  constructor(port: number, perSecond: number) {
    this.#timer = setInterval(() => this.#send(port), 1000 / perSecond);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#agent.destroy();
  }

  #send(port: number): void {
    if (this.#inFlight >= 16) return;
    this.#inFlight++;
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/pricing/latest', agent: this.#agent },
      (res) => {
        res.resume();
        res.on('end', () => this.#inFlight--);
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('no answer in 5 s')));
    req.on('error', () => this.#inFlight--);
    req.end();
  }
}

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    }).on('error', reject);
  });
}

interface Entry {
  event: string;
  detail: string;
}

describe('the DawsOS example, staging to a production canary and back', { timeout: 420_000 }, () => {
  let dir: string;
  let serve: ChildProcess | undefined;
  let prometheus: ChildProcess | undefined;
  let serveLog = '';
  let prometheusLog = '';
  let load: Load | undefined;
  const ports = { staging: 0, production: 0, pg: 0, redis: 0, prometheus: 0 };
  let env: Record<string, string>;
  const cli = (args: string[]): Promise<CliResult> => runway(args, { cwd: dir, env });

  /** Commits a change; its sha. */
  function commit(message: string): string {
    writeFileSync(join(dir, 'backend', 'CHANGELOG'), `${message}\n`, { flag: 'a' });
    execFileSync('git', [...GIT, 'add', '-A'], { cwd: dir });
    execFileSync('git', [...GIT, 'commit', '-qm', message], { cwd: dir });
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
  }

  /** Runs the pipeline as run `id`, approving the UAT report (as the product owner) once it waits. */
  async function runApproving(t: TestContext, id: number): Promise<CliResult> {
    const started = Date.now();
    let done = false;
    const running = cli(['run']).finally(() => (done = true));
    let approved = false;
    while (!done && !approved) {
      await sleep(500);
      const res = await cli([
        'approve',
        String(id),
        '--as',
        'po@dawsos.invalid',
        '--comment',
        'UAT report reviewed',
      ]);
      approved = res.code === 0;
    }
    const res = await running;
    t.diagnostic(`run ${id}: exit ${res.code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const stages = (await runDetail(dir, id)).stages.filter((st) => st.startedAt && st.finishedAt);
    t.diagnostic(
      stages
        .map(
          (st) =>
            `${st.name} ${((Date.parse(st.finishedAt!) - Date.parse(st.startedAt!)) / 1000).toFixed(1)}s`,
        )
        .join(', '),
    );
    return res;
  }

  async function rollout(): Promise<{ phase: string; abortReason?: string; history: Entry[] }> {
    const res = await cli(['rollout', 'status', SERVICE, '--env', 'production', '--json']);
    assert.equal(res.code, 0, res.stderr);
    return (JSON.parse(res.stdout) as { rollout: { state: Awaited<ReturnType<typeof rollout>> } }).rollout
      .state;
  }

  /** The canary weights set, in order, and where failed checks fell among them. */
  function timeline(history: Entry[]): string[] {
    return history.flatMap((h) => {
      if (h.event === 'weight-set') return [h.detail.split(' ')[0] ?? ''];
      if (h.event === 'analysis-finished' && h.detail.startsWith('check ')) return ['✗'];
      return [];
    });
  }

  before(async () => {
    assert.ok(existsSync(PROMETHEUS), `${PROMETHEUS} is missing: run node scripts/test-deps.ts`);
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await closedPort();
    dir = mkdtempSync(join(tmpdir(), 'runway-dawsos-'));
    cpSync(EXAMPLE, dir, {
      recursive: true,
      filter: (src) => !/(\.runway|__pycache__|\.hypothesis|\.mypy_cache|\.coverage|dist)$/.test(src),
    });
    // minutes to seconds, and ports the OS picked
    const yaml = readFileSync(join(dir, 'runway.yaml'), 'utf8')
      .replace(/^( {12}interval: )1m$/m, '$11s')
      .replaceAll(/^( {16}interval: )1m$/gm, '$110s')
      .replace('--hypothesis-profile=ci', '--hypothesis-profile=dev')
      .replaceAll('25200', String(ports.staging))
      .replaceAll('25201', String(ports.production));
    assert.equal((yaml.match(/interval: 10s/g) ?? []).length, 2, yaml);
    assert.match(yaml, /--hypothesis-profile=dev/);
    writeFileSync(join(dir, 'runway.yaml'), yaml);
    execFileSync('git', ['init', '-q'], { cwd: dir });
    // Debian's python3 (pytest-cov, hypothesis, psycopg2, redis) before any other on PATH
    env = {
      PATH: `/usr/bin:${process.env['PATH'] ?? ''}`,
      PG_PORT: String(ports.pg),
      REDIS_PORT: String(ports.redis),
    };

    // the control plane asks Prometheus; Prometheus scrapes the backend's /metrics through production
    serve = spawnRunway(['serve', '--prometheus', `http://127.0.0.1:${ports.prometheus}`], { cwd: dir, env });
    serve.stdout?.setEncoding('utf8').on('data', (c: string) => (serveLog += c));
    serve.stderr?.setEncoding('utf8').on('data', (c: string) => (serveLog += c));
    const info = join(dir, '.runway', 'runway', 'server.json');
    for (const deadline = Date.now() + 15_000; ; await sleep(100)) {
      if (existsSync(info) && (JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid === serve.pid)
        break;
      assert.ok(Date.now() < deadline, `runway serve did not start:\n${serveLog}`);
    }
    const config = join(dir, '.runway', 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        `  - { job_name: ${SERVICE}, static_configs: [{ targets: ['127.0.0.1:${ports.production}'] }] }`,
        '',
      ].join('\n'),
    );
    mkdirSync(join(dir, '.runway', 'prometheus-data'));
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, '.runway', 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${ports.prometheus}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stderr?.setEncoding('utf8').on('data', (c: string) => (prometheusLog += c));
  });

  after(async () => {
    load?.stop();
    if (dir) await cli(['serve', 'stop']);
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
    const child = prometheus;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the first commit passes every stage; its release goes to staging, then straight to production', async (t) => {
    const sha = commit('feat: pricing packs');
    const res = await runApproving(t, 1);
    assert.equal(res.code, 0, res.stdout + res.stderr + serveLog);
    const run = await runDetail(dir, 1);
    const stages = Object.fromEntries(run.stages.map((s) => [s.name, s.status]));
    assert.deepEqual(stages, {
      lint: 'succeeded',
      unit: 'succeeded',
      property: 'succeeded',
      golden: 'succeeded',
      integration: 'succeeded',
      security: 'succeeded',
      chaos: 'succeeded',
      build: 'succeeded',
      staging: 'succeeded',
      uat: 'succeeded',
      e2e: 'skipped', // no pull request labelled e2e
      canary: 'succeeded',
      'post-deployment': 'succeeded',
    });
    const evidence = Object.fromEntries(run.evidence.map((e) => [e.key, e.value]));
    assert.equal(evidence['coverage.lines'] !== undefined && Number(evidence['coverage.lines']) >= 95, true);
    assert.equal(evidence['tests.failed'], 0);
    assert.ok(Number(evidence['image.size_bytes']) > 0 && Number(evidence['image.size_bytes']) < 500e6);
    assert.equal(evidence['sarif.high'], 0);
    assert.equal(evidence['secrets.found'], 0);
    // no flaky tests: the unit suite ran 3 times and passed every time
    const unit = run.steps.find((s) => s.key === 'unit/pytest-unit');
    assert.deepEqual([unit?.attempts, unit?.flaky], [3, false]);
    const version = `${sha.slice(0, 7)}-r1`;
    for (const port of [ports.staging, ports.production])
      assert.deepEqual(await getJson(`http://127.0.0.1:${port}/health`), { status: 'healthy', version });
    assert.match(res.stdout, /no stable release in production yet: deploying directly/);
    load = new Load(ports.production, LOAD);
  });

  it('the second commit goes through staging and the canary 5 → 25 → 45 → 65 → 85 → 100%, judged live', async (t) => {
    const sha = commit('feat: factor exposure');
    const res = await runApproving(t, 2);
    assert.equal(res.code, 0, res.stdout + res.stderr + serveLog + prometheusLog);
    const s = await rollout();
    assert.equal(s.phase, 'completed');
    assert.deepEqual(
      timeline(s.history).filter((w) => w !== '✗'),
      ['5%', '25%', '45%', '65%', '85%', '100%'],
    );
    // Prometheus answered pricing-pack-health (0 failures: 0 ≤ max 0) at every passing check
    assert.match(res.stdout, /pricing-pack-health/);
    const version = `${sha.slice(0, 7)}-r2`;
    assert.deepEqual(await getJson(`http://127.0.0.1:${ports.production}/health`), {
      status: 'healthy',
      version,
    });
  });

  it('the third commit fails 10% of its requests in the canary and is rolled back automatically', async (t) => {
    const stable = (await getJson(`http://127.0.0.1:${ports.production}/health`)) as { version: string };
    // the commit's release will be <sha7>-r3: the fault waits for it
    const version = `${commit('feat: dalio regimes').slice(0, 7)}-r3`;
    const fault = await cli([
      'fault',
      'set',
      SERVICE,
      '--env',
      'production',
      '--version',
      version,
      '--error-ratio',
      '0.1',
    ]);
    assert.equal(fault.code, 0, fault.stdout + fault.stderr);
    const res = await runApproving(t, 3);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    const run = await runDetail(dir, 3);
    const stages = Object.fromEntries(run.stages.map((st) => [st.name, st.status]));
    assert.equal(stages['staging'], 'succeeded');
    assert.equal(stages['uat'], 'succeeded');
    assert.equal(stages['canary'], 'failed');
    assert.equal(stages['post-deployment'], 'skipped');
    const s = await rollout();
    assert.equal(s.phase, 'rolled-back');
    assert.match(s.abortReason ?? '', /^5 of 5 checks failed/);
    const steps = timeline(s.history);
    t.diagnostic(`weights and failed checks: ${steps.join(' ')}`);
    assert.equal(steps.at(-1), '0%');
    assert.ok(!steps.includes('100%'), steps.join(' '));
    assert.deepEqual(await getJson(`http://127.0.0.1:${ports.production}/health`), {
      status: 'healthy',
      version: stable.version,
    });
  });
});
