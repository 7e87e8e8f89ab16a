import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { project, runway, spawnRunway } from './helpers.ts';
import { ProcessRunStarter } from '../../src/triggers/run-starter.ts';
import { Scheduler } from '../../src/triggers/scheduler.ts';

// recorded GitHub deliveries (octokit/webhooks payload examples) and their recorded signatures
const FIXTURES = new URL('../fixtures/github/', import.meta.url);
const raw = (name: string) => readFileSync(new URL(name, FIXTURES));
const vectors = (
  JSON.parse(raw('x-hub-signature-256-vectors.json').toString('utf8')) as {
    vectors: { payload_file?: string; secret: string; x_hub_signature_256: string }[];
  }
).vectors;
const SECRET = 'fixture-webhook-secret';
const recordedSignature = (file: string) => vectors.find((v) => v.payload_file === file)!.x_hub_signature_256;
const sign = (body: Buffer) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

const PIPELINE = `
version: 1
on:
  push: { branches: [main] }
  pull_request: { types: [opened, synchronize, labeled] }
  schedule:
    - { cron: '0 2 * * *', timezone: Europe/Berlin }
stages:
  test:
    steps: [{ run: echo unit }]
  e2e:
    needs: [test]
    if: "'e2e' in labels || ref == 'refs/heads/main'"
    steps: [{ run: echo e2e }]
`;

interface RunJson {
  id: number;
  status: string;
  context: { trigger: string; ref: string; sha: string; labels?: string[]; pullRequest?: number };
  stages: { name: string; status: string }[];
}

