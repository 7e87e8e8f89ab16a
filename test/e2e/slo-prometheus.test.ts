/*
 * `service.slo.source.prometheus`: the release gate reads the SLO from Prometheus recording rules,
 * as the CompanyOS gate does. A real Prometheus (the Debian package) scrapes request counters of two
 * services every second and evaluates real recording rules (`slo:error_budget_remaining:ratio`,
 * `slo:error_budget_burn_rate:fast|slow`); `runway run` asks it at the gate.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { closedPort } from '../../src/agent/router/backends.fixture.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { DecisionRecord } from '../../src/store/store.ts';
import { VERIFIED_SLSA_3_STEP } from './verified-provenance.ts';
import { project, runway } from './helpers.ts';

const PROMETHEUS = '/usr/bin/prometheus';

/** Recording rules in the usual multi-window shape, for a 99.9% objective (budget 0.001). */
const RULES = `groups:
  - name: slo
    interval: 1s
    rules:
      - record: slo:sli_error:ratio_rate5m
        expr: sum by (service) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (service) (rate(http_requests_total[5m]))
      - record: slo:sli_error:ratio_rate1h
        expr: sum by (service) (rate(http_requests_total{code=~"5.."}[1h])) / sum by (service) (rate(http_requests_total[1h]))
      - record: slo:error_budget_burn_rate:fast
        expr: slo:sli_error:ratio_rate5m / 0.001
      - record: slo:error_budget_burn_rate:slow
        expr: slo:sli_error:ratio_rate1h / 0.001
      - record: slo:error_budget_remaining:ratio
        expr: clamp_min(1 - (sum by (service) (increase(http_requests_total{code=~"5.."}[30d])) / sum by (service) (increase(http_requests_total[30d]))) / 0.001, 0)
`;

const source = (service: string, address: string) => `
  slo:
    source:
      prometheus:
        address: ${address}
        budget-remaining: slo:error_budget_remaining:ratio{service="${service}"}
        burn-fast: slo:error_budget_burn_rate:fast{service="${service}"}
        burn-slow: slo:error_budget_burn_rate:slow{service="${service}"}`;

const GATE = (service: string, slo: string) => `version: 1
service:
  name: ${service}
  tier: 2${slo}
windows:
  anytime: { timezone: UTC }
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
  gate:
    needs: evidence
    steps:
      - id: release
        uses: gate/release
        with: { environment: production, window: anytime }
`;

