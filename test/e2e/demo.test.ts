import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lockDemoPorts, REPO, runway } from './helpers.ts';

interface Line {
  type: string;
  runId?: number;
  data?: Record<string, unknown>;
  [key: string]: unknown;
}

test(
  'the demo takes a good change to 100% of production and rolls a faulty one back on its own',
  { timeout: 240_000 },
  async (t) => {
    t.after(await lockDemoPorts()); // the demo's fixed ports, one test file at a time
    const res = await runway(['demo', '--json'], { cwd: REPO });
    assert.equal(res.code, 0, res.stdout.slice(-4000) + res.stderr);
    const lines = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const runs = [...new Set(lines.filter((e) => e.type === 'run.started').map((e) => e.runId))];
    assert.equal(runs.length, 2, 'two pipeline runs');
    const stages = (runId: number | undefined) =>
      Object.fromEntries(
        lines
          .filter((e) => e.type === 'stage.finished' && e.runId === runId)
          .map((e) => [e.data?.['stage'], e.data?.['status']]),
      );
    assert.deepEqual(stages(runs[0]), {
      commit: 'succeeded',
      build: 'succeeded',
      unit: 'succeeded',
      integration: 'succeeded',
      'golden-path': 'succeeded',
      e2e: 'skipped',
      security: 'succeeded',
      staging: 'succeeded',
      'release-gate': 'succeeded',
      canary: 'succeeded',
    });
    assert.equal(stages(runs[1])['canary'], 'failed', 'the faulty version fails its canary');
    // what the banner and the README promise: on a fresh store the error budget is unknown, so the
    // release gate picks the slow canary
    const logOf = (runId: number | undefined, prefix: string) =>
      lines
        .filter(
          (e) => e.type === 'step.output' && e.runId === runId && String(e.data?.['step']).startsWith(prefix),
        )
        .map((e) => String(e.data?.['text'] ?? ''))
        .join('');
    assert.match(logOf(runs[0], 'release-gate/'), /strategy slow/);
    const weights = [...logOf(runs[0], 'canary/').matchAll(/weight-set: (\d+)% of traffic/g)].map((m) =>
      Number(m[1]),
    );
    assert.deepEqual(weights, [1, 5, 10, 25, 50, 100]);

    const results = lines.filter((e) => e.type === 'demo.result');
    const first = results.find((r) => r['n'] === 1);
    const second = results.find((r) => r['n'] === 2);
    assert.match(String(first?.['stable']), /-r\d+$/, 'the new version is stable in production');
    assert.equal(second?.['rolledBack'], true);
    assert.match(String(second?.['reason']), /analysis .* failed/);
    assert.equal(second?.['stable'], first?.['stable'], 'the good version serves again');

    // production traffic flowed through both runs without a failure the rehearsal did not inject
    const traffic = lines.find((e) => e.type === 'demo.traffic') as unknown as {
      byCode: Record<string, number>;
    };
    const failures = Object.entries(traffic.byCode).filter(([code]) => code !== '200' && code !== '500');
    assert.deepEqual(failures, []);

    const detail = await runway(
      ['runs', String(runs[0]), '--json', '--store', `${REPO}/examples/.runway/runway.db`],
      {
        cwd: REPO,
      },
    );
    const run = JSON.parse(detail.stdout) as {
      evidence: { key: string; value: unknown }[];
      outputs: Record<string, Record<string, string>>;
    };
    const evidence = Object.fromEntries(run.evidence.map((e) => [e.key, e.value]));
    assert.equal(evidence['golden_path'], 'pass');
    assert.equal(evidence['tests.failed'], 0);
    assert.equal(evidence['rollout.phase'], 'completed');
    // the supply-chain evidence the release gate read
    assert.equal(evidence['secrets.found'], 0);
    assert.equal(evidence['licenses.denied'], 0);
    assert.equal(evidence['attest.signed'], true);
    assert.equal(evidence['gate.allowed'], true);
    assert.ok(Number(evidence['coverage.lines']) >= 70, `coverage ${evidence['coverage.lines']}`);
    assert.match(run.outputs['build/bundle']?.['digest'] ?? '', /^sha256:[0-9a-f]{64}$/);

    // no notification endpoint configured: offline and quiet, nothing sent and nothing logged
    assert.doesNotMatch(res.stderr, /notification/);
    const deliveries = await runway(
      ['notifications', '--json', '--store', `${REPO}/examples/.runway/runway.db`],
      { cwd: REPO },
    );
    assert.equal(deliveries.code, 0, deliveries.stderr);
    assert.deepEqual(JSON.parse(deliveries.stdout), []);
  },
);

