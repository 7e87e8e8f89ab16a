/*
 * Telling people through Prometheus and Alertmanager, against the real control plane (`runway
 * serve`), the real data-plane agent and a real Prometheus (Debian package) scraping `/metrics`:
 * a firing ErrorRateCritical alert posted to `/v1/alertmanager` aborts the canary in flight; the
 * seeds' counters count it; `promtool` accepts `runway alerts` and, fed the counter Prometheus
 * scraped, fires CanaryRollback.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { closedPort } from '../../src/agent/router/backends.fixture.ts';
import { alive, type CliResult, freePort, project, runway, spawnRunway } from './helpers.ts';

const STAGING = await freePort();
const PRODUCTION = await freePort();
const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';

const APP = `const http = require('node:http');
http.createServer((req, res) => res.end(process.env.RELEASE_VERSION)).listen(Number(process.env.PORT), '127.0.0.1');
`;

function pipelineYaml(version: string): string {
  return `version: 1
service: { name: web, health: /health }
environments:
  staging: { target: { kind: local, command: node server.js, port: ${STAGING}, ready-timeout: 5s } }
  production: { target: { kind: local, command: node server.js, port: ${PRODUCTION}, replicas: 1 } }
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

/** ErrorRateCritical as Alertmanager posts it when the rule from `runway alerts` fires. */
function errorRateCritical(): unknown {
  const labels = {
    alertname: 'ErrorRateCritical',
    service: 'web',
    environment: 'production',
    severity: 'critical',
    action: 'rollback',
  };
  return {
    version: '4',
    groupKey: '{}:{alertname="ErrorRateCritical"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'runway',
    groupLabels: { alertname: 'ErrorRateCritical' },
    commonLabels: labels,
    commonAnnotations: { summary: 'Error rate of web above 5% for 1m: rolling back' },
    externalURL: 'http://alertmanager.example:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: 'Error rate of web above 5% for 1m: rolling back' },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example:9090/graph',
        fingerprint: '6e1c2a3b4d5f6a7b',
      },
    ],
  };
}

