/*
 * Issue #4, must-show 1 and 2: a real Prometheus (the Debian package) scrapes the real data-plane
 * agent of `runway serve` every second while real canaries take steady real traffic. The CompanyOS
 * seed's `slo-burn-check` queries, verbatim, promote a healthy canary and roll back one whose
 * error ratio is raised by fault injection; the `builtin` provider decides the same two rollouts
 * the same way. Prometheus's query log shows that it answered the seed's queries, and asked again
 * at the same instant it gives the value the run printed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { closedPort } from '../../src/agent/router/backends.fixture.ts';
import { alive, type CliResult, freePort, REPO, project, runway, spawnRunway } from './helpers.ts';

const PROMETHEUS = '/usr/bin/prometheus';
const SERVICE = 'checkout-api';
const PRODUCTION = await freePort();
/** Requests per second on the production port from the first release on. */
const LOAD = 50;

interface SeedMetric {
  name: string;
  successCondition: string;
  provider: { prometheus: { query: string } };
}

/** The `analysis:` of a file, as far as the seed's Prometheus templates go. */
interface AnalysisFile {
  analysis: Record<string, { metrics: SeedMetric[] }>;
}

/** The seed's slo-burn-check as written (test/fixtures/seed-analysis.yaml). */
const SEED = (
  parse(readFileSync(join(REPO, 'test', 'fixtures', 'seed-analysis.yaml'), 'utf8')) as AnalysisFile
).analysis['slo-burn-check']!;

type SeedMetricName = 'error-rate' | 'latency-p95';

function seedMetric(name: SeedMetricName): SeedMetric {
  const metric = SEED.metrics.find((m) => m.name === name);
  assert.ok(metric, `the seed's slo-burn-check has no ${name}`);
  return metric;
}

/** The seed's query as the rollout asks it: `{{ args.service }}` filled in. */
function asked(name: SeedMetricName): string {
  return seedMetric(name).provider.prometheus.query.replaceAll('{{ args.service }}', SERVICE);
}

/** Each metric looks 3 times, 2 s apart (the seed's metrics name no interval, so they look once). */
const LOOKS = { interval: '2s', count: 3 };

const ANALYSIS = {
  // the seed's metrics as they are (name, condition, provider and query), plus interval and count
  'slo-burn-check': { metrics: SEED.metrics.map((m) => ({ ...m, ...LOOKS })) },
  // the same conditions on the router's own counts of the canary's requests in the last 2 s
  'slo-burn-check-builtin': {
    metrics: (['error-rate', 'latency-p95'] as const).map((name) => ({
      name,
      successCondition: seedMetric(name).successCondition,
      ...LOOKS,
      provider: { builtin: { metric: name, window: '2s' } },
    })),
  },
};

/** The same question, canary against stable, from Prometheus (per-version queries) and the router. */
const JUDGE = {
  'sequential-errors': { tolerance: 0.5, regression: 3, minCanaryTrials: 50, acceptBelow: 0.05 },
};
const VERSION_SELECTOR = 'service="{{service}}",version="{{version}}"';
Object.assign(ANALYSIS, {
  'judge-prometheus': {
    metrics: [
      {
        name: 'errors',
        interval: '1s',
        count: 12,
        judge: JUDGE,
        provider: {
          prometheus: {
            requests: `sum(http_requests_total{${VERSION_SELECTOR}}) or vector(0)`,
            errors: `sum(http_requests_total{${VERSION_SELECTOR},code=~"5.."}) or vector(0)`,
          },
        },
      },
    ],
  },
  'judge-builtin': {
    metrics: [{ name: 'errors', interval: '1s', count: 12, judge: JUDGE, provider: { builtin: {} } }],
  },
});

