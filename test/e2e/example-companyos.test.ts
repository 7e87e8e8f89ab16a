/*
 * Issue #18 must-show 1 for CompanyOS: examples/companyos/runway.yaml runs as checked in, in place
 * (like `runway demo`), on the local target: a real `runway serve` and data-plane agent, a real
 * Prometheus (the Debian package) scraping the agent and evaluating the example's recording and
 * alert rules, a real PostgreSQL 15 and Redis started by the pipeline for the integration tests. A good change goes
 * through every stage, the release gate (SLO from the recording rules) and the tier-1 canary to
 * 100 %; a change whose new version answers 5xx is rolled back by the seed's analysis (its
 * smoke-check or slo-burn-check, whichever meets the failing canary first).
 * Stand-ins: Slack is a local receiver; the SLSA level-3 builder is an audited override of that one
 * rule; the release gate is evaluated at the window's next opening when it is closed now (--at).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReceiver } from '../../src/notify/receiver.fixture.ts';
import { alive, REPO, runDetail, runway, spawnRunway, type CliResult } from './helpers.ts';

const EXAMPLE = join(REPO, 'examples', 'companyos');
const SERVICE = 'companyos-api';
const PROMETHEUS = '/usr/bin/prometheus';
/** The example's fixed ports: staging, production, redis, golden path, e2e, PostgreSQL, Prometheus. */
const PORTS = [24470, 24471, 24472, 24473, 24474, 24475, 24478];
const PRODUCTION = 24471;
const PROMETHEUS_PORT = 24478;
const GOOD_SHA = 'c0ffee0000000000000000000000000000000001';
const BAD_SHA = 'badbad0000000000000000000000000000000002';

