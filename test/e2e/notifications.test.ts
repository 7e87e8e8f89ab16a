/*
 * Notifications through the real CLI, the real control plane and the real data plane, to local
 * HTTP servers standing in for Slack's incoming webhook and a webhook receiver (payloads checked
 * against Slack's own example in test/fixtures/slack). Slack itself cannot be reached from here.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Received } from '../../src/notify/receiver.fixture.ts';
import { alive, type CliResult, freePort, project, runway, spawnRunway } from './helpers.ts';

const STAGING = await freePort();
const PRODUCTION = await freePort();
const HOOK_KEY = 'a shared secret';

// v2 passes its readiness check, then its health endpoint starts failing: the canary rolls back
const APP = `const http = require('node:http');
const version = process.env.RELEASE_VERSION;
const born = Date.now();
http.createServer((req, res) => {
  if (req.url === '/health') {
    res.statusCode = version === 'v2' && Date.now() - born > 1500 ? 500 : 200;
    return res.end(String(res.statusCode));
  }
  res.end(version);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function pipelineYaml(version: string, webhookUrl: string, githubApi: string): string {
  return `version: 1
service: { name: web, health: /health }
secrets:
  SLACK_WEBHOOK: { env: TEST_SLACK_WEBHOOK }
  HOOK_KEY: { env: TEST_HOOK_KEY }
  GITHUB_TOKEN: { env: TEST_GITHUB_TOKEN }
environments:
  staging: { target: { kind: local, command: node server.js, port: ${STAGING}, ready-timeout: 5s } }
  production: { target: { kind: local, command: node server.js, port: ${PRODUCTION}, replicas: 1 } }
notifications:
  team:
    slack: { url-secret: SLACK_WEBHOOK }
    events: [run.started, run.succeeded, run.failed, rollout.rolled-back, message]
    environments: [production]
  audit:
    webhook: { url: ${webhookUrl}, secret: HOOK_KEY }
    events: [run.succeeded, run.failed, rollout.rolled-back]
    retry: { count: 3, delay: 200ms }
  deploys:
    github: { repo: acme/web, token-secret: GITHUB_TOKEN, api: ${githubApi} }
    environments: [production]
  gone:
    webhook: { url: http://127.0.0.1:9/gone }
    events: [run.succeeded]
    retry: { count: 0 }
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
            - pause: { duration: 30s }
            - setWeight: 100
      - uses: notify
        with: { message: 'web ${version} is live (run started \${{ run.started_at }}, key \${{ secrets.HOOK_KEY }})' }
`;
}

/** A stand-in for api.github.com's deployments endpoints, answering as GitHub documents. */
async function startGitHub(): Promise<{
  url: string;
  server: Server;
  statuses: { id: number; state: string; description: string }[];
}> {
  const deployments: { id: number; sha: string; environment: string }[] = [];
  const statuses: { id: number; state: string; description: string }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (c: string) => (text += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers['authorization'] !== 'Bearer ghp_test')
        return send(401, { message: 'Bad credentials' });
      if (req.method === 'GET' && url.pathname === '/repos/acme/web/deployments') {
        const sha = url.searchParams.get('sha');
        const environment = url.searchParams.get('environment');
        return send(
          200,
          deployments.filter((d) => d.sha === sha && d.environment === environment),
        );
      }
      if (req.method === 'POST' && url.pathname === '/repos/acme/web/deployments') {
        const body = JSON.parse(text) as { ref: string; environment: string };
        const created = { id: deployments.length + 1, sha: body.ref, environment: body.environment };
        deployments.push(created);
        return send(201, created);
      }
      const m = /^\/repos\/acme\/web\/deployments\/(\d+)\/statuses$/.exec(url.pathname);
      if (req.method === 'POST' && m) {
        const body = JSON.parse(text) as { state: string; description: string };
        statuses.push({ id: Number(m[1]), ...body });
        return send(201, { id: statuses.length, state: body.state });
      }
      send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, statuses };
}

const slackText = (r: Received): string => {
  const body = JSON.parse(r.body) as { text: string; blocks: { text: { text: string } }[] };
  return [body.text, ...body.blocks.map((b) => b.text.text)].join('\n');
};