const APP = `const http = require('node:http');
const version = process.env.RELEASE_VERSION;
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  res.end(version);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/**
 * The seed's tier-2 canary (10% → 50% → 100%, slo-burn-check at 50%, as the `tier2` preset) with
 * pauses of seconds: Prometheus scrapes the canary at 50% four times before the analysis asks.
 */
function pipelineYaml(version: string, template: string): string {
  const doc = {
    version: 1,
    service: { name: SERVICE, tier: 2, health: '/health' },
    environments: {
      production: { target: { kind: 'local', command: 'node server.js', port: PRODUCTION } },
    },
    analysis: ANALYSIS,
    stages: {
      production: {
        steps: [
          {
            uses: 'rollout',
            with: {
              environment: 'production',
              version,
              artifact: 'app',
              'scale-down-delay': '1s',
              steps: [
                { setWeight: 10 },
                { pause: { duration: '1s' } },
                { setWeight: 50 },
                { pause: { duration: '4s' } },
                { analysis: { templates: [template] } },
                { setWeight: 100 },
              ],
            },
          },
        ],
      },
    },
  };
  return stringify(doc, { lineWidth: 0 });
}

/** Who answered: the version (the app's body), `HTTP <code>`, `error …`, or `skipped` (16 in flight). */
type Answers = Record<string, number>;

/** Steady bounded load on the production port: keep-alive GETs, at most 16 in flight. */
class Load {
  #answers: Answers = {};
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 8 });
  readonly #timer: NodeJS.Timeout;
  #inFlight = 0;

  constructor(perSecond: number) {
    this.#timer = setInterval(() => this.#send(), 1000 / perSecond);
  }

  /** The answers since the last call. */
  take(): Answers {
    const answers = this.#answers;
    this.#answers = {};
    return answers;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#agent.destroy();
  }

  #send(): void {
    if (this.#inFlight >= 16) return this.#count('skipped');
    this.#inFlight++;
    const req = request({ host: '127.0.0.1', port: PRODUCTION, path: '/', agent: this.#agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => {
        this.#inFlight--;
        this.#count(res.statusCode === 200 ? body : `HTTP ${res.statusCode}`);
      });
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer in 5 s')));
    req.on('error', (err) => {
      this.#inFlight--;
      this.#count(`error ${err.message}`);
    });
    req.end();
  }

  #count(what: string): void {
    this.#answers[what] = (this.#answers[what] ?? 0) + 1;
  }
}

/** The answers other than `skipped`, by name, sorted. */
function answeredBy(answers: Answers): string[] {
  return Object.keys(answers)
    .filter((k) => k !== 'skipped')
    .sort();
}

/** One line of Prometheus's query log: the query and the instant it was evaluated at. */
interface LoggedQuery {
  params: { query: string; start: string };
}

/** What a release did, for comparing providers. */
interface Release extends CliResult {
  phase: string;
  traffic: Answers;
  from: number;
  to: number;
}

describe(
  'canaries judged by the seed’s queries on a real Prometheus, and by the builtin provider',
  { timeout: 300_000 },
  () => {
    let dir: string;
    let serve: ChildProcess | undefined;
    let serveLog = '';
    let prometheus: ChildProcess | undefined;
    let prometheusLog = '';
    let address: string;
    let queryLog: string;
    let load: Load | undefined;
    const decisions: Record<string, Record<string, string>> = { prometheus: {}, builtin: {} };
    /** When the first builtin rollout started. */
    let builtinFrom = Infinity;
    const cli = (args: string[]): Promise<CliResult> => runway(args, { cwd: dir });

    async function until(
      what: string,
      check: () => Promise<boolean> | boolean,
      timeoutMs: number,
    ): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${what}\nserve:\n${serveLog}\nprometheus:\n${prometheusLog}`,
          );
        await sleep(100);
      }
    }

    /** An instant query, now or at `time`: the samples of the vector it answers. */
    async function promQuery(
      query: string,
      time?: string,
    ): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
      const params = new URLSearchParams({ query, ...(time ? { time } : {}) });
      const res = await fetch(`${address}/api/v1/query?${params}`);
      const body = (await res.json()) as { status: string; data: { result: never[] } };
      assert.equal(body.status, 'success', JSON.stringify(body));
      return body.data.result;
    }

    /** The one number a query gives at `time`. */
    async function promValue(query: string, time: string): Promise<number> {
      const result = await promQuery(query, time);
      assert.equal(result.length, 1, `${query} at ${time}: ${JSON.stringify(result)}`);
      return Number(result[0]!.value[1]);
    }

    /** The times Prometheus evaluated `query` for, between `from` and `to`, from its query log. */
    function loggedQueries(query: string, from: number, to: number): LoggedQuery[] {
      const lines = existsSync(queryLog) ? readFileSync(queryLog, 'utf8').split('\n') : [];
      return lines
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as LoggedQuery)
        .filter((q) => q.params.query === query)
        .filter((q) => Date.parse(q.params.start) >= from && Date.parse(q.params.start) <= to);
    }

    /**
     * Makes Prometheus forget the service. The seed's queries read the whole service over 5m,
     * which here would still hold the rollouts of a few seconds ago (a canary's 5xx would fail the
     * next one, and earlier healthy traffic would dilute them); so each rollout is judged on its own
     * traffic, as it would be after five quiet minutes.
     */
    async function forgetService(): Promise<void> {
      const match = new URLSearchParams({ 'match[]': `{service="${SERVICE}"}` });
      const res = await fetch(`${address}/api/v1/admin/tsdb/delete_series?${match}`, { method: 'POST' });
      assert.equal(res.status, 204, await res.text());
    }

    async function phase(): Promise<string> {
      const res = await cli(['rollout', 'status', SERVICE, '--env', 'production', '--json']);
      assert.equal(res.code, 0, res.stderr);
      return (JSON.parse(res.stdout) as { rollout: { state: { phase: string } } }).rollout.state.phase;
    }

    /**
     * Runs the pipeline for `version`: with 30% errors injected into it if `faulty`, and after
     * Prometheus forgot the service if `forget`.
     */
    async function release(
      t: TestContext,
      version: string,
      template: string,
      { faulty = false, forget = false } = {},
    ): Promise<Release> {
      if (faulty) {
        const fault = await cli([
          ...['fault', 'set', SERVICE, '--env', 'production'],
          ...['--version', version, '--error-ratio', '0.3'],
        ]);
        assert.equal(fault.code, 0, fault.stdout + fault.stderr);
      }
      if (forget) await forgetService();
      writeFileSync(join(dir, 'runway.yaml'), pipelineYaml(version, template));
      load?.take();
      const from = Date.now();
      const res = await cli(['run']);
      const to = Date.now();
      const traffic = load?.take() ?? {};
      const state = await phase();
      t.diagnostic(
        `${version} (${template}): exit ${res.code}, ${state} after ${((to - from) / 1000).toFixed(1)} s; requests ${JSON.stringify(traffic)}`,
      );
      if (load) {
        const answered = Object.entries(traffic).reduce((n, [k, c]) => (k === 'skipped' ? n : n + c), 0);
        assert.ok(answered > (0.4 * LOAD * (to - from)) / 1000, `load too low: ${JSON.stringify(traffic)}`);
      }
      return { ...res, phase: state, traffic, from, to };
    }

    /** Who answers 0.6 s of traffic, once requests sent on the old routes are done. */
    async function answering(): Promise<string[]> {
      await sleep(200);
      load?.take();
      await sleep(600);
      return answeredBy(load?.take() ?? {});
    }

    /** The reason a run gives for its rollback, and the value it names. */
    function rollbackReason(res: CliResult, version: string, template: string, stable: string): number {
      const why = new RegExp(
        `rolled back: analysis checkout-api\\.production\\.r\\d+#1/step-4 \\(${template}\\) failed \\(error-rate: 1 failed measurement exceeds failureLimit 0 \\(last: result < 0\\.02 is false for (0\\.\\d+)\\)\\); ${stable} keeps serving production`,
      ).exec(res.stdout);
      assert.ok(why, `${version}: ${res.stdout}`);
      return Number(why[1]);
    }

    before(async () => {
      if (!existsSync(PROMETHEUS)) {
        throw new Error(
          `${PROMETHEUS} is missing: install it with \`apt-get install -y prometheus\` (CI installs it in .ci/run)`,
        );
      }
      dir = project(pipelineYaml('v1', 'slo-burn-check'));
      mkdirSync(join(dir, 'app'));
      writeFileSync(join(dir, 'app', 'server.js'), APP);

      // serve is told Prometheus's address, so its port is chosen first; Prometheus starts once
      // the agent it scrapes is up
      const promPort = await closedPort();
      address = `http://127.0.0.1:${promPort}`;
      serve = spawnRunway(['serve', '--prometheus', address], { cwd: dir });
      serve.stdout?.setEncoding('utf8').on('data', (c: string) => (serveLog += c));
      serve.stderr?.setEncoding('utf8').on('data', (c: string) => (serveLog += c));
      const info = join(dir, '.runway', 'runway', 'server.json');
      await until(
        'runway serve',
        () =>
          existsSync(info) && (JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid === serve?.pid,
        15_000,
      );
      const agentJson = join(dir, '.runway', 'runway', 'agent', 'agent.json');
      const agent = JSON.parse(readFileSync(agentJson, 'utf8')) as { port: number };

      const config = join(dir, 'prometheus.yml');
      queryLog = join(dir, 'prometheus-queries.log');
      writeFileSync(
        config,
        [
          'global:',
          '  scrape_interval: 1s',
          '  evaluation_interval: 1s',
          `  query_log_file: ${queryLog}`,
          'scrape_configs:',
          '  - job_name: runway-agent',
          '    static_configs:',
          `      - targets: ['127.0.0.1:${agent.port}']`,
          '',
        ].join('\n'),
      );
      mkdirSync(join(dir, 'prometheus-data'));
      prometheus = spawn(
        PROMETHEUS,
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          '--web.enable-admin-api',
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      prometheus.stdout?.setEncoding('utf8').on('data', (c: string) => (prometheusLog += c));
      prometheus.stderr?.setEncoding('utf8').on('data', (c: string) => (prometheusLog += c));
      await until(
        'prometheus to scrape the agent',
        async () => {
          if (prometheus?.exitCode !== null) throw new Error(`prometheus exited early:\n${prometheusLog}`);
          const up = await promQuery('up{job="runway-agent"}').catch(() => []);
          return up[0]?.value[1] === '1';
        },
        20_000,
      );
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

    it('the first release, v1, goes straight to production, and Prometheus sees its traffic', async (t) => {
      const res = await release(t, 'v1', 'slo-burn-check');
      assert.equal(res.code, 0, res.stdout + res.stderr);
      assert.match(res.stdout, /no stable release in production yet: deploying directly/);
      load = new Load(LOAD);
      await until(
        'prometheus to count v1’s requests',
        async () =>
          (await promQuery(`http_requests_total{service="${SERVICE}",version="v1",code="200"}`)).length > 0,
        10_000,
      );
      // a version that never failed has a 5xx series at 0, so the seed's error-rate query has data
      const series = await promQuery(`http_requests_total{service="${SERVICE}",version="v1"}`);
      assert.deepEqual(series.map((s) => s.metric['code']).sort(), ['200', '500']);
      assert.deepEqual(await answering(), ['v1']);
    });

    it('Prometheus, the seed’s queries verbatim: the healthy v2 is promoted', async (t) => {
      const written = parse(pipelineYaml('v2', 'slo-burn-check')) as AnalysisFile;
      for (const name of ['error-rate', 'latency-p95'] as const) {
        const metric = written.analysis['slo-burn-check']?.metrics.find((m) => m.name === name);
        assert.equal(metric?.provider.prometheus.query, seedMetric(name).provider.prometheus.query);
        assert.equal(metric?.successCondition, seedMetric(name).successCondition);
      }

      const res = await release(t, 'v2', 'slo-burn-check', { forget: true });
      decisions['prometheus']!['healthy'] = res.phase;
      assert.equal(res.code, 0, res.stdout + res.stderr);
      assert.equal(res.phase, 'completed');
      assert.match(res.stdout, /analysis-finished: checkout-api\.production\.r2#1\/step-4: successful/);
      assert.match(res.stdout, /completed: v2 is stable/);
      assert.deepEqual(answeredBy(res.traffic), ['v1', 'v2'], 'no errors while v2 rolls out');
      assert.deepEqual(await answering(), ['v2']);

      // Prometheus answered each seed query at each of the 3 looks; asked again at those instants,
      // it gives an error ratio of 0 and a p95 under 0.5 s of the service's real traffic
      for (const name of ['error-rate', 'latency-p95'] as const) {
        const looks = loggedQueries(asked(name), res.from, res.to);
        assert.equal(looks.length, 3, `${name}: ${JSON.stringify(looks)}`);
        const values: number[] = [];
        for (const look of looks) {
          const at = look.params.start;
          const value = await promValue(asked(name), at);
          values.push(value);
          if (name === 'error-rate') assert.equal(value, 0, `${name} at ${at}`);
          else assert.ok(value > 0 && value < 0.5, `${name} at ${at}: ${value}`);
          const perSecond = await promValue(`sum(rate(http_requests_total{service="${SERVICE}"}[5m]))`, at);
          assert.ok(perSecond > 0, `no traffic in the 5m window at ${at}`);
        }
        t.diagnostic(`prometheus answered ${name}: ${values.map((v) => v.toPrecision(4)).join(', ')}`);
      }
    });

    it('Prometheus, the seed’s queries verbatim: v3 with 30% injected errors is rolled back', async (t) => {
      const res = await release(t, 'v3', 'slo-burn-check', { faulty: true, forget: true });
      decisions['prometheus']!['faulty'] = res.phase;
      assert.equal(res.code, 1, res.stdout + res.stderr);
      assert.equal(res.phase, 'rolled-back');
      const shown = rollbackReason(res, 'v3', 'slo-burn-check', 'v2');
      // the whole service's error ratio: the canary's 30% at a share of 10%, then 50%
      assert.ok(shown > 0.02 && shown < 0.3, `error ratio ${shown}`);
      assert.deepEqual(answeredBy(res.traffic), ['HTTP 500', 'v2', 'v3']);
      assert.deepEqual(await answering(), ['v2'], 'no request reaches v3 after the rollback');

      // the value in the run's output is Prometheus's answer to the seed's error-rate query
      const looks = loggedQueries(asked('error-rate'), res.from, res.to);
      assert.ok(looks.length > 0, 'prometheus was not asked the seed’s error-rate query');
      const at = looks.at(-1)!.params.start;
      const again = await promValue(asked('error-rate'), at);
      t.diagnostic(`prometheus answers error-rate ${again} at ${at}; the run printed ${shown}`);
      assert.ok(Math.abs(again - shown) < 0.005, `prometheus says ${again} at ${at}, the run ${shown}`);
    });

    it('builtin provider: the healthy v4 is promoted', async (t) => {
      builtinFrom = Date.now();
      const res = await release(t, 'v4', 'slo-burn-check-builtin');
      decisions['builtin']!['healthy'] = res.phase;
      assert.equal(res.code, 0, res.stdout + res.stderr);
      assert.equal(res.phase, 'completed');
      assert.match(res.stdout, /analysis-finished: checkout-api\.production\.r4#1\/step-4: successful/);
      assert.match(res.stdout, /completed: v4 is stable/);
      assert.deepEqual(answeredBy(res.traffic), ['v2', 'v4']);
      assert.deepEqual(await answering(), ['v4']);
    });

    it('builtin provider: v5 with 30% injected errors is rolled back', async (t) => {
      const res = await release(t, 'v5', 'slo-burn-check-builtin', { faulty: true });
      decisions['builtin']!['faulty'] = res.phase;
      assert.equal(res.code, 1, res.stdout + res.stderr);
      assert.equal(res.phase, 'rolled-back');
      // the builtin provider counts the canary's requests alone: about its 30%
      const shown = rollbackReason(res, 'v5', 'slo-burn-check-builtin', 'v4');
      assert.ok(shown > 0.05 && shown < 0.6, `canary error ratio ${shown}`);
      assert.deepEqual(answeredBy(res.traffic), ['HTTP 500', 'v4', 'v5']);
      assert.deepEqual(await answering(), ['v4'], 'no request reaches v5 after the rollback');
    });

    it('both providers decide the same two rollouts the same way; the builtin one never asked Prometheus', () => {
      assert.deepEqual(decisions, {
        prometheus: { healthy: 'completed', faulty: 'rolled-back' },
        builtin: { healthy: 'completed', faulty: 'rolled-back' },
      });
      for (const name of ['error-rate', 'latency-p95'] as const) {
        assert.deepEqual(loggedQueries(asked(name), builtinFrom, Date.now()), []);
      }
    });

    // issue #11, must-show 2: a judge compares canary and stable on the same window, from
    // Prometheus through per-version queries and from the router's own counters
    const judged: Record<string, Record<string, string>> = { prometheus: {}, builtin: {} };

    for (const [provider, healthy, faulty, stable] of [
      ['prometheus', 'v6', 'v7', 'v6'],
      ['builtin', 'v8', 'v9', 'v8'],
    ] as const) {
      it(`judge on ${provider}: the healthy ${healthy} is promoted`, async (t) => {
        const res = await release(t, healthy, `judge-${provider}`);
        judged[provider]!['healthy'] = res.phase;
        assert.equal(res.code, 0, res.stdout + res.stderr);
        assert.equal(res.phase, 'completed');
      });

      it(`judge on ${provider}: ${faulty} with 30% injected errors is rolled back`, async (t) => {
        const res = await release(t, faulty, `judge-${provider}`, { faulty: true });
        judged[provider]!['faulty'] = res.phase;
        assert.equal(res.code, 1, res.stdout + res.stderr);
        assert.equal(res.phase, 'rolled-back');
        const why =
          /sequential-errors fail: canary error ratio ([\d.]+)% of (\d+) against stable ([\d.]+)% of (\d+)/.exec(
            res.stdout,
          );
        assert.ok(why, res.stdout);
        t.diagnostic(`${provider}: ${why[0]}`);
        assert.match(res.stdout, new RegExp(`${stable} keeps serving production`));
        assert.ok(Number(why[1]) > 10 && Number(why[3]) < 1, why[0]);
      });
    }

    it('the judge decides the same way on Prometheus and on the router', () => {
      assert.deepEqual(judged, {
        prometheus: { healthy: 'completed', faulty: 'rolled-back' },
        builtin: { healthy: 'completed', faulty: 'rolled-back' },
      });
    });
  },
);