test(
  'on a Saturday the release gate refuses production; an audited override lets it through',
  { timeout: 300_000 },
  async (t) => {
    t.after(await lockDemoPorts()); // the demo's fixed ports, one test file at a time
    const saturday = '2026-11-28T11:00:00Z';
    const refused = await runway(['demo', '--json', '--at', saturday], { cwd: REPO });
    assert.equal(refused.code, 1, refused.stdout.slice(-3000) + refused.stderr);
    const lines = refused.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const result = lines.find((e) => e.type === 'demo.result');
    assert.match(String(result?.['gate']), /outside deployment window: weekend/);
    assert.match(String(result?.['gate']), /window opens 2026-11-30T09:00:00\.000Z/);
    assert.equal(lines.filter((e) => e.type === 'run.started').length, 1, 'no second run after a refusal');

    const grant = await runway(
      [
        'override',
        'grant',
        '-f',
        'examples/runway.yaml',
        '--service',
        'checkout-api',
        '--env',
        'production',
        '--rules',
        'window,in-flight',
        '--reason',
        'hotfix for the Saturday checkout outage',
        '--from',
        '2026-11-28T10:30:00Z',
        '--expires',
        '2h',
        '--as',
        'demo@runway.invalid',
        '--json',
      ],
      { cwd: REPO },
    );
    assert.equal(grant.code, 0, grant.stderr);
    const override = JSON.parse(grant.stdout) as { id: number };
    try {
      const allowed = await runway(['demo', '--json', '--at', saturday], { cwd: REPO });
      assert.equal(allowed.code, 0, allowed.stdout.slice(-3000) + allowed.stderr);
      const out = allowed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Line);
      const gateLog = out
        .filter((e) => e.type === 'step.output' && String(e.data?.['step']).startsWith('release-gate/'))
        .map((e) => String(e.data?.['text'] ?? e.data?.['line'] ?? ''))
        .join('');
      assert.match(
        gateLog,
        new RegExp(
          `override ${override.id} by demo@runway\\.invalid \\(hotfix for the Saturday checkout outage`,
        ),
      );
      assert.match(gateLog, /waived: .*window/);
      assert.match(gateLog, /decision \d+: allow/);
    } finally {
      await runway(['override', 'revoke', String(override.id), '-f', 'examples/runway.yaml'], { cwd: REPO });
    }
  },
);

test(
  'a production port taken by another program stops the demo with one clear line and leaves nothing running',
  { timeout: 120_000 },
  async (t) => {
    t.after(await lockDemoPorts()); // the demo's fixed ports, one test file at a time
    const { createServer } = await import('node:net');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const port = Number(
      /port: (\d+), replicas/.exec(readFileSync(join(REPO, 'examples', 'runway.yaml'), 'utf8'))?.[1],
    );
    const squatter = createServer();
    await new Promise<void>((resolve, reject) =>
      squatter.once('error', reject).listen(port, '127.0.0.1', resolve),
    );
    const store = join(mkdtempSync(join(tmpdir(), 'runway-demo-port-')), 'runway.db');
    try {
      const res = await runway(['demo', '--store', store], { cwd: REPO });
      assert.equal(res.code, 2, res.stdout + res.stderr);
      assert.doesNotMatch(res.stderr, /internal error|This is a bug|\bat .*\.ts:\d+/);
      assert.match(res.stderr, new RegExp(`port ${port} is already in use`));
      assert.match(res.stderr, /environments\.production\.target\.port/);
      const status = await runway(['serve', 'status', '--store', store], { cwd: REPO });
      assert.notEqual(status.code, 0, `no control plane left running: ${status.stdout}`);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  },
);

/** Every key path of a value, array indexes dropped and block types kept: a Slack payload's shape. */
function shape(value: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(value)) for (const v of value) for (const p of shape(v, `${prefix}[]`)) out.add(p);
  else if (value && typeof value === 'object') {
    const type = (value as { type?: unknown }).type;
    const at = typeof type === 'string' ? `${prefix}<${type}>` : prefix;
    for (const [k, v] of Object.entries(value)) {
      out.add(`${at}.${k}`);
      for (const p of shape(v, `${at}.${k}`)) out.add(p);
    }
  }
  return out;
}

