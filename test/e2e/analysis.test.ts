/*
 * `runway analysis run|replay|test` through the command's run(args, io), on the fixtures in
 * test/fixtures/analysis (recordings of a real Prometheus, authored incidents, table tests).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/commands/analysis.ts';
import { UsageError } from '../../src/cli/errors.ts';
import type { Io } from '../../src/cli/io.ts';
import { ConfigError } from '../../src/config/errors.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/analysis/', import.meta.url));

function captureIo(cwd = FIXTURES, env: NodeJS.ProcessEnv = {}): Io & { stdout(): string } {
  let out = '';
  return {
    out: (t) => void (out += t),
    err: () => {},
    tty: false,
    color: false,
    columns: 100,
    env,
    cwd,
    stdout: () => out,
  };
}

async function cli(args: string[], cwd = FIXTURES): Promise<{ code: number; out: string }> {
  const io = captureIo(cwd);
  const code = await run(args, io);
  return { code, out: io.stdout() };
}

describe('runway analysis replay', () => {
  it('replays last week’s incident through a template: the timeline, then the verdict; exit 1', async () => {
    const { code, out } = await cli(['replay', 'slo-burn-10m', '--series', 'incident-2026-03-02.json']);
    assert.equal(code, 1);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines[0], 'slo-burn-10m replayed over 2026-03-02T10:00:00.000Z … 2026-03-02T10:14:00.000Z');
    assert.equal(
      lines[1],
      '  +0s      2026-03-02T10:00:00.000Z  error-rate   successful    0.004  result < 0.02 holds for 0.004',
    );
    assert.equal(
      lines.at(-2),
      '  +6m00s   2026-03-02T10:06:00.000Z  error-rate   failed        0.021  result < 0.02 is false for 0.021',
    );
    assert.equal(
      lines.at(-1),
      '✖ failed at 2026-03-02T10:06:00.000Z (6m00s in): error-rate failed: 1 failed measurement exceeds failureLimit 0 (last: result < 0.02 is false for 0.021)',
    );
    assert.equal(lines.length, 15);
  });

  it('a recorded Prometheus range query (captured from a real server) replays too, and --json gives the whole result', async () => {
    const { code, out } = await cli([
      'replay',
      'canary-slo',
      '--series',
      'canary-5pct-errors.query_range.json',
      '--arg',
      'canary.version=1.5.0',
      '--json',
    ]);
    assert.equal(code, 1);
    const result = JSON.parse(out) as {
      phase: string;
      decidedAt: string;
      timeline: { metric: string; phase: string }[];
      explanation: { metrics: { query: string }[] };
    };
    assert.equal(result.phase, 'failed');
    assert.deepEqual(
      result.timeline.filter((e) => e.metric === 'error-rate').map((e) => e.phase),
      [...Array(5).fill('successful'), 'inconclusive', 'inconclusive', 'failed'],
    );
    assert.match(result.explanation.metrics[0]?.query ?? '', /version="1\.5\.0"/);
  });

  it('the seed’s template looks once and passes the same incident: exit 0', async () => {
    const { code, out } = await cli(['replay', 'slo-burn-check', '--series', 'incident-2026-03-02.json']);
    assert.equal(code, 0);
    assert.match(
      out,
      /✔ successful at 2026-03-02T10:00:00.000Z \(0s in\): all 2 counted metrics successful\n$/,
    );
  });

  it('the same replay twice gives the same output', async () => {
    const args = ['replay', 'canary-slo', '--series', 'canary-5pct-errors.query_range.json', '--json'];
    assert.equal((await cli(args)).out, (await cli(args)).out);
  });
});

describe('runway analysis test', () => {
  it('runs every case file under analysis-tests/ beside runway.yaml by default; exit 0 when all hold', async () => {
    const { code, out } = await cli(['test']);
    assert.equal(code, 0);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 9);
    assert.equal(
      lines[0],
      '✔ analysis-tests/canary.test.yaml#1 the recorded canary that went to 5% errors is caught (canary-slo): failed at 2026-11-22T01:37:07.000Z',
    );
    assert.equal(lines.at(-1), '8 passed, 0 failed');
  });

  it('exits 1 when a case does not get its expected verdict, and says what it got and why', async () => {
    const { code, out } = await cli(['test', 'failing-tests']);
    assert.equal(code, 1);
    assert.equal(
      out,
      '✖ failing-tests/wrong.test.yaml#1 the incident would pass (it does not) (slo-burn-10m): expected successful, got failed\n' +
        '    error-rate failed: 1 failed measurement exceeds failureLimit 0 (last: result < 0.02 is false for 0.021)\n' +
        '✔ failing-tests/wrong.test.yaml#2 the incident fails (slo-burn-10m): failed at 2026-03-02T10:06:00.000Z\n' +
        '1 passed, 1 failed\n',
    );
  });

  it('--json lists every case', async () => {
    const { code, out } = await cli(['test', 'analysis-tests/seed.test.json', '--json']);
    assert.equal(code, 0);
    const body = JSON.parse(out) as {
      passed: number;
      failed: number;
      cases: { actual: string; passed: boolean }[];
    };
    assert.deepEqual(
      [body.passed, body.failed, body.cases.map((c) => c.actual)],
      [2, 0, ['failed', 'successful']],
    );
  });
});

describe('runway analysis run', () => {
  let server: Server;
  let status = 200;
  let host: string;

  before(async () => {
    server = createServer((_req, res) => res.writeHead(status).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('measures a template now and prints each measurement and the verdict: exit 0 when healthy', async () => {
    status = 200;
    const { code, out } = await cli(['run', 'health', '--arg', `host=${host}`]);
    assert.equal(code, 0);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines[0], `health: health-endpoint (service=checkout-api host=${host})`);
    assert.match(
      lines[1] ?? '',
      /^ {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}health-endpoint {2}successful {4}200 {2}result == 200 holds for 200$/,
    );
    assert.equal(lines[2], '✔ successful all 1 counted metrics successful');
  });

  it('exit 1 when the check fails; --json gives the run’s explanation', async () => {
    status = 503;
    const { code, out } = await cli(['run', 'health', '--arg', `host=${host}`, '--json']);
    assert.equal(code, 1);
    const body = JSON.parse(out) as {
      template: string;
      phase: string;
      message: string;
      metrics: { query: string }[];
    };
    assert.equal(body.template, 'health');
    assert.equal(body.phase, 'failed');
    assert.equal(
      body.message,
      'health-endpoint failed: 1 failed measurement exceeds failureLimit 0 (last: result == 200 is false for 503)',
    );
    assert.equal(body.metrics[0]?.query, `GET http://${host}/health`);
  });
});

describe('runway analysis usage errors (exit 2)', () => {
  const usage = async (args: string[], message: RegExp, cwd = FIXTURES) =>
    assert.rejects(run(args, captureIo(cwd)), (err: unknown) => {
      assert.ok(err instanceof UsageError, String(err));
      assert.match(err.message, message);
      return true;
    });

  it('names what is wrong with the command line', async () => {
    await usage([], /^a subcommand is needed — expected one of: run, replay, test/);
    await usage(['rerun'], /^unknown subcommand "rerun"/);
    await usage(
      ['replay', 'slo-burn'],
      /^unknown template "slo-burn" — expected one of: slo-burn-check, slo-burn-10m/,
    );
    await usage(['replay'], /^a template name is needed/);
    await usage(['replay', 'slo-burn-10m'], /^--series FILE is required/);
    await usage(
      ['replay', 'slo-burn-10m', '--series', 'x.json', '--arg', 'service'],
      /^--arg expects NAME=VALUE, got "service"/,
    );
    await usage(
      ['replay', 'slo-burn-10m', '--series', 'nowhere.json'],
      /^--series: cannot read nowhere.json/,
    );
    await usage(['test', 'nowhere'], /nowhere: no such file or directory/);
    await usage(['test', '--arg', 'a=b'], /takes its series and args from the case files/);
  });

  it('a template that needs Prometheus, a declared argument or the data plane cannot run without them', async () => {
    await usage(['run', 'slo-burn-10m'], /queries Prometheus without an address: pass --prometheus URL/);
    await usage(['run', 'health'], /argument "host" has no value.*\(pass it with --arg NAME=VALUE\)$/);
    await usage(['run', 'canary-builtin'], /the builtin provider reads the data plane router/);
  });

  it('a series file or case file with mistakes is refused with every problem named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runway-analysis-e2e-'));
    try {
      cpSync(join(FIXTURES, 'runway.yaml'), join(dir, 'runway.yaml'));
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ 'error-rate': [{ at: 'monday', value: 1 }] }));
      await usage(
        ['replay', 'slo-burn-10m', '--series', 'bad.json'],
        /^bad\.json: error-rate\[0\]\.at: expected an ISO 8601 time/,
        dir,
      );
      writeFileSync(join(dir, 'only.json'), JSON.stringify({ 'error-rate': [{ at: 0, value: 1 }] }));
      await usage(
        ['replay', 'slo-burn-10m', '--series', 'only.json'],
        /^no recorded series for latency-p95 of template "slo-burn-10m" \(recorded: error-rate\)$/,
        dir,
      );
      writeFileSync(
        join(dir, 'x.test.yaml'),
        '- { template: slo-burn-10m, series: bad.json, expect: failed }\n',
      );
      await usage(['test', 'x.test.yaml'], /^bad\.json: error-rate\[0\]\.at/, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an invalid runway.yaml is a config error with file positions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runway-analysis-e2e-'));
    try {
      writeFileSync(
        join(dir, 'runway.yaml'),
        'version: 1\nanalysis:\n  t:\n    metrics:\n      - { name: m, provider: { prometheus: { query: q } }, success: "result <" }\nstages:\n  noop: { steps: [{ run: "true" }] }\n',
      );
      await assert.rejects(run(['replay', 't', '--series', 'x.json'], captureIo(dir)), ConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
