/*
 * The SLO measured live: a real control plane (started in this process with startControlPlane,
 * sampling every 100 ms) samples a real data-plane agent whose router carries real requests, and
 * `runway run` asks it for the SLO at the release gate.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stopAgent } from '../../src/agent/launch.ts';
import { startControlPlane, type ControlPlane } from '../../src/server/control-plane.ts';
import { ServerClient, ServerError } from '../../src/server/client.ts';
import { serverFiles } from '../../src/server/discovery.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { DecisionRecord, MetricSampleRecord } from '../../src/store/store.ts';
import { VERIFIED_SLSA_3_STEP } from './verified-provenance.ts';
import { type CliResult, freePort, project, runway } from './helpers.ts';

const PRODUCTION = await freePort();
const SERIES = { service: 'web', environment: 'production' };
const MINUTE = 60_000;

const APP = `const http = require('node:http');
http.createServer((req, res) => {
  if (req.url === '/boom') { res.statusCode = 503; return res.end('down'); }
  res.end(process.env.RELEASE_VERSION);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

const HEADER = (slo: string) => `version: 1
service: { name: web, tier: 2, health: /health${slo} }
environments:
  production: { target: { kind: local, command: node server.js, port: ${PRODUCTION}, ready-timeout: 5s } }
windows:
  anytime: { timezone: UTC }
`;

const DEPLOY = `${HEADER('')}
stages:
  deploy:
    steps:
      - uses: deploy
        with: { environment: production, version: v1, artifact: app }
`;

const GATE = (slo: string) => `${HEADER(slo)}
stages:
  evidence:
    steps:
${VERIFIED_SLSA_3_STEP}      - uses: evidence
        with:
          gates.build.typescript: pass
          gates.build.compile: pass
          gates.build.lint: pass
          gates.build.format: pass
          gates.quality.unit_tests: pass
          gates.quality.coverage: 90
          gates.quality.integration_tests: pass
          gates.quality.golden_path: pass
          gates.security.critical_cves: 0
          gates.security.high_cves: 0
          gates.security.secrets_found: 0
          gates.security.image_signed: true
          slo.error_budget_remaining: 90
          slo.fast_burn_rate: 0.5
          slo.slow_burn_rate: 0.5
          slo.rollbacks_last_24h: 0
  gate:
    needs: evidence
    steps:
      - id: release
        uses: gate/release
        with: { environment: production, window: anytime }
`;

/** GETs `path` on the production port `n` times; returns how many answered 5xx. */
async function traffic(path: string, n: number): Promise<number> {
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: PRODUCTION, path, agent: false }, (res) => {
        res.resume().on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    if (status >= 500) errors++;
  }
  return errors;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function near(actual: unknown, expected: number, tolerance: number, what: string): void {
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) <= tolerance * Math.abs(expected),
    `${what}: ${String(actual)}, expected ${expected} ± ${tolerance * 100}%`,
  );
}