describe('alerts, metrics and alert-driven rollback through runway serve', { timeout: 120_000 }, () => {
  let dir: string;
  let serve: ChildProcess | undefined;
  let prometheus: ChildProcess | undefined;
  let promUrl: string;
  let url: string;
  let token: string;
  const cli = (args: string[]): Promise<CliResult> => runway(args, { cwd: dir });

  const metric = async (line: RegExp): Promise<number | undefined> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const found = text.split('\n').find((l) => line.test(l));
    return found === undefined ? undefined : Number(found.split(' ').at(-1));
  };
  const status = async (): Promise<{ phase: string; weight: number; abortReason?: string }> => {
    const res = await cli(['rollout', 'status', 'web', '--env', 'production', '--json']);
    assert.equal(res.code, 0, res.stderr);
    return (JSON.parse(res.stdout) as { rollout: { state: never } }).rollout.state;
  };
  const scraped = async (query: string): Promise<number | undefined> => {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
    const v = body.data.result[0]?.value[1];
    return v === undefined ? undefined : Number(v);
  };

  before(async () => {
    for (const tool of [PROMETHEUS, PROMTOOL]) {
      if (!existsSync(tool))
        throw new Error(`${tool} is missing: install it with \`apt-get install -y prometheus\``);
    }
    dir = project(pipelineYaml('v1'));
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'server.js'), APP);
    serve = spawnRunway(['serve'], { cwd: dir });
    serve.stdout?.resume();
    serve.stderr?.resume();
    const data = join(dir, '.runway', 'runway');
    for (let i = 0; i < 200 && url === undefined; i++) {
      const info = join(data, 'server.json');
      if (existsSync(info)) {
        const server = JSON.parse(readFileSync(info, 'utf8')) as { pid: number; url: string };
        if (server.pid === serve.pid) {
          url = server.url;
          token = readFileSync(join(data, 'server.token'), 'utf8').trim();
        }
      }
      if (url === undefined) await sleep(50);
    }
    if (url === undefined) throw new Error('runway serve did not start');

    // a real Prometheus scrapes the control plane's /metrics every second
    const port = await closedPort();
    promUrl = `http://127.0.0.1:${port}`;
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        scrape_configs: [{ job_name: 'runway', static_configs: [{ targets: [new URL(url).host] }] }],
      }),
    );
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
  });

  after(async () => {
    if (prometheus?.exitCode === null) prometheus.kill('SIGKILL');
    await cli(['serve', 'stop']);
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
  });

  it("runway alerts prints the seeds' rule groups, and promtool check rules accepts them", async () => {
    const res = await cli(['alerts']);
    assert.equal(res.code, 0, res.stderr);
    writeFileSync(join(dir, 'rules.yml'), res.stdout);
    const check = spawnSync(PROMTOOL, ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /SUCCESS: 6 rules found/);
    for (const name of [
      'PipelineFailureRate',
      'CanaryRollback',
      'ErrorRateSpike',
      'ErrorRateCritical',
      'LatencySpike',
      'CanaryHealthFailing',
    ]) {
      assert.match(res.stdout, new RegExp(`alert: ${name}\\n`));
    }
  });

  it('a first deploy is not a canary: canary_deployments_total stays empty', async () => {
    const res = await cli(['run']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.equal(await metric(/^ci_pipeline_runs_total\{service="web",result="success"\}/), 1);
    assert.equal(await metric(/^ci_pipeline_duration_seconds_count\{service="web"\}/), 1);
    assert.equal(await metric(/^canary_deployments_total\{/), undefined);
  });

  it('a firing ErrorRateCritical alert rolls the canary back within 2 s', async (t) => {
    writeFileSync(join(dir, 'runway.yaml'), pipelineYaml('v2'));
    const runDone = cli(['run']);
    for (let i = 0; i < 150; i++) {
      const s = await status().catch(() => undefined);
      if (s?.phase === 'paused' && s.weight === 200) break;
      await sleep(100);
    }
    assert.equal((await status()).phase, 'paused');
    // Prometheus saw the counter at 0 before the rollback
    for (let i = 0; i < 100 && (await scraped('canary_rollbacks_total{service="web"}')) !== 0; i++)
      await sleep(200);
    assert.equal(await scraped('canary_rollbacks_total{service="web"}'), 0);

    const started = Date.now();
    const res = await fetch(`${url}/v1/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(errorRateCritical()),
    });
    const body = (await res.json()) as {
      opened: string[];
      rolledBack: { alert: string; environment: string; phase: string }[];
    };
    // the webhook answers once the abort is applied: traffic is back on the stable release
    const ms = Date.now() - started;
    assert.equal(res.status, 200, JSON.stringify(body));
    t.diagnostic(`rolled back ${ms} ms after the alert`);
    assert.ok(ms < 2000, `rolled back ${ms} ms after the alert`);
    assert.ok(['aborted', 'rolled-back'].includes(body.rolledBack[0]?.phase ?? ''), JSON.stringify(body));
    const served = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`http://127.0.0.1:${PRODUCTION}/`).then((r) => r.text())),
    );
    assert.deepEqual([...new Set(served)], ['v1'], 'no request reaches the canary after the alert');
    assert.ok(['aborted', 'rolled-back'].includes((await status()).phase));
    assert.equal(body.opened.length, 1, 'the alert also opens an incident');
    assert.deepEqual(
      body.rolledBack.map((r) => [r.alert, r.environment]),
      [['ErrorRateCritical', 'production']],
    );
    const run = await runDone;
    assert.equal(run.code, 1, run.stdout);

    const again = await fetch(`${url}/v1/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(errorRateCritical()),
    });
    assert.deepEqual(
      ((await again.json()) as { rolledBack: unknown[] }).rolledBack,
      [],
      'a repeat changes nothing',
    );
  });

  it("the seeds' counters count the production canary and its rollback", async () => {
    assert.equal(await metric(/^canary_deployments_total\{service="web"\}/), 1);
    assert.equal(await metric(/^canary_rollbacks_total\{service="web"\}/), 1);
    assert.equal(await metric(/^ci_pipeline_runs_total\{service="web",result="failure"\}/), 1);
    assert.equal(
      await metric(/^runway_rollout_phase\{service="web",environment="production",phase="rolled-back"\}/),
      1,
    );
  });

  it('promtool test rules fires CanaryRollback on the counter Prometheus scraped', async () => {
    for (let i = 0; i < 100 && (await scraped('canary_rollbacks_total{service="web"}')) !== 1; i++)
      await sleep(200);
    assert.equal(await scraped('canary_rollbacks_total{service="web"}'), 1);
    // the scraped series, one sample a second, as promtool's input
    const end = Date.now() / 1000;
    const range = await fetch(
      `${promUrl}/api/v1/query_range?query=${encodeURIComponent('canary_rollbacks_total{service="web"}')}&start=${end - 120}&end=${end}&step=1`,
    );
    const series = (
      (await range.json()) as {
        data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
      }
    ).data.result[0]!;
    const values = series.values.map(([, v]) => v);
    assert.ok(values.includes('0') && values.at(-1) === '1', values.join(' '));
    const { __name__: name, ...labels } = series.metric;
    const selector = `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`;
    writeFileSync(
      join(dir, 'rules.test.yml'),
      stringify({
        rule_files: ['rules.yml'],
        evaluation_interval: '1s',
        tests: [
          {
            interval: '1s',
            input_series: [{ series: selector, values: values.join(' ') }],
            alert_rule_test: [
              {
                eval_time: `${values.length - 1}s`,
                alertname: 'CanaryRollback',
                exp_alerts: [
                  {
                    exp_labels: { ...labels, severity: 'critical' },
                    exp_annotations: {
                      summary: 'Canary deployment rolled back',
                      description: 'See `runway rollout status web --env production` for the reason',
                    },
                  },
                ],
              },
              { eval_time: '0s', alertname: 'CanaryRollback', exp_alerts: [] },
            ],
          },
        ],
      }),
    );
    const test = spawnSync(PROMTOOL, ['test', 'rules', 'rules.test.yml'], { cwd: dir, encoding: 'utf8' });
    assert.equal(test.status, 0, test.stdout + test.stderr);
    assert.match(test.stdout, /SUCCESS/);
  });
});