test(
  "the demo's own runs tell Slack and a signed webhook, and Prometheus fires CanaryRollback on its rollback",
  { timeout: 300_000 },
  async (t) => {
    t.after(await lockDemoPorts()); // the demo's fixed ports, one test file at a time
    const { spawn, spawnSync } = await import('node:child_process');
    const { createHmac, timingSafeEqual } = await import('node:crypto');
    const { existsSync, mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { setTimeout: sleep } = await import('node:timers/promises');
    const { stringify } = await import('yaml');
    const { startReceiver } = await import('../../src/notify/receiver.fixture.ts');
    const { closedPort } = await import('../../src/agent/router/backends.fixture.ts');
    const PROMETHEUS = '/usr/bin/prometheus';
    const PROMTOOL = '/usr/bin/promtool';
    for (const tool of [PROMETHEUS, PROMTOOL])
      assert.ok(existsSync(tool), `${tool} is missing: install it with \`apt-get install -y prometheus\``);
    const fixture = JSON.parse(
      readFileSync(join(REPO, 'test', 'fixtures', 'slack', 'incoming-webhook-blocks-templated.json'), 'utf8'),
    ) as unknown;

    const work = mkdtempSync(join(tmpdir(), 'runway-demo-telling-'));
    const store = join(work, 'runway.db');
    const key = 'the demo shared secret';
    const slack = await startReceiver();
    const hook = await startReceiver();
    hook.answer(500, 500);
    const { spawnRunway } = await import('./helpers.ts');
    const demo = spawnRunway(['demo', '--json', '--keep-running', '--store', store], {
      cwd: REPO,
      env: {
        RUNWAY_DEMO_SLACK_WEBHOOK: `${slack.url}/services/T000/B000/XXXX`,
        RUNWAY_DEMO_WEBHOOK_URL: `${hook.url}/runway`,
        RUNWAY_DEMO_WEBHOOK_KEY: key,
      },
    });
    let prometheus: ReturnType<typeof spawn> | undefined;
    let scraping = false;
    let promUrl = '';
    let stdout = '';
    let stderr = '';
    demo.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    try {
      // a real Prometheus scrapes the demo's control plane from the moment it is up
      demo.stdout?.setEncoding('utf8').on('data', (c: string) => {
        stdout += c;
        const plane = /"type":"demo\.control-plane","url":"([^"]+)"/.exec(stdout);
        if (plane && !scraping) {
          scraping = true;
          void closedPort().then((port) => {
            promUrl = `http://127.0.0.1:${port}`;
            const config = join(work, 'prometheus.yml');
            writeFileSync(
              config,
              stringify({
                global: { scrape_interval: '1s', evaluation_interval: '1s' },
                scrape_configs: [
                  { job_name: 'runway', static_configs: [{ targets: [new URL(plane[1]!).host] }] },
                ],
              }),
            );
            prometheus = spawn(
              PROMETHEUS,
              [
                `--config.file=${config}`,
                `--storage.tsdb.path=${join(work, 'prometheus-data')}`,
                `--web.listen-address=127.0.0.1:${port}`,
                '--log.level=warn',
              ],
              { stdio: 'ignore' },
            );
          });
        }
      });
      const code = await new Promise<number | null>((resolve) => demo.on('close', resolve));
      assert.equal(code, 0, stdout.slice(-3000) + stderr);
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Line);
      const runs = [...new Set(lines.filter((e) => e.type === 'run.started').map((e) => e.runId))];
      assert.equal(runs.length, 2);
      const second = lines.find((e) => e.type === 'demo.result' && e['n'] === 2);
      assert.equal(second?.['rolledBack'], true);

      // Slack: started, then succeeded with its duration; the rollback with its reason; Slack's shape
      for (let i = 0; i < 50 && !slack.received.some((r) => r.body.includes(':rewind:')); i++)
        await sleep(100);
      const texts = slack.received.map((r) => {
        const body = JSON.parse(r.body) as { text: string; blocks: { text: { text: string } }[] };
        return [body.text, ...body.blocks.map((b) => b.text.text)].join('\n');
      });
      assert.ok(slack.received.every((r) => r.path === '/services/T000/B000/XXXX'));
      for (const r of slack.received) {
        const foreign = [...shape(JSON.parse(r.body))].filter((p) => !shape(fixture).has(p));
        assert.deepEqual(foreign, [], 'only the keys and block types of Slack’s own example');
      }
      assert.ok(
        texts.some((t) => t.includes(`checkout-api: run #${runs[0]} started`)),
        texts.join('\n---\n'),
      );
      const done = texts.find((t) => new RegExp(`run #${runs[0]} succeeded in \\d`).test(t));
      assert.ok(done, texts.join('\n---\n'));
      assert.match(done, /\*duration\* \d/);
      assert.match(done, /\*started\* \d{4}-\d{2}-\d{2}T/);
      const rolledBack = texts.find((t) => t.includes(':rewind:'));
      assert.ok(rolledBack, texts.join('\n---\n'));
      assert.match(rolledBack, /\*environment\* production/);
      assert.match(rolledBack, /reason: .*analysis/);
      assert.ok(texts.some((t) => new RegExp(`run #${runs[1]} failed in`).test(t)));

      // the webhook: two 500s, then the same signed body delivered on the third try
      const first = hook.received.filter(
        (r) => (JSON.parse(r.body) as { event: string }).event === 'run.succeeded',
      );
      assert.equal(first.length, 3, 'two 500s, then delivered');
      assert.equal(new Set(first.map((r) => r.body)).size, 1);
      for (const r of hook.received) {
        const want = Buffer.from(`sha256=${createHmac('sha256', key).update(r.body).digest('hex')}`);
        const got = Buffer.from(String(r.headers['x-runway-signature-256']));
        assert.ok(got.length === want.length && timingSafeEqual(got, want), 'the signature checks out');
      }
      const events = hook.received.slice(3).map((r) => (JSON.parse(r.body) as { event: string }).event);
      assert.deepEqual(events.sort(), ['rollout.rolled-back', 'run.failed']);
      assert.ok(!slack.received.some((r) => r.body.includes(key)), 'no secret reaches Slack');

      // Prometheus saw the demo's canary_rollbacks_total go from 0 to 1; promtool fires CanaryRollback
      const series = 'canary_rollbacks_total{service="checkout-api"}';
      const scraped = async (): Promise<string | undefined> => {
        const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(series)}`).catch(
          () => undefined,
        );
        const body = (await res?.json()) as { data: { result: { value: [number, string] }[] } } | undefined;
        return body?.data.result[0]?.value[1];
      };
      for (let i = 0; i < 100 && (await scraped()) !== '1'; i++) await sleep(200);
      assert.equal(await scraped(), '1');
      const end = Date.now() / 1000;
      const range = await fetch(
        `${promUrl}/api/v1/query_range?query=${encodeURIComponent(series)}&start=${end - 280}&end=${end}&step=1`,
      );
      const result = (
        (await range.json()) as {
          data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
        }
      ).data.result[0]!;
      const values = result.values.map(([, v]) => v);
      assert.ok(values.includes('0') && values.at(-1) === '1', values.join(' '));
      const rules = await runway(['alerts'], { cwd: REPO });
      assert.equal(rules.code, 0, rules.stderr);
      writeFileSync(join(work, 'rules.yml'), rules.stdout);
      const check = spawnSync(PROMTOOL, ['check', 'rules', join(work, 'rules.yml')], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      const { __name__: name, ...labels } = result.metric;
      const selector = `${name}{${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',')}}`;
      writeFileSync(
        join(work, 'rules.test.yml'),
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
                        description:
                          'See `runway rollout status checkout-api --env production` for the reason',
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
      const tested = spawnSync(PROMTOOL, ['test', 'rules', 'rules.test.yml'], {
        cwd: work,
        encoding: 'utf8',
      });
      assert.equal(tested.status, 0, tested.stdout + tested.stderr);
      assert.match(tested.stdout, /SUCCESS/);
    } finally {
      if (prometheus?.exitCode === null) prometheus.kill('SIGKILL');
      if (demo.exitCode === null) demo.kill('SIGTERM');
      await runway(['serve', 'stop', '--store', store], { cwd: REPO });
      await slack.close();
      await hook.close();
    }
  },
);