describe('the release gate reads the SLO live from runway serve', { timeout: 120_000 }, () => {
  let dir: string;
  let dataDir: string;
  let store: SqliteStore;
  let plane: ControlPlane;
  let client: ServerClient;

  const run = (file: string, yaml: string, env: Record<string, string> = {}): Promise<CliResult> => {
    writeFileSync(join(dir, file), yaml);
    return runway(['run', '-f', file], { cwd: dir, env });
  };
  const lastDecision = async (): Promise<DecisionRecord> => {
    const [decision] = await store.decisions({ service: 'web', limit: 1 });
    assert.ok(decision, 'a decision was stored');
    return decision;
  };
  const sloOf = (d: DecisionRecord) => (d.input as { slo: Record<string, unknown> }).slo;

  before(async () => {
    dir = project(DEPLOY);
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'server.js'), APP);
    dataDir = join(dir, '.runway', 'runway');
    store = new SqliteStore(join(dir, '.runway', 'runway.db'));
    plane = await startControlPlane({ dataDir, store, log: () => undefined, sampling: { intervalMs: 100 } });
    client = new ServerClient({ url: plane.url, token: plane.token });
  });

  after(async () => {
    await plane?.close();
    await stopAgent(serverFiles(dataDir).agentDir);
    await store?.close();
  });

  it('answers GET /v1/slo with too little data before anything ran, and refuses bad queries', async () => {
    const state = await client.slo('web', 'production', { objective: 99.9, window: '30d' });
    assert.equal(state.objective, 99.9);
    assert.equal(state.errorBudgetRemaining, undefined);
    assert.equal(state.errorBudgetReason, 'no data in the last 30d');
    assert.equal(state.alerts.pageFast.status, 'insufficient-data');
    assert.equal(state.alerts.pageFast.reason, 'no data in the last 1h; no data in the last 5m');

    const refused = async (query: string) => {
      const res = await fetch(`${plane.url}/v1/slo/web/production?${query}`, {
        headers: { authorization: `Bearer ${plane.token}` },
      });
      return [res.status, ((await res.json()) as { error: string }).error];
    };
    assert.deepEqual(await refused('objective=abc'), [400, 'objective "abc" is not a number, e.g. 99.9']);
    assert.deepEqual(await refused('objective=100'), [
      400,
      'invalid slo objective 100, expected a percentage between 0 and 100, e.g. 99.9',
    ]);
    assert.deepEqual(await refused('window=90d'), [
      400,
      'slo window 90d is longer than the 35d of samples the control plane keeps',
    ]);
    assert.deepEqual(await refused('at=yesterday'), [
      400,
      'at "yesterday" is not an ISO 8601 time, e.g. 2026-11-24T10:00:00Z',
    ]);
    const anonymous = await fetch(`${plane.url}/v1/slo/web/production`);
    assert.equal(anonymous.status, 401);
    const defaults = await client.slo('web', 'production', { objective: 99.9, window: '30d' });
    assert.equal(defaults.window, '30d');
  });

  it('reports the budget unknown right after the first deploy: a warning and the slow strategy', async () => {
    const deployed = await run('runway.yaml', DEPLOY);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    await plane.sampler.tick();
    assert.ok((await store.metricSamples(SERIES)).length > 0, 'the control plane samples production');

    const res = await run('gate.yaml', GATE(', slo: { objective: 99.9, window: 1d }'));
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(
      res.stdout,
      new RegExp(
        `SLO: measured by the control plane at ${plane.url.replace(/\./g, '\\.')}: 99\\.9% over 1d at .*: error_budget_remaining unknown, fast_burn_rate unknown, slow_burn_rate unknown`,
      ),
    );
    assert.match(
      res.stdout,
      /! slo-unknown: error budget unknown: data covers [\d.]+% of the last 1d, below the 90% required/,
    );
    const decision = await lastDecision();
    assert.equal(decision.outcome, 'allow');
    assert.equal(decision.strategy, 'slow');
    const slo = sloOf(decision);
    assert.equal(slo['status'], 'insufficient-data');
    assert.match(
      String(slo['reason']),
      /^error budget unknown: data covers .* \(the declared 90 could not be checked\); fast burn rate unknown: .*; slow burn rate unknown: /,
    );
    assert.equal(slo['error_budget_remaining'], 90, 'the declared budget stays, marked as not checked');
  });

  it('denies on the burn rates of real 5xx through the router, on top of a day of recorded history', async () => {
    // a quiet, healthy day before the control plane's first sample: 10 requests a minute, no errors
    const [first] = await store.metricSamples(SERIES);
    assert.ok(first);
    const end = Date.parse(first.at) - 1000;
    const history: MetricSampleRecord[] = [];
    for (let m = 24 * 60 + 10; m >= 0; m--) {
      const total = (24 * 60 + 10 - m) * 10;
      history.push({ ...SERIES, at: new Date(end - m * MINUTE).toISOString(), total, errors: 0 });
    }
    await store.recordMetricSamples(history);

    const before = (await store.metricSamples(SERIES)).at(-1)!;
    const errors = (await traffic('/boom', 200)) + (await traffic('/', 200));
    assert.equal(errors, 200);
    await plane.sampler.tick();
    const sampled = (await store.metricSamples(SERIES)).at(-1)!;
    assert.deepEqual(
      [sampled.total - before.total, sampled.errors - before.errors],
      [400, 200],
      'the router counted every request and every 503',
    );

    const res = await run('gate.yaml', GATE(', slo: { objective: 99.9, window: 1d }'));
    assert.equal(res.code, 1, res.stdout + res.stderr);
    const decision = await lastDecision();
    assert.equal(decision.outcome, 'deny');
    const violations = (decision.decision['violations'] as { rule: string }[]).map((v) => v.rule);
    assert.deepEqual(violations, ['error-budget', 'fast-burn', 'slow-burn']);
    const slo = sloOf(decision);
    assert.equal(slo['status'], 'measured');
    assert.equal(slo['reason'], undefined);
    // 200 errors among the last hour's ~600 recorded requests and the 400 live ones: 20% → 200×;
    // the 5m window burns faster (~44%), so the fast burn is the 1h one
    near(slo['fast_burn_rate'], 200 / 1000 / 0.001, 0.03, 'fast burn');
    // 6h: 200 of ~3600 + 400 → 50×; 30m: 200 of ~300 + 400 → ~286×
    near(slo['slow_burn_rate'], 200 / 4000 / 0.001, 0.03, 'slow burn');
    // 1d: 200 of ~14400 + 400, against a 0.1% budget
    near(slo['error_budget_remaining'], 100 * (1 - 200 / 14_800 / 0.001), 0.03, 'budget');
    assert.match(res.stdout, /✖ fast-burn: fast burn rate [\d.]+ is above the limit of 14\.4/);

    const state = await client.slo('web', 'production', { objective: 99.9, window: '1d' });
    near(state.errorBudgetRemaining, slo['error_budget_remaining'] as number, 0.01, 'the API agrees');
    assert.equal(state.alerts.pageFast.status, 'burning');
  });

  it('denies when the control plane refuses to give the SLO: fail closed', async () => {
    const res = await run('gate.yaml', GATE(', slo: { objective: 99.9, window: 1d }'), {
      RUNWAY_SERVER: plane.url,
      RUNWAY_TOKEN: 'not-the-token',
    });
    assert.equal(res.code, 1);
    const decision = await lastDecision();
    assert.deepEqual(decision.decision['violations'], [
      {
        rule: 'slo-source',
        message: `the SLO could not be read: the control plane at ${plane.url} answered: missing or wrong token: send Authorization: Bearer <token>`,
        overridable: true,
      },
    ]);
  });

  it('uses the declared input as before without service.slo, or without a reachable control plane', async () => {
    const plain = await run('gate.yaml', GATE(''));
    assert.equal(plain.code, 0, plain.stdout + plain.stderr);
    assert.match(plain.stdout, /SLO: from the declared input only \(runway\.yaml declares no service\.slo\)/);
    const declared = sloOf(await lastDecision());
    assert.equal(declared['status'], undefined);
    assert.equal(declared['fast_burn_rate'], 0.5);

    const port = await closedPort();
    const away = await run('gate.yaml', GATE(', slo: { objective: 99.9, window: 1d }'), {
      RUNWAY_SERVER: `http://127.0.0.1:${port}`,
      RUNWAY_TOKEN: 'x',
    });
    assert.equal(away.code, 0, away.stdout + away.stderr);
    assert.match(
      away.stdout,
      new RegExp(
        `SLO: from the declared input only \\(the control plane at http://127\\.0\\.0\\.1:${port} is not reachable`,
      ),
    );
    const decision = await lastDecision();
    assert.equal(decision.strategy, 'tier2-standard');
    assert.equal(sloOf(decision)['error_budget_remaining'], 90);
  });

  it('keeps refusing a client without a token', async () => {
    const anonymous = new ServerClient({ url: plane.url, token: 'wrong' });
    await assert.rejects(
      anonymous.slo('web', 'production', { objective: 99.9, window: '1d' }),
      (err: unknown) => err instanceof ServerError && err.status === 401,
    );
  });
});
