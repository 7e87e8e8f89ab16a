/*
 * A real Prometheus (the Debian package) scrapes the real router's metrics while a canary with
 * 30% injected errors takes half the traffic. The seeds' queries run through the prometheus
 * provider, the builtin provider reads the same requests from the router, the executor judges in
 * real time, and stopping Prometheus mid-run shows the provider outage behaviour.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { SEED_TEMPLATES_YAML } from '../../src/analysis/analysis.fixture.ts';
import { RequestMetrics } from '../../src/agent/metrics/request-metrics.ts';
import { closedPort, send, startBackend, type TestBackend } from '../../src/agent/router/backends.fixture.ts';
import { WeightedProxy } from '../../src/agent/router/proxy.ts';
import { AnalysisExecutor, type RunExplanation } from '../../src/analysis/executor.ts';
import type { MetricQuery, RawMeasurement } from '../../src/analysis/provider.ts';
import { BuiltinProvider } from '../../src/analysis/providers/builtin.ts';
import { PrometheusProvider } from '../../src/analysis/providers/prometheus.ts';
import { resolveMetrics } from '../../src/analysis/resolve-template.ts';
import { MemoryRunStore } from '../../src/analysis/run-store.ts';
import { loadAnalysisTemplates, type AnalysisTemplate } from '../../src/analysis/template.ts';
import { run as analysisCli } from '../../src/cli/commands/analysis.ts';
import type { Io } from '../../src/cli/io.ts';
import { systemClock } from '../../src/engine/clock.ts';

const PROMETHEUS = '/usr/bin/prometheus';
const SERVICE = 'checkout-api';
const STABLE = '1.4.0';
const CANARY = '1.5.0';
const ARGS = { service: SERVICE, 'stable.version': STABLE, 'canary.version': CANARY };

/** The seed's two queries scoped to each version (plus p99); the seed's slo-burn-check itself comes from the shared fixture. */
const TEMPLATES_YAML = `
canary-slo:
  metrics:
    - name: error-rate
      successCondition: result < 0.02
      provider:
        prometheus:
          query: sum(rate(http_requests_total{service="{{ args.service }}",version="{{ args.canary.version }}",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="{{ args.service }}",version="{{ args.canary.version }}"}[5m]))
    - name: latency-p95
      successCondition: result < 0.5
      provider:
        prometheus:
          query: histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{service="{{ args.service }}",version="{{ args.canary.version }}"}[5m])) by (le))
    - name: latency-p99
      successCondition: result < 0.5
      provider:
        prometheus:
          query: histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{service="{{ args.service }}",version="{{ args.canary.version }}"}[5m])) by (le))

stable-slo:
  metrics:
    - name: error-rate
      successCondition: result < 0.02
      provider:
        prometheus:
          query: sum(rate(http_requests_total{service="{{ args.service }}",version="{{ args.stable.version }}",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="{{ args.service }}",version="{{ args.stable.version }}"}[5m]))
    - name: error-rate-or-zero
      successCondition: result < 0.02
      provider:
        prometheus:
          query: (sum(rate(http_requests_total{service="{{ args.service }}",version="{{ args.stable.version }}",code=~"5.."}[5m])) or vector(0)) / sum(rate(http_requests_total{service="{{ args.service }}",version="{{ args.stable.version }}"}[5m]))
    - name: latency-p95
      successCondition: result < 0.5
      provider:
        prometheus:
          query: histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{service="{{ args.service }}",version="{{ args.stable.version }}"}[5m])) by (le))
    - name: latency-p99
      successCondition: result < 0.5
      provider:
        prometheus:
          query: histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{service="{{ args.service }}",version="{{ args.stable.version }}"}[5m])) by (le))

stable-healthy:
  metrics:
    - name: error-rate
      successCondition: result < 0.02
      interval: 1s
      count: 2
      provider:
        prometheus:
          query: (sum(rate(http_requests_total{service="{{ args.service }}",version="{{ args.stable.version }}",code=~"5.."}[5m])) or vector(0)) / sum(rate(http_requests_total{service="{{ args.service }}",version="{{ args.stable.version }}"}[5m]))

stable-background:
  metrics:
    - name: error-rate
      successCondition: result < 0.02
      interval: 1s
      consecutiveErrorLimit: 1
      provider:
        prometheus:
          query: (sum(rate(http_requests_total{service="{{ args.service }}",version="{{ args.stable.version }}",code=~"5.."}[5m])) or vector(0)) / sum(rate(http_requests_total{service="{{ args.service }}",version="{{ args.stable.version }}"}[5m]))
`;
const RAW_TEMPLATES = {
  'slo-burn-check': (parse(SEED_TEMPLATES_YAML) as Record<string, unknown>)['slo-burn-check'],
  ...(parse(TEMPLATES_YAML) as Record<string, unknown>),
};
const TEMPLATES = loadAnalysisTemplates(RAW_TEMPLATES);

