/*
 * Recorded Alertmanager webhooks through the real control plane (`runway serve`): a firing P1
 * alert opens an incident that blocks the release gate of `runway run`; the resolved notification
 * closes it and the gate allows again.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { alive, project, REPO, runDetail, runway, spawnRunway } from './helpers.ts';

const FIXTURES = join(REPO, 'test', 'fixtures', 'alertmanager');
const SEED_INPUT = readFileSync(join(REPO, 'test', 'fixtures', 'gate', 'seed-gate-input.json'), 'utf8');

/**
 * A recorded payload with the service label Runway maps alerts by. The recordings come from a
 * test setup whose alerts carry only `alertname` and `severity`; a real rule adds `service` (or
 * `job`) so Alertmanager can route it, and the endpoint takes the service from there.
 */
function payload(name: string, service: string): Record<string, unknown> {
  const body = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as {
    alerts: { labels: Record<string, string> }[];
    commonLabels: Record<string, string>;
  };
  for (const alert of body.alerts) alert.labels['service'] = service;
  body.commonLabels['service'] = service;
  return body;
}

// Tuesday 10:00 UTC is inside business hours and the seed input is clean, so only incidents decide
const PIPELINE = `version: 1
service: { name: checkout-api, tier: 1 }
stages:
  gate:
    steps:
      - id: release
        uses: gate/release
        with:
          environment: production
          window: business-hours
          at: '2026-11-24T10:00:00Z'
          in-flight: ignore
          input: ${SEED_INPUT.replace(/\s*\n\s*/g, ' ')}
`;

interface Incident {
  id: string;
  service: string;
  severity: string;
  title: string;
  source: string;
  resolvedAt?: string;
}

describe('Alertmanager webhooks through runway serve', { timeout: 30_000 }, () => {
  let dir: string;
  let serve: ChildProcess | undefined;
  let url: string;
  let token: string;

  const post = async (body: unknown, auth = true): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${url}/v1/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  };
  const incidents = async (all = false): Promise<Incident[]> => {
    const res = await runway(['incident', 'list', '--json', ...(all ? ['--all'] : [])], { cwd: dir });
    assert.equal(res.code, 0, res.stderr);
    return JSON.parse(res.stdout) as Incident[];
  };
  const run = () => runway(['run', '--message', 'feat: checkout', '--sha', 'abc123'], { cwd: dir });

  before(async () => {
    dir = project(PIPELINE);
    serve = spawnRunway(['serve'], { cwd: dir });
    serve.stdout?.resume();
    serve.stderr?.resume();
    const data = join(dir, '.runway', 'runway');
    for (let i = 0; i < 200; i++) {
      const info = join(data, 'server.json');
      if (existsSync(info)) {
        const server = JSON.parse(readFileSync(info, 'utf8')) as { pid: number; url: string };
        if (server.pid === serve.pid) {
          url = server.url;
          token = readFileSync(join(data, 'server.token'), 'utf8').trim();
          return;
        }
      }
      await sleep(50);
    }
    throw new Error('runway serve did not start');
  });

  after(async () => {
    await runway(['serve', 'stop'], { cwd: dir });
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
  });

  it('a firing P1 alert needs the token, then opens an incident', async () => {
    const firing = payload('alertmanager-bot-firing-compact.json', 'checkout-api');
    const anonymous = await post(firing, false);
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await incidents(), [], 'an unauthorized webhook changes nothing');

    const accepted = await post(firing);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.json));
    const { opened } = accepted.json as { opened: string[] };
    assert.equal(opened.length, 1);
    const open = await incidents();
    assert.deepEqual(
      open.map((i) => [i.id, i.service, i.severity, i.title, i.source]),
      [[opened[0], 'checkout-api', 'P1', 'Fire', 'alertmanager']],
    );
    const again = await post(firing);
    assert.deepEqual(
      (again.json as { opened: string[] }).opened,
      [],
      'a repeated notification opens nothing',
    );
  });

  it('the open P1 incident stops the release gate of a run', async () => {
    const res = await run();
    assert.equal(res.code, 1, res.stdout);
    const detail = await runDetail(dir, 1);
    const gate = detail.steps.find((s) => s.key === 'gate/release');
    assert.equal(gate?.status, 'failed');
    assert.match(gate?.reason ?? '', /^release gate denied: 1 active P1 incidents; the limit is 0/);
    assert.equal(detail.outputs['gate/release']?.['allowed'], 'false');
  });

  it('the resolved notification closes the incident and the gate allows again', async () => {
    const resolved = await post(payload('alertmanager-bot-resolved-compact.json', 'checkout-api'));
    assert.equal(resolved.status, 200, JSON.stringify(resolved.json));
    assert.equal((resolved.json as { resolved: string[] }).resolved.length, 1);
    assert.deepEqual(await incidents(), []);
    const [closed] = await incidents(true);
    assert.equal(closed?.resolvedAt, '2018-11-04T21:48:13.283Z', 'resolved at the alert’s endsAt');

    const res = await run();
    assert.equal(res.code, 0, res.stdout);
    const detail = await runDetail(dir, 2);
    assert.equal(detail.steps.find((s) => s.key === 'gate/release')?.status, 'succeeded');
    assert.equal(detail.outputs['gate/release']?.['strategy'], 'tier1-progressive');
  });

  it('a malformed payload is refused with 400 naming the field, and changes nothing', async () => {
    const teams = JSON.parse(readFileSync(join(FIXTURES, 'msteams-testdata-firing-minimal.json'), 'utf8'));
    const bad = await post(teams);
    assert.equal(bad.status, 400);
    const { error, issues } = bad.json as { error: string; issues: { field: string; message: string }[] };
    assert.equal(error, 'invalid Alertmanager payload');
    assert.ok(
      issues.some((i) => i.field === 'alerts[0].status'),
      JSON.stringify(issues),
    );

    const unlabelled = await post(
      JSON.parse(readFileSync(join(FIXTURES, 'alertmanager-bot-firing-compact.json'), 'utf8')),
    );
    assert.equal(unlabelled.status, 400, 'an alert must say which service it is about');
    assert.deepEqual(
      (unlabelled.json as { issues: { field: string }[] }).issues.map((i) => i.field),
      ['alerts[0].labels'],
    );
    assert.deepEqual(await incidents(), []);
  });
});