async function free(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Steady load on the production port (20 requests/s, keep-alive): the seed's queries need traffic. */
class Load {
  answers: Record<string, number> = {};
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 4 });
  readonly #timer = setInterval(() => this.#send(), 50);

  stop(): void {
    clearInterval(this.#timer);
    this.#agent.destroy();
  }

  #send(): void {
    const req = request(
      { host: '127.0.0.1', port: PRODUCTION, path: '/health', agent: this.#agent },
      (res) => {
        res.resume().on('end', () => this.#count(String(res.statusCode)));
      },
    );
    req.setTimeout(5000, () => req.destroy());
    req.on('error', () => this.#count('error'));
    req.end();
  }

  #count(what: string): void {
    this.answers[what] = (this.answers[what] ?? 0) + 1;
  }
}

/** The bootstrap release: the sample service as checked in, deployed straight to production. */
const BOOTSTRAP = `version: 1
service: { name: ${SERVICE}, tier: 1, health: /health }
environments:
  production: { target: { kind: local, command: node src/server.ts, port: ${PRODUCTION}, replicas: 2 } }
stages:
  baseline:
    steps:
      - uses: deploy
        with: { environment: production, version: baseline, artifact: ${join(EXAMPLE, 'service')} }
`;

describe('the CompanyOS example, end to end on the local target', { timeout: 400_000 }, () => {
  let tmp: string;
  let serve: ChildProcess | undefined;
  let prometheus: ChildProcess | undefined;
  let log = '';
  let load: Load | undefined;
  let slack: Awaited<ReturnType<typeof startReceiver>>;
  let at: string | undefined;
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
    runway(args, { cwd: EXAMPLE, env: { SLACK_WEBHOOK_URL: slack.url, ...env } });

  const clean = () => {
    for (const p of [
      '.runway',
      'service/dist',
      'service/coverage',
      'service/reports',
      'service/sbom.cdx.json',
      'service/dist.intoto.jsonl',
      'service/dist.sigstore.json',
    ])
      rmSync(join(EXAMPLE, p), { recursive: true, force: true });
  };

  async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${log}`);
      await sleep(250);
    }
  }

  async function promQuery(query: string): Promise<{ value: [number, string] }[]> {
    const res = await fetch(
      `http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/query?${new URLSearchParams({ query })}`,
    );
    return ((await res.json()) as { data: { result: { value: [number, string] }[] } }).data.result;
  }

  async function status(): Promise<{ stable?: string; phase: string }> {
    const res = await cli(['rollout', 'status', SERVICE, '--env', 'production', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const s = JSON.parse(res.stdout) as {
      rollout: { state: { phase: string; stable?: { version: string } } };
    };
    return {
      phase: s.rollout.state.phase,
      ...(s.rollout.state.stable ? { stable: s.rollout.state.stable.version } : {}),
    };
  }

  before(async () => {
    if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} is missing: apt-get install -y prometheus`);
    for (const port of PORTS) assert.ok(await free(port), `port ${port} of the example is taken`);
    clean();
    tmp = mkdtempSync(join(tmpdir(), 'runway-companyos-'));
    slack = await startReceiver();
    const keys = await cli(['keygen', '.runway/keys']);
    assert.equal(keys.code, 0, keys.stdout + keys.stderr);

    serve = spawnRunway(['serve'], { cwd: EXAMPLE });
    serve.stdout?.setEncoding('utf8').on('data', (c: string) => (log += c));
    serve.stderr?.setEncoding('utf8').on('data', (c: string) => (log += c));
    const info = join(EXAMPLE, '.runway', 'runway', 'server.json');
    const agentJson = join(EXAMPLE, '.runway', 'runway', 'agent', 'agent.json');
    await until('runway serve and its agent', async () => existsSync(info) && existsSync(agentJson), 20_000);
    const agent = JSON.parse(readFileSync(agentJson, 'utf8')) as { port: number };

    // Prometheus with the example's own rule files, scraping the data-plane agent
    const prom = join(tmp, 'prometheus');
    mkdirSync(prom);
    writeFileSync(
      join(prom, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${join(EXAMPLE, 'prometheus', 'slo-rules.yml')}', '${join(EXAMPLE, 'prometheus', 'alerts.yml')}']`,
        'scrape_configs:',
        '  - job_name: runway-agent',
        `    static_configs: [{ targets: ['127.0.0.1:${agent.port}'] }]`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(prom, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(prom, 'data')}`,
        `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`,
        '--web.enable-admin-api',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr?.setEncoding('utf8').on('data', (c: string) => (log += c));

    // production's stable release, then traffic, until the recording rules answer for it
    const file = join(tmp, 'bootstrap.yaml');
    writeFileSync(file, BOOTSTRAP);
    const boot = await cli(['run', '-f', file, '--store', join(EXAMPLE, '.runway', 'runway.db')]);
    assert.equal(boot.code, 0, boot.stdout + boot.stderr);
    load = new Load();
    await until(
      'the SLO recording rules',
      async () => (await promQuery(`slo:error_budget_remaining:ratio{service="${SERVICE}"}`)).length === 1,
      40_000,
    );

    // the seed's window, now; else its next opening (the gate is evaluated as of then)
    const window = await cli(['window', 'check', 'companyos', '--json']);
    const check = JSON.parse(window.stdout) as { open: boolean; until?: string };
    if (!check.open) at = check.until;
    // SLSA build level 3 needs a hosted, isolated builder; a workstation records 1
    const grant = await cli([
      ...['override', 'grant', '--service', SERVICE, '--env', 'production', '--rules', 'slsa-level'],
      ...['--reason', 'workstation build: SLSA level 3 needs the hosted SLSA generator'],
      ...['--expires', '24h', '--as', 'release-manager@companyos.invalid'],
      ...(at ? ['--from', new Date().toISOString()] : []),
    ]);
    assert.equal(grant.code, 0, grant.stdout + grant.stderr);
  });

  after(async () => {
    load?.stop();
    await cli(['serve', 'stop']).catch(() => undefined);
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      prometheus.kill('SIGKILL');
      await exited;
    }
    await slack?.close();
    clean();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const pipeline = async (sha: string) => {
    const res = await cli([
      ...['run', '--sha', sha, '--ref', 'refs/heads/main', '--message', 'feat(tasks): triage by deadline'],
      ...(at ? ['--at', at] : []),
    ]);
    return res;
  };

  it('the seed’s gate policy and window hold on the seed’s gate input (runway gate test)', async () => {
    const res = await cli(['gate', 'test', '--json']);
    assert.equal(res.code, 0, res.stdout.slice(-3000) + res.stderr);
    const report = JSON.parse(res.stdout) as { passed: number; failed: number };
    assert.equal(report.failed, 0);
    assert.ok(report.passed >= 59, `passed ${report.passed}`);
  });

  it('the alert rules are the seed’s, and both rule files load in promtool', () => {
    const promtool = spawnSync(
      'promtool',
      ['check', 'rules', 'prometheus/slo-rules.yml', 'prometheus/alerts.yml'],
      {
        cwd: EXAMPLE,
        encoding: 'utf8',
      },
    );
    assert.equal(promtool.status, 0, promtool.stdout + promtool.stderr);
    const alerts = readFileSync(join(EXAMPLE, 'prometheus', 'alerts.yml'), 'utf8');
    for (const name of ['ErrorRateSpike', 'ErrorRateCritical', 'LatencySpike', 'CanaryHealthFailing'])
      assert.match(alerts, new RegExp(`alert: ${name}\\n`));
  });

  it('a good change goes through every stage and the tier-1 canary to 100 %', async () => {
    const res = await pipeline(GOOD_SHA);
    assert.equal(res.code, 0, res.stdout.slice(-6000) + res.stderr);
    const run = await runDetail(EXAMPLE, 2);
    const stages = Object.fromEntries(run.stages.map((s) => [s.name, s.status]));
    assert.deepEqual(stages, {
      commit: 'succeeded',
      build: 'succeeded',
      test: 'succeeded',
      'golden-path': 'succeeded',
      security: 'succeeded',
      staging: 'succeeded',
      'release-gate': 'succeeded',
      'production-canary': 'succeeded',
      'post-deployment': 'succeeded',
      completion: 'succeeded',
    });
    assert.match(
      res.stdout,
      /SLO: from Prometheus at http:\/\/127\.0\.0\.1:24478 at .*: error_budget_remaining 100, fast_burn_rate 0, slow_burn_rate 0/,
    );
    assert.match(res.stdout, /strategy tier1-progressive/);
    // the seed's tier-1 progression, each weight in turn, and its three templates
    const weights = [...res.stdout.matchAll(/weight-set: (\d+)% of traffic to c0ffee0-r2/g)].map((m) =>
      Number(m[1]),
    );
    assert.deepEqual(weights.slice(-5), [1, 10, 25, 50, 100]);
    for (const template of ['smoke-check', 'slo-burn-check', 'synthetic-check'])
      assert.match(res.stdout, new RegExp(`analysis-started: \\S+: ${template}\\n`));
    assert.equal([...res.stdout.matchAll(/analysis-finished: \S+: successful/g)].length, 3);
    const steps = Object.fromEntries(run.steps.map((x) => [x.key, x.status]));
    for (const key of [
      'test/e2e-tests',
      'test/integration-tests',
      'golden-path/golden-path-smoke-test',
      'staging/validate-staging-health',
      'post-deployment/slo-health',
      'completion/notify-success',
    ])
      assert.equal(steps[key], 'succeeded', key);
    assert.match(
      res.stdout,
      /input gates\.quality\.coverage = [\d.]+ ← evidence coverage\.lines from step test\/coverage/,
    );
    const s = await status();
    assert.equal(s.stable, 'c0ffee0-r2');
    assert.equal(s.phase, 'completed');
    const events = slack.received.map((r) => r.body);
    assert.ok(
      events.some((t) => t.includes('Starting production deployment')),
      events.join('\n'),
    );
    assert.ok(
      events.some((t) => t.includes('Production deployment complete')),
      events.join('\n'),
    );
  });

  it('a change whose new version answers 5xx is rolled back by the seed’s analysis, automatically', async (t) => {
    // judged on its own traffic, as after five quiet minutes: once the faulty canary has started,
    // Prometheus forgets the service's earlier requests (the seed's queries read 5m of history,
    // which here would be the good run's seconds of healthy traffic)
    const forget = async () => {
      const res = await fetch(
        `http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/admin/tsdb/delete_series?${new URLSearchParams({ 'match[]': `{service="${SERVICE}"}` })}`,
        { method: 'POST' },
      );
      assert.equal(res.status, 204);
    };
    let forgotten = false;
    const watcher = (async () => {
      const deadline = Date.now() + 150_000;
      while (!forgotten && Date.now() < deadline) {
        const res = await cli(['rollout', 'status', SERVICE, '--env', 'production', '--json']);
        const canary =
          res.code === 0
            ? (JSON.parse(res.stdout) as { rollout: { state: { canary?: { version: string } } } }).rollout
                .state.canary
            : undefined;
        if (canary?.version === 'badbad0-r3') {
          await forget();
          forgotten = true;
        } else await sleep(300);
      }
    })();
    const fault = await cli([
      'fault',
      'set',
      SERVICE,
      '--env',
      'production',
      '--version',
      'badbad0-r3',
      '--error-ratio',
      '1',
    ]);
    assert.equal(fault.code, 0, fault.stdout + fault.stderr);
    const res = await pipeline(BAD_SHA);
    forgotten = true;
    await watcher;
    assert.equal(res.code, 1, res.stdout.slice(-6000) + res.stderr);
    const run = await runDetail(EXAMPLE, 3);
    const stages = Object.fromEntries(run.stages.map((s) => [s.name, s.status]));
    assert.equal(stages['release-gate'], 'succeeded');
    assert.equal(stages['production-canary'], 'failed');
    const why = /rolled back: analysis \S+ \((smoke-check|slo-burn-check)\) failed \(([^)]*)/.exec(
      res.stdout,
    );
    assert.ok(why, res.stdout.slice(-4000));
    t.diagnostic(`rolled back by ${why[1]}: ${why[2]}`);
    const s = await status();
    assert.equal(s.stable, 'c0ffee0-r2', 'the good version keeps serving');
    const events = slack.received.map((r) => JSON.parse(r.body) as { text: string; blocks?: unknown });
    assert.ok(JSON.stringify(events).includes('rolled back'), JSON.stringify(events).slice(0, 2000));
  });
});