/** A seeded PRNG (mulberry32) so that weights and injected faults draw the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function captureIo(cwd: string): Io & { stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    tty: false,
    color: false,
    columns: 100,
    env: {},
    cwd,
    stdout: () => out,
    stderr: () => err,
  };
}

let dir: string;
let stable: TestBackend;
let canary: TestBackend;
let proxy: WeightedProxy;
let proxyPort: number;
let metrics: RequestMetrics;
let metricsServer: Server;
let prometheus: ChildProcess | undefined;
let prometheusLog = '';
let address: string;
let provider: PrometheusProvider;
let builtin: BuiltinProvider;
let trafficFrom: Date;
let trafficTo: Date;
let measuredAt: Date;

/** The queries of a template for ARGS, by metric name. */
function queriesOf(name: string): Record<string, MetricQuery> {
  const metrics = resolveMetrics([TEMPLATES[name] as AnalysisTemplate], ARGS);
  return Object.fromEntries(metrics.map((m) => [m.name, m.query]));
}

async function promQuery(name: string, metric: string, at = measuredAt): Promise<RawMeasurement> {
  const query = queriesOf(name)[metric] as MetricQuery;
  return provider.measure(query, { now: at, signal: AbortSignal.timeout(10_000), args: ARGS });
}

function valueOf(m: RawMeasurement): number {
  assert.ok('value' in m, `expected a value, got ${JSON.stringify(m)}`);
  assert.equal(typeof m.value, 'number', JSON.stringify(m));
  return m.value as number;
}