describe('the release gate reads the SLO from Prometheus recording rules', { timeout: 120_000 }, () => {
  let dir: string;
  let address: string;
  let prometheus: ChildProcess | undefined;
  let log = '';
  let exporter: Server;
  const started = Date.now();

  /** Counters that grow with time: 100 requests/s each; `web` fails none, `shaky` fails 5%. */
  const exposition = () => {
    const total = Math.floor((Date.now() - started) / 10) + 100;
    const bad = Math.floor(total * 0.05);
    return [
      '# TYPE http_requests_total counter',
      `http_requests_total{service="web",code="200"} ${total}`,
      `http_requests_total{service="web",code="500"} 0`,
      `http_requests_total{service="shaky",code="200"} ${total - bad}`,
      `http_requests_total{service="shaky",code="500"} ${bad}`,
      '',
    ].join('\n');
  };

  const query = async (q: string): Promise<unknown[]> => {
    const res = await fetch(`${address}/api/v1/query?query=${encodeURIComponent(q)}`);
    return ((await res.json()) as { data: { result: unknown[] } }).data.result;
  };

  const lastDecision = async (service: string): Promise<DecisionRecord> => {
    const store = new SqliteStore(join(dir, '.runway', 'runway.db'));
    try {
      const [decision] = await store.decisions({ service, limit: 1 });
      assert.ok(decision, 'a decision was stored');
      return decision;
    } finally {
      await store.close();
    }
  };
  const sloOf = (d: DecisionRecord) => (d.input as { slo: Record<string, unknown> }).slo;
  const rules = (d: DecisionRecord) => (d.decision['violations'] as { rule: string }[]).map((v) => v.rule);

  before(async () => {
    if (!existsSync(PROMETHEUS)) {
      throw new Error(`${PROMETHEUS} is missing: install it with \`apt-get install -y prometheus\``);
    }
    dir = project(GATE('web', ''));
    exporter = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(exposition());
    });
    await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
    const prom = join(dir, 'prometheus');
    mkdirSync(prom);
    writeFileSync(join(prom, 'rules.yml'), RULES);
    writeFileSync(
      join(prom, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'rule_files: [rules.yml]',
        'scrape_configs:',
        '  - job_name: services',
        `    static_configs: [{ targets: ['127.0.0.1:${(exporter.address() as AddressInfo).port}'] }]`,
        '',
      ].join('\n'),
    );
    const port = await closedPort();
    address = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(prom, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(prom, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stderr?.setEncoding('utf8').on('data', (c: string) => (log += c));
    // the recording rules answer once two scrapes are in and a rule evaluation ran after them
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited early:\n${log}`);
      const ready = await query('slo:error_budget_burn_rate:slow{service="shaky"}').catch(() => []);
      const remaining = await query('slo:error_budget_remaining:ratio{service="web"}').catch(() => []);
      if (ready.length === 1 && remaining.length === 1) break;
      if (Date.now() > deadline) throw new Error(`the recording rules never answered:\n${log}`);
      await sleep(500);
    }
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      prometheus.kill('SIGKILL');
      await exited;
    }
    await new Promise((resolve) => exporter?.close(resolve));
  });

  it('allows a healthy service on the numbers the recording rules give', async () => {
    writeFileSync(join(dir, 'runway.yaml'), GATE('web', source('web', address)));
    const res = await runway(['run'], { cwd: dir });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(
      res.stdout,
      /SLO: from Prometheus at http:\/\/127\.0\.0\.1:\d+ at .*: error_budget_remaining 100, fast_burn_rate 0, slow_burn_rate 0/,
    );
    const decision = await lastDecision('web');
    assert.equal(decision.outcome, 'allow');
    assert.equal(decision.strategy, 'tier2-standard');
    assert.deepEqual(
      [
        sloOf(decision)['error_budget_remaining'],
        sloOf(decision)['fast_burn_rate'],
        sloOf(decision)['slow_burn_rate'],
      ],
      [100, 0, 0],
    );
  });

  it('denies a service burning its budget 50 times too fast, as Prometheus computed it', async () => {
    writeFileSync(join(dir, 'runway.yaml'), GATE('shaky', source('shaky', address)));
    const res = await runway(['run'], { cwd: dir });
    assert.equal(res.code, 1, res.stdout + res.stderr);
    const decision = await lastDecision('shaky');
    assert.equal(decision.outcome, 'deny');
    assert.deepEqual(rules(decision), ['error-budget', 'fast-burn', 'slow-burn']);
    const fast = sloOf(decision)['fast_burn_rate'] as number;
    assert.ok(Math.abs(fast - 50) < 2, `fast burn ${fast}, expected about 50 (5% errors / 0.1% budget)`);
    assert.equal(sloOf(decision)['error_budget_remaining'], 0);
    assert.match(res.stdout, /✖ fast-burn: fast burn rate [\d.]+ is above the limit of 14\.4/);
  });

  it('denies when a query answers nothing (fail closed), naming the query', async () => {
    writeFileSync(join(dir, 'runway.yaml'), GATE('nobody', source('nobody', address)));
    const res = await runway(['run'], { cwd: dir });
    assert.equal(res.code, 1, res.stdout + res.stderr);
    const decision = await lastDecision('nobody');
    assert.equal(decision.outcome, 'deny');
    assert.ok(rules(decision).includes('slo-source'), rules(decision).join(', '));
    assert.match(
      String(
        (decision.decision['violations'] as { rule: string; message: string }[]).find(
          (v) => v.rule === 'slo-source',
        )?.message,
      ),
      /^the SLO could not be read: Prometheus at http:\/\/127\.0\.0\.1:\d+ did not answer: budget-remaining \(slo:error_budget_remaining:ratio\{service="nobody"\}\): /,
    );
  });

  it('is checked when the file is loaded: objective and source together, a missing query', async () => {
    writeFileSync(
      join(dir, 'runway.yaml'),
      GATE('web', source('web', address).replace('  slo:\n', '  slo:\n    objective: 99.9\n')),
    );
    const both = await runway(['validate'], { cwd: dir });
    assert.equal(both.code, 2, both.stdout + both.stderr);
    assert.match(both.stderr, /runway\.yaml:6:5: service\.slo has both objective and source/);
    writeFileSync(
      join(dir, 'runway.yaml'),
      GATE('web', source('web', address).replace(/\n {8}burn-slow: .*/, '')),
    );
    const missing = await runway(['validate'], { cwd: dir });
    assert.equal(missing.code, 2, missing.stdout + missing.stderr);
    assert.match(missing.stderr, /burn-slow/);
  });
});
