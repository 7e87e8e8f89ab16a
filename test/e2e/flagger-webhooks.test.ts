/*
 * Flagger's webhooks answered by the real control plane (`runway serve`). The request body is
 * Flagger's documented payload (test/fixtures/flagger) with the metadata a Canary's webhook spec
 * carries; a response is read as Flagger reads it: 200–202 advances, anything else halts (for
 * `rollback`, 200 rolls back). Time is fixed per request with `?at=`, the replay clock.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { alive, project, REPO, runway, spawnRunway } from './helpers.ts';

const DOCS_PAYLOAD = JSON.parse(
  readFileSync(
    join(REPO, 'test', 'fixtures', 'flagger', 'webhook-payload-progressing.docs-example.json'),
    'utf8',
  ),
) as { name: string; namespace: string; phase: string; checksum: string; metadata: Record<string, string> };

// Berlin business hours from runway.yaml; the seed's calendar
const PIPELINE = `version: 1
service: { name: podinfo, tier: 1 }
roles:
  product-owner: [Pat Owner <po@example.com>]
windows:
  prod:
    timezone: Europe/Berlin
    deny: [{ days: sat-sun, reason: weekend }]
    allow: [{ days: mon-fri, hours: '09:00-16:00', reason: outside hours }]
stages:
  noop: { steps: [{ run: 'true' }] }
`;
const SATURDAY = '2026-11-21T10:00:00Z';
const TUESDAY = '2026-11-24T10:00:00Z';

interface Reply {
  status: number;
  body: { decision?: string; reasons?: string[]; error?: string; issues?: { field: string }[] };
}

describe('Flagger webhooks through runway serve', { timeout: 60_000 }, () => {
  let dir: string;
  let serve: ChildProcess | undefined;
  let url: string;
  let token: string;

  /** Calls a hook as Flagger does: POST, JSON, no headers but the content type. */
  const hook = async (
    type: string,
    at: string,
    metadata: Record<string, string> = {},
    checksum = DOCS_PAYLOAD.checksum,
  ): Promise<Reply> => {
    const body = {
      ...DOCS_PAYLOAD,
      checksum,
      metadata: { token, window: 'prod', roles: 'product-owner', ...metadata },
    };
    const res = await fetch(`${url}/v1/flagger/${type}?at=${at}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Reply['body'] };
  };

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

  it('needs the token (in the metadata, as Flagger cannot send headers)', async () => {
    const wrong = await hook('confirm-rollout', TUESDAY, { token: 'not-the-token' });
    assert.equal(wrong.status, 401);
    const bearer = await fetch(`${url}/v1/flagger/confirm-rollout?at=${TUESDAY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ...DOCS_PAYLOAD, metadata: { window: 'prod' } }),
    });
    assert.equal(bearer.status, 200);
  });

  it('confirm-rollout waits outside the deployment window and goes inside it', async () => {
    const weekend = await hook('confirm-rollout', SATURDAY);
    assert.equal(weekend.status, 403);
    assert.equal(weekend.body.decision, 'wait');
    assert.deepEqual(weekend.body.reasons, [
      'outside deployment window prod: weekend, opens 2026-11-23T08:00:00.000Z',
    ]);
    const tuesday = await hook('confirm-rollout', TUESDAY);
    assert.deepEqual([tuesday.status, tuesday.body.decision, tuesday.body.reasons], [200, 'go', []]);
    assert.equal((await hook('confirm-traffic-increase', SATURDAY)).status, 403);
    assert.equal((await hook('confirm-traffic-increase', TUESDAY)).status, 200);
  });

  it('a P1 incident halts the canary and makes the rollback hook roll it back', async () => {
    const opened = await runway(
      ['incident', 'open', '--service', 'podinfo', '--severity', 'P1', '--title', '5xx spike', '--json'],
      { cwd: dir },
    );
    assert.equal(opened.code, 0, opened.stderr);
    const id = (JSON.parse(opened.stdout) as { id: string }).id;
    const start = await hook('confirm-rollout', TUESDAY);
    assert.deepEqual([start.status, start.body.reasons], [403, [`P1 incident open: ${id} (5xx spike)`]]);
    assert.equal((await hook('rollout', TUESDAY)).status, 403, 'the rollout hook fails a check');
    const rollback = await hook('rollback', TUESDAY);
    assert.deepEqual([rollback.status, rollback.body.decision], [200, 'rollback']);

    assert.equal((await runway(['incident', 'resolve', id], { cwd: dir })).code, 0);
    assert.equal((await hook('confirm-rollout', TUESDAY)).status, 200);
    const calm = await hook('rollback', TUESDAY);
    assert.deepEqual([calm.status, calm.body.decision], [403, 'continue']);
  });

  it('confirm-promotion waits for an approval given with runway approve, by someone in the role', async () => {
    const waiting = await hook('confirm-promotion', TUESDAY);
    assert.equal(waiting.status, 403);
    assert.deepEqual(waiting.body.reasons, [
      'waiting for approval (0 of 1): runway approve flagger/test/podinfo',
    ]);

    const outsider = await runway(['approve', 'flagger/test/podinfo', '--as', 'dev@example.com'], {
      cwd: dir,
    });
    assert.equal(outsider.code, 4);
    assert.match(outsider.stderr, /dev@example.com does not hold a role that may approve \(product-owner\)/);
    assert.equal((await hook('confirm-promotion', TUESDAY)).status, 403);

    const owner = await runway(['approve', 'flagger/test/podinfo', '--as', 'po@example.com'], { cwd: dir });
    assert.equal(owner.code, 0, owner.stderr);
    assert.match(owner.stdout, /po@example.com approved flagger\/test\/podinfo \(revision 85d557f47b\)/);
    const promoted = await hook('confirm-promotion', TUESDAY);
    assert.deepEqual([promoted.status, promoted.body.decision], [200, 'go']);
    assert.equal(
      (await hook('confirm-promotion', SATURDAY)).status,
      403,
      'an approval does not open the window',
    );

    // a new revision of the canary needs its own approval
    assert.equal((await hook('confirm-promotion', TUESDAY, {}, 'f00dfeed01')).status, 403);
  });

  it('a rejection rolls the canary back', async () => {
    const res = await runway(
      ['reject', 'flagger/test/podinfo', '--as', 'po@example.com', '--comment', 'UAT failed'],
      { cwd: dir },
    );
    assert.equal(res.code, 0, res.stderr);
    const rollback = await hook('rollback', TUESDAY, {}, 'f00dfeed01');
    assert.deepEqual(
      [rollback.status, rollback.body.reasons],
      [200, ['rejected by po@example.com: UAT failed']],
    );
  });

  it('with release-gate, confirm-rollout waits for the release gate to allow', async () => {
    const gated = { 'release-gate': 'production' };
    const none = await hook('confirm-rollout', TUESDAY, gated);
    assert.deepEqual(
      [none.status, none.body.reasons],
      [403, ['no release gate decision for production yet']],
    );

    const input = JSON.parse(
      readFileSync(join(REPO, 'test', 'fixtures', 'gate', 'seed-gate-input.json'), 'utf8'),
    ) as {
      gates: { security: { critical_cves: number } };
    };
    const evaluate = async (critical: number) => {
      input.gates.security.critical_cves = critical;
      writeFileSync(join(dir, 'gate-input.json'), JSON.stringify(input));
      return runway(
        [
          ...[
            'gate',
            'evaluate',
            '--env',
            'production',
            '--service',
            'podinfo',
            '--input',
            'gate-input.json',
          ],
          ...['--window', 'prod', '--at', TUESDAY],
        ],
        { cwd: dir },
      );
    };
    assert.equal((await evaluate(2)).code, 1);
    const denied = await hook('confirm-rollout', TUESDAY, gated);
    assert.equal(denied.status, 403);
    assert.match(denied.body.reasons?.[0] ?? '', /^release gate for production deny at .*critical-cves: /);

    const allowed = await evaluate(0);
    assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
    assert.equal((await hook('confirm-rollout', TUESDAY, gated)).status, 200);
  });

  it('events become records; a bad payload is refused with the fields', async () => {
    const event = await hook('event', TUESDAY, {
      eventMessage: 'Advance podinfo.test canary weight 10',
      eventType: 'Normal',
      timestamp: String(Date.parse('2026-11-24T10:01:00Z')),
    });
    assert.equal(event.status, 202);
    const res = await fetch(`${url}/v1/flagger/events?service=podinfo`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { events } = (await res.json()) as { events: Record<string, string>[] };
    assert.deepEqual(events[0], {
      source: 'flagger',
      namespace: 'test',
      name: 'podinfo',
      service: 'podinfo',
      phase: 'Progressing',
      revision: '85d557f47b',
      type: 'Normal',
      message: 'Advance podinfo.test canary weight 10',
      at: '2026-11-24T10:01:00.000Z',
    });

    const bad = await fetch(`${url}/v1/flagger/confirm-rollout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: 'test', phase: 1, metadata: { token } }),
    });
    const body = (await bad.json()) as Reply['body'];
    assert.equal(bad.status, 400);
    assert.deepEqual(
      body.issues?.map((i) => i.field),
      ['name', 'phase'],
    );
    const unknown = await hook('confirm-rollout', TUESDAY, { window: 'sometimes' });
    assert.equal(unknown.status, 400);
    assert.match(
      unknown.body.error ?? '',
      /unknown window "sometimes" in metadata.window — expected one of: .*prod/,
    );
  });
});