async function scalar(query: string): Promise<number | undefined> {
  const m = await provider.measure(
    { metric: 'probe', provider: { kind: 'prometheus', query } },
    { now: new Date(), signal: AbortSignal.timeout(5000), args: {} },
  );
  return 'value' in m && typeof m.value === 'number' ? m.value : undefined;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\nprometheus log:\n${prometheusLog}`);
    await sleep(200);
  }
}

async function traffic(requests: number, perRound: number, roundMs: number): Promise<void> {
  for (let sent = 0; sent < requests; sent += perRound) {
    const started = Date.now();
    await Promise.all(Array.from({ length: perRound }, () => send(proxyPort, { path: '/checkout' })));
    const left = roundMs - (Date.now() - started);
    if (left > 0) await sleep(left);
  }
}

function totals(): { total: number } {
  return { total: metrics.snapshot(SERVICE).reduce((n, s) => n + s.total, 0) };
}

async function startPrometheus(port: number): Promise<void> {
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: runway-router',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${(metricsServer.address() as AddressInfo).port}']`,
      '',
    ].join('\n'),
  );
  mkdirSync(join(dir, 'data'));
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.setEncoding('utf8').on('data', (c: string) => (prometheusLog += c));
  prometheus.stderr?.setEncoding('utf8').on('data', (c: string) => (prometheusLog += c));
  await until(
    'prometheus to be ready',
    async () => {
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited early:\n${prometheusLog}`);
      return provider.online();
    },
    20_000,
  );
}

async function stopPrometheus(): Promise<void> {
  const child = prometheus;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('analysis against a real Prometheus scraping the real router', { timeout: 60_000 }, () => {
  before(async () => {
    if (!existsSync(PROMETHEUS)) {
      throw new Error(
        `${PROMETHEUS} is missing: install it with \`apt-get install -y prometheus\` (CI installs it in .ci/run)`,
      );
    }
    dir = mkdtempSync(join(tmpdir(), 'runway-prometheus-'));
    stable = await startBackend('stable');
    canary = await startBackend('canary');
    metrics = new RequestMetrics();
    proxy = new WeightedProxy({ metrics, random: seeded(20260302) });
    proxyPort = await proxy.listen(0);
    proxy.setRoutes({
      service: SERVICE,
      backends: [
        { version: STABLE, target: stable.target, weight: 500 },
        { version: CANARY, target: canary.target, weight: 500 },
      ],
      addVersionHeader: true,
    });
    proxy.setFaults(CANARY, { errorRatio: 0.3, latencyMs: 30 });
    metricsServer = createServer(metrics.metricsHandler);
    await new Promise<void>((resolve) => metricsServer.listen(0, '127.0.0.1', resolve));

    // warm up, so that every series exists (with a count) before Prometheus's first scrape
    await traffic(100, 20, 0);
    const codes = Object.fromEntries(metrics.snapshot(SERVICE).map((s) => [s.version, Object.keys(s.codes)]));
    assert.deepEqual(codes, { [STABLE]: ['200'], [CANARY]: ['200', '500'] });

    const port = await closedPort();
    address = `http://127.0.0.1:${port}`;
    provider = new PrometheusProvider({ address, timeoutMs: 5000 });
    builtin = new BuiltinProvider({ metrics });
    await startPrometheus(port);
    const warm = totals().total;
    await until(
      'the first scrape',
      async () => (await scalar(`sum(http_requests_total{service="${SERVICE}"})`)) === warm,
      10_000,
    );

    // the builtin provider's window starts here, where Prometheus's first samples are
    trafficFrom = new Date();
    for (const version of ['canary', 'stable'] as const) {
      const first = await builtin.measure(
        { metric: 'e', provider: { kind: 'builtin', metric: 'error-rate', version, windowMs: 300_000 } },
        { now: trafficFrom, signal: AbortSignal.timeout(1000), args: ARGS },
      );
      assert.match('error' in first ? first.error : '', /no window yet/);
    }

    await traffic(400, 10, 250);
    trafficTo = new Date();
    const all = totals().total;
    await until(
      'the last scrape',
      async () => (await scalar(`sum(http_requests_total{service="${SERVICE}"})`)) === all,
      10_000,
    );
    measuredAt = new Date();
  });

  after(async () => {
    await stopPrometheus();
    await proxy?.close(100);
    await stable?.close();
    await canary?.close();
    await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the seed queries scoped by version: the canary shows its injected 30% errors and 30ms latency, the stable none', async (t) => {
    const canaryErrors = valueOf(await promQuery('canary-slo', 'error-rate'));
    const canaryP95 = valueOf(await promQuery('canary-slo', 'latency-p95'));
    const canaryP99 = valueOf(await promQuery('canary-slo', 'latency-p99'));
    const stableP95 = valueOf(await promQuery('stable-slo', 'latency-p95'));
    const stableP99 = valueOf(await promQuery('stable-slo', 'latency-p99'));
    t.diagnostic(
      `prometheus: canary error rate ${canaryErrors.toFixed(4)}, p95 ${canaryP95.toFixed(4)}s, p99 ${canaryP99.toFixed(4)}s; stable p95 ${stableP95.toFixed(4)}s, p99 ${stableP99.toFixed(4)}s`,
    );
    assert.ok(canaryErrors > 0.22 && canaryErrors < 0.38, `canary error rate ${canaryErrors} is not ~0.3`);
    // every canary request waits 30ms, so its quantiles lie above the 25ms bucket (how far depends on load)
    for (const [what, q] of [
      ['canary p95', canaryP95],
      ['canary p99', canaryP99],
    ] as const) {
      assert.ok(q > 0.025 && q < 0.5, `${what} ${q}s`);
    }
    assert.ok(stableP95 < canaryP95 && stableP99 < 0.5, `stable p95 ${stableP95}s p99 ${stableP99}s`);

    // a version that never answered 5xx still exports a 5xx series at 0 (the router initialises
    // it), so the seed's query reads 0 rather than "no data" (an empty vector would be an error)
    assert.equal(valueOf(await promQuery('stable-slo', 'error-rate')), 0);
    assert.equal(valueOf(await promQuery('stable-slo', 'error-rate-or-zero')), 0);
  });

  it('the seed slo-burn-check verbatim sees the whole service: half the traffic at 30% errors', async (t) => {
    const serviceErrors = valueOf(await promQuery('slo-burn-check', 'error-rate'));
    const p95 = valueOf(await promQuery('slo-burn-check', 'latency-p95'));
    t.diagnostic(`prometheus: service error rate ${serviceErrors.toFixed(4)}, p95 ${p95.toFixed(4)}s`);
    assert.ok(serviceErrors > 0.1 && serviceErrors < 0.2, `service error rate ${serviceErrors}`);
    assert.ok(p95 < 0.5);
  });

  it('builtin provider equivalence: the router’s own counts give the error rates and quantiles Prometheus computes', async (t) => {
    const measure = async (
      version: 'canary' | 'stable',
      metric: 'error-rate' | 'latency-p95' | 'latency-p99',
    ) =>
      valueOf(
        await builtin.measure(
          { metric, provider: { kind: 'builtin', metric, version, windowMs: 300_000 } },
          { now: measuredAt, signal: AbortSignal.timeout(1000), args: ARGS },
        ),
      );
    const pairs = [
      [
        'canary error rate',
        await measure('canary', 'error-rate'),
        valueOf(await promQuery('canary-slo', 'error-rate')),
      ],
      [
        'stable error rate',
        await measure('stable', 'error-rate'),
        valueOf(await promQuery('stable-slo', 'error-rate-or-zero')),
      ],
      [
        'canary p95',
        await measure('canary', 'latency-p95'),
        valueOf(await promQuery('canary-slo', 'latency-p95')),
      ],
      [
        'canary p99',
        await measure('canary', 'latency-p99'),
        valueOf(await promQuery('canary-slo', 'latency-p99')),
      ],
      [
        'stable p95',
        await measure('stable', 'latency-p95'),
        valueOf(await promQuery('stable-slo', 'latency-p95')),
      ],
    ] as const;
    for (const [what, fromRouter, fromPrometheus] of pairs) {
      t.diagnostic(`${what}: builtin ${fromRouter.toFixed(5)}, prometheus ${fromPrometheus.toFixed(5)}`);
      assert.ok(
        Math.abs(fromRouter - fromPrometheus) < 0.005,
        `${what}: builtin ${fromRouter} vs prometheus ${fromPrometheus}`,
      );
    }
    assert.ok(trafficTo > trafficFrom);
  });

  it('the executor judges in real time: the canary fails the seed threshold, the stable passes', async () => {
    const verdicts = new Map<string, () => void>();
    const done = (runId: string) => new Promise<void>((resolve) => verdicts.set(runId, resolve));
    const executor: AnalysisExecutor = new AnalysisExecutor({
      templates: RAW_TEMPLATES,
      store: new MemoryRunStore(),
      clock: systemClock,
      providerDeps: { prometheus: { address } },
      onChange: (runId) => {
        if (executor.phase(runId) !== 'running') verdicts.get(runId)?.();
      },
    });
    try {
      const canaryDone = done('canary');
      const stableDone = done('stable');
      executor.start({ runId: 'canary', templates: ['canary-slo'], args: ARGS });
      executor.start({ runId: 'stable', templates: ['stable-healthy'], args: ARGS });
      await Promise.all([canaryDone, stableDone]);
      assert.deepEqual(executor.verdicts(), { canary: 'failed', stable: 'successful' });
      const why = executor.explain('canary') as RunExplanation;
      assert.match(
        why.message ?? '',
        /^error-rate failed: 1 failed measurement exceeds failureLimit 0 \(last: result < 0.02 is false for 0\.\d+\)$/,
      );
      const stableRun = executor.explain('stable') as RunExplanation;
      assert.equal(stableRun.metrics[0]?.counts.successful, 2);
    } finally {
      executor.close();
    }
  });

  it('runway analysis run against the real Prometheus: exit 1 for the canary, 0 for the stable', async () => {
    const project = join(dir, 'project');
    mkdirSync(project, { recursive: true });
    writeFileSync(
      join(project, 'runway.yaml'),
      `version: 1\nservice: { name: ${SERVICE}, tier: 1 }\nanalysis:\n${stringify(RAW_TEMPLATES, { lineWidth: 0 }).replace(/^/gm, '  ')}\nstages:\n  noop: { steps: [ { run: 'true' } ] }\n`,
    );
    const versions = ['--arg', `canary.version=${CANARY}`, '--arg', `stable.version=${STABLE}`];
    const failing = captureIo(project);
    assert.equal(await analysisCli(['run', 'canary-slo', '--prometheus', address, ...versions], failing), 1);
    assert.match(failing.stdout(), /error-rate +failed +0\.\d+ +result < 0\.02 is false for 0\.\d+/);
    assert.match(failing.stdout(), /✖ failed error-rate failed/);
    const passing = captureIo(project);
    assert.equal(
      await analysisCli(['run', 'stable-healthy', '--prometheus', address, ...versions, '--json'], passing),
      0,
    );
    const body = JSON.parse(passing.stdout()) as RunExplanation;
    assert.equal(body.phase, 'successful');
    assert.equal(body.metrics[0]?.measurements.length, 2);
  });

  it('runway analysis replay of the canary’s recorded query_range: caught at the first look', async () => {
    const query = queriesOf('canary-slo')['error-rate']?.provider;
    assert.ok(query?.kind === 'prometheus');
    const params = new URLSearchParams({
      query: query.query,
      start: String(trafficFrom.getTime() / 1000),
      end: String(measuredAt.getTime() / 1000),
      step: '1',
    });
    const answer = await (await fetch(`${address}/api/v1/query_range?${params}`)).text();
    const project = join(dir, 'project');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'recorded.json'), JSON.stringify({ 'error-rate': JSON.parse(answer) }));
    writeFileSync(
      join(project, 'runway.yaml'),
      `version: 1\nservice: { name: ${SERVICE} }\nanalysis:\n  canary-errors:\n    metrics:\n      - name: error-rate\n        successCondition: result < 0.02\n        interval: 1s\n        count: 5\n        provider: { prometheus: { query: 'x' } }\nstages:\n  noop: { steps: [ { run: 'true' } ] }\n`,
    );
    const io = captureIo(project);
    assert.equal(
      await analysisCli(['replay', 'canary-errors', '--series', 'recorded.json', '--json'], io),
      1,
    );
    const result = JSON.parse(io.stdout()) as { phase: string; timeline: { phase: string }[] };
    assert.equal(result.phase, 'failed');
    assert.deepEqual(
      result.timeline.map((e) => e.phase),
      ['failed'],
    );
  });

  it('provider outage behaviour: Prometheus stopped mid-run ends the run in error after consecutiveErrorLimit, with the provider error in explain', async (t) => {
    let successes = 0;
    let sawSuccesses: () => void = () => {};
    let ended: () => void = () => {};
    const twoGood = new Promise<void>((resolve) => (sawSuccesses = resolve));
    const finished = new Promise<void>((resolve) => (ended = resolve));
    const executor: AnalysisExecutor = new AnalysisExecutor({
      templates: RAW_TEMPLATES,
      store: new MemoryRunStore(),
      clock: systemClock,
      providerDeps: { prometheus: { address } },
      onChange: (runId) => {
        const why = executor.explain(runId) as RunExplanation;
        successes = why.metrics[0]?.counts.successful ?? 0;
        if (successes >= 2) sawSuccesses();
        if (why.phase !== 'running') ended();
      },
    });
    try {
      executor.start({ runId: 'background', templates: ['stable-background'], args: ARGS });
      await twoGood;
      const stoppedAt = Date.now();
      await stopPrometheus();
      await finished;
      t.diagnostic(`prometheus stopped; run ended after ${((Date.now() - stoppedAt) / 1000).toFixed(1)}s`);
      assert.equal(executor.phase('background'), 'error');
      const why = executor.explain('background') as RunExplanation;
      assert.match(
        why.message ?? '',
        new RegExp(
          `^error-rate error: 2 consecutive errors exceed consecutiveErrorLimit 1 \\(last: cannot reach prometheus at ${address.replaceAll('.', '\\.')}: .*ECONNREFUSED`,
        ),
      );
      const errors = why.metrics[0]?.measurements.filter((m) => m.phase === 'error') ?? [];
      assert.equal(errors.length, 2);
      assert.ok(successes >= 2);
      assert.deepEqual(executor.verdicts(), { background: 'error' });
    } finally {
      executor.close();
    }
  });
});