describe('GitHub webhooks start the pipeline in runway serve', { timeout: 120_000 }, () => {
  let dir = '';
  let serve: ChildProcess | undefined;
  let url = '';
  let logs = '';

  /** Starts `runway serve` in the project and waits for its URL. */
  const startServe = async () => {
    url = '';
    serve = spawnRunway(['serve'], { cwd: dir, env: { RUNWAY_WEBHOOK_SECRET: SECRET } });
    serve.stdout?.setEncoding('utf8').on('data', (c: string) => (logs += c));
    serve.stderr?.setEncoding('utf8').on('data', (c: string) => (logs += c));
    const info = join(dir, '.runway', 'runway', 'server.json');
    for (let i = 0; i < 300 && !url; i++) {
      if (existsSync(info)) {
        const server = JSON.parse(readFileSync(info, 'utf8')) as { pid: number; url: string };
        if (server.pid === serve.pid) url = server.url;
      }
      if (!url) await sleep(50);
    }
    if (!url) throw new Error(`runway serve did not start: ${logs}`);
  };

  before(async () => {
    dir = project(PIPELINE);
    await startServe();
  });

  after(async () => {
    await runway(['serve', 'stop'], { cwd: dir });
    serve?.kill('SIGKILL');
  });

  const deliver = async (
    event: string,
    body: Buffer,
    signature: string | undefined,
    delivery = `test-${Math.random()}`,
  ) => {
    const res = await fetch(`${url}/v1/github/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': delivery,
        ...(signature === undefined ? {} : { 'x-hub-signature-256': signature }),
      },
      body,
    });
    return {
      status: res.status,
      body: (await res.json()) as { started?: boolean; why?: string; error?: string },
    };
  };

  const runs = async (): Promise<RunJson[]> => {
    const r = await runway(['runs', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as RunJson[];
  };

  /** Waits for run number `n` to finish. */
  const finished = async (n: number): Promise<RunJson> => {
    for (let i = 0; i < 200; i++) {
      const run = (await runs()).find((r) => r.id === n);
      if (run && run.status !== 'running') return run;
      await sleep(150);
    }
    throw new Error(`run ${n} did not finish: ${logs}`);
  };

  it('the recorded push (to master) verifies with its recorded signature but matches no branch filter: nothing starts', async () => {
    const r = await deliver(
      'push',
      raw('push-new-branch-with-commit.json'),
      recordedSignature('push-new-branch-with-commit.json'),
    );
    assert.equal(r.status, 200, r.body.error);
    assert.deepEqual(
      [r.body.started, r.body.why],
      [false, 'branch master does not match on.push.branches (main)'],
    );
  });

  it('a push to main with a valid signature starts the pipeline, recorded with its trigger', async () => {
    const payload = JSON.parse(raw('push-new-branch-with-commit.json').toString('utf8')) as Record<
      string,
      unknown
    >;
    const body = Buffer.from(JSON.stringify({ ...payload, ref: 'refs/heads/main' }));
    const r = await deliver('push', body, sign(body), 'delivery-1');
    assert.equal(r.status, 202, r.body.error);
    const again = await deliver('push', body, sign(body), 'delivery-1');
    assert.deepEqual([again.status, again.body.why], [200, 'delivery delivery-1 was already handled']);
    const run = await finished(1);
    assert.equal(run.status, 'succeeded');
    assert.equal(run.context.trigger, 'push');
    assert.equal(run.context.ref, 'refs/heads/main');
    assert.equal(run.context.sha, '6113728f27ae82c7b1a177c8d03f9e96e0adf246');
    assert.equal(run.stages.find((s) => s.name === 'e2e')?.status, 'succeeded');
  });

  it('a bad or missing signature is 401 and starts nothing', async () => {
    const body = Buffer.from(
      raw('push-new-branch-with-commit.json')
        .toString('utf8')
        .replace('refs/heads/master', 'refs/heads/main'),
    );
    const altered = await deliver('push', body, recordedSignature('push-new-branch-with-commit.json'));
    assert.equal(altered.status, 401);
    assert.match(altered.body.error ?? '', /does not match the body/);
    const missing = await deliver('push', body, undefined);
    assert.equal(missing.status, 401);
    const wrongSecret = await deliver(
      'push',
      body,
      `sha256=${createHmac('sha256', 'guess').update(body).digest('hex')}`,
    );
    assert.equal(wrongSecret.status, 401);
    await sleep(1500);
    assert.equal((await runs()).length, 1, 'no run started');
    const audit = JSON.parse((await runway(['audit', '--json'], { cwd: dir })).stdout) as {
      entries: { tokenName: string; status: number }[];
    };
    assert.ok(audit.entries.filter((e) => e.tokenName === 'github-webhook' && e.status === 401).length >= 3);
  });

  it("a pull_request labelled e2e makes the seed's E2E condition true; without the label the stage is skipped", async () => {
    const recorded = raw('pull_request-opened.json');
    const r1 = await deliver('pull_request', recorded, recordedSignature('pull_request-opened.json'));
    assert.equal(r1.status, 202, r1.body.error);
    const plain = await finished(2);
    assert.deepEqual(plain.context.labels, ['bug']);
    assert.equal(plain.context.pullRequest, 2);
    assert.equal(plain.context.trigger, 'pull_request');
    assert.equal(plain.stages.find((s) => s.name === 'e2e')?.status, 'skipped');

    const payload = JSON.parse(recorded.toString('utf8')) as { pull_request: { labels: { name: string }[] } };
    payload.pull_request.labels.push({ ...payload.pull_request.labels[0]!, name: 'e2e' });
    const body = Buffer.from(JSON.stringify(payload));
    const r2 = await deliver('pull_request', body, sign(body));
    assert.equal(r2.status, 202, r2.body.error);
    const labelled = await finished(3);
    assert.deepEqual(labelled.context.labels, ['bug', 'e2e']);
    assert.equal(labelled.stages.find((s) => s.name === 'e2e')?.status, 'succeeded');
  });

  it('a redelivery after runway serve was killed (-9) and restarted starts nothing: handled deliveries are stored', async () => {
    const before = (await runs()).length;
    serve?.kill('SIGKILL');
    await new Promise((done) => serve?.once('exit', done));
    await startServe();
    const payload = JSON.parse(raw('push-new-branch-with-commit.json').toString('utf8')) as Record<
      string,
      unknown
    >;
    const body = Buffer.from(JSON.stringify({ ...payload, ref: 'refs/heads/main' }));
    const again = await deliver('push', body, sign(body), 'delivery-1');
    assert.deepEqual([again.status, again.body.why], [200, 'delivery delivery-1 was already handled']);
    await sleep(1000);
    assert.equal((await runs()).length, before, 'no run started');
  });

  it('serve logs when the schedule fires next, in its timezone', () => {
    assert.match(
      logs,
      /schedule "0 2 \* \* \*" \(Europe\/Berlin\) fires next at \d{4}-\d\d-\d\dT01:00:00\.000Z/,
    );
  });
});

describe('a schedule starts the pipeline at its next time', { timeout: 60_000 }, () => {
  it('under a fake clock, the nightly schedule fires once at 02:00 Berlin and the run is recorded as scheduled', async () => {
    const dir = project(PIPELINE);
    let now = new Date('2026-12-07T22:00:00Z');
    const clock = { now: () => now, sleep: async () => {} };
    const starter = new ProcessRunStarter({
      file: join(dir, 'runway.yaml'),
      cwd: dir,
      storeUrl: `sqlite:${join(dir, '.runway', 'runway.db')}`,
      dataDir: join(dir, '.runway', 'runway'),
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
    });
    const lines: string[] = [];
    const scheduler = new Scheduler({
      schedules: [{ cron: '0 2 * * *', timezone: 'Europe/Berlin' }],
      starter,
      clock,
      log: (l) => lines.push(l),
    });
    now = new Date('2026-12-08T00:59:00Z');
    assert.equal(await scheduler.tick(now), 0);
    now = new Date('2026-12-08T01:00:00Z');
    assert.equal(await scheduler.tick(now), 1);
    assert.equal(await scheduler.tick(now), 0);
    let run: RunJson | undefined;
    for (let i = 0; i < 200 && run?.status !== 'succeeded'; i++) {
      await sleep(150);
      const r = await runway(['runs', '--json'], { cwd: dir });
      if (r.code === 0) run = (JSON.parse(r.stdout) as RunJson[])[0];
    }
    assert.equal(run?.status, 'succeeded', lines.join('\n'));
    assert.equal(run.context.trigger, 'schedule');
    assert.equal(run.stages.find((s) => s.name === 'e2e')?.status, 'skipped', 'not main, no e2e label');
  });
});