describe('notifications to Slack and a signed webhook', { timeout: 120_000 }, () => {
  let dir: string;
  let serve: ChildProcess | undefined;
  let slack: Awaited<ReturnType<typeof startReceiver>>;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let github: Awaited<ReturnType<typeof startGitHub>>;
  let env: Record<string, string>;
  const cli = (args: string[]): Promise<CliResult> => runway(args, { cwd: dir, env });

  before(async () => {
    slack = await startReceiver();
    hook = await startReceiver();
    github = await startGitHub();
    env = {
      TEST_SLACK_WEBHOOK: `${slack.url}/services/T000/B000/XXXX`,
      TEST_HOOK_KEY: HOOK_KEY,
      TEST_GITHUB_TOKEN: 'ghp_test',
    };
    dir = project(pipelineYaml('v1', `${hook.url}/runway`, github.url));
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'server.js'), APP);
    serve = spawnRunway(['serve'], { cwd: dir, env });
    serve.stdout?.resume();
    serve.stderr?.resume();
    const info = join(dir, '.runway', 'runway', 'server.json');
    for (let i = 0; i < 200; i++) {
      if (existsSync(info) && (JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid === serve.pid)
        return;
      await sleep(50);
    }
    throw new Error('runway serve did not start');
  });

  after(async () => {
    await cli(['serve', 'stop']);
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
    await slack.close();
    await hook.close();
    github.server.close();
  });

  it('a good run sends started and succeeded with its duration; the receiver that answers 500 twice gets it on the third try', async () => {
    hook.answer(500, 500);
    const res = await cli(['run', '--sha', 'c0ffee'.padEnd(40, '0')]);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(
      res.stderr,
      /notification gone \(run\.succeeded\) not delivered after 1 attempt\(s\): cannot reach 127\.0\.0\.1:9/,
      'a receiver that cannot be reached is reported, and does not fail the run',
    );

    const texts = slack.received.map(slackText);
    assert.equal(slack.received[0]!.path, '/services/T000/B000/XXXX');
    assert.match(texts[0]!, /web: run #1 started/);
    const done = texts.find((t) => /run #1 succeeded in \d+(\.\d+)?(ms|s)/.test(t));
    assert.ok(done, texts.join('\n---\n'));
    assert.match(done, /\*started\* \d{4}-\d{2}-\d{2}T/);
    assert.match(done, /\*duration\* \d+/);
    const message = texts.find((t) => t.includes('web v1 is live'));
    assert.ok(message, 'uses: notify sends its message');
    assert.match(message, /run started \d{4}-\d{2}-\d{2}T.*running for/s);
    assert.match(message, /key \*\*\*\)/, 'a secret in the message is masked');
    assert.ok(!slack.received.some((r) => r.body.includes(HOOK_KEY)), 'no secret reaches Slack');

    assert.equal(hook.received.length, 3, 'two 500s, then delivered');
    const bodies = new Set(hook.received.map((r) => r.body));
    assert.equal(bodies.size, 1, 'each retry posts the same body');
    assert.equal(new Set(hook.received.map((r) => r.headers['x-runway-delivery'])).size, 1);
    const got = hook.received[2]!;
    const want = Buffer.from(`sha256=${createHmac('sha256', HOOK_KEY).update(got.body).digest('hex')}`);
    assert.ok(
      timingSafeEqual(Buffer.from(String(got.headers['x-runway-signature-256'])), want),
      'the signature checks out',
    );
    const note = JSON.parse(got.body) as { event: string; durationMs: number; startedAt: string };
    assert.equal(note.event, 'run.succeeded');
    assert.ok(note.durationMs > 0 && Date.parse(note.startedAt) > 0);

    const log = await cli(['notifications', '--json']);
    assert.equal(log.code, 0, log.stderr);
    const audit = (
      JSON.parse(log.stdout) as { subscription: string; status: string; attempts: number }[]
    ).filter((d) => d.subscription === 'audit');
    assert.deepEqual(
      audit.map((d) => [d.status, d.attempts]),
      [['delivered', 3]],
    );
  });

  it('a canary that fails its health checks sends rolled back with the reason, then run failed', async () => {
    writeFileSync(join(dir, 'runway.yaml'), pipelineYaml('v2', `${hook.url}/runway`, github.url));
    slack.received.length = 0;
    hook.received.length = 0;
    const res = await cli(['run', '--sha', 'c0ffee'.padEnd(40, '2')]);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    // the rollback is told by the control plane: wait for its delivery
    for (let i = 0; i < 50 && !slack.received.some((r) => slackText(r).includes('rolled')); i++)
      await sleep(100);
    const texts = slack.received.map(slackText);
    const rolledBack = texts.find((t) => t.includes(':rewind:'));
    assert.ok(rolledBack, texts.join('\n---\n'));
    assert.match(rolledBack, /reason: .*health/i);
    assert.match(rolledBack, /\*environment\* production/);
    const failed = texts.find((t) => /run #2 failed in/.test(t));
    assert.ok(failed, texts.join('\n---\n'));
    assert.match(failed, /production\/rollout/);
    const events = hook.received.map((r) => (JSON.parse(r.body) as { event: string }).event).sort();
    assert.deepEqual(events, ['rollout.rolled-back', 'run.failed']);
    // GitHub: the first release was no rollout of a canary; v2's deployment went in_progress, then failure
    for (let i = 0; i < 50 && !github.statuses.some((s) => s.state === 'failure'); i++) await sleep(100);
    const log = (await cli(['notifications', '--json'])).stdout;
    assert.ok(github.statuses.length > 0, log);
    const last = github.statuses.filter((s) => s.id === github.statuses.at(-1)!.id);
    assert.deepEqual(
      last.map((s) => s.state),
      ['in_progress', 'failure'],
    );
    assert.match(last[1]!.description, /health/i);
  });
});
