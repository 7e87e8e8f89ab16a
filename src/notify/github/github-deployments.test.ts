import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Notification } from '../notification.ts';
import { NotifyError } from '../notifier.ts';
import { GitHubDeploymentsNotifier } from './github-deployments.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/github-deployments/${name}`, import.meta.url), 'utf8');

/** A local stand-in for api.github.com answering with the documented exchanges. */
describe('GitHub deployments notifier', () => {
  const seen: { method: string; path: string; headers: IncomingMessage['headers']; body: unknown }[] = [];
  let deployments: unknown[] = [];
  let failCreate = false;
  let api: string;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      seen.push({
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
      });
      const reply = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(body);
      };
      if (req.method === 'GET' && req.url!.startsWith('/repos/acme/checkout/deployments?'))
        return reply(200, JSON.stringify(deployments));
      if (req.method === 'POST' && req.url === '/repos/acme/checkout/deployments') {
        if (failCreate) return reply(422, fixture('validation-failed-422.json'));
        const created = { ...JSON.parse(fixture('create-deployment-201.json')), id: 42 };
        deployments = [created];
        return reply(201, JSON.stringify(created));
      }
      if (req.method === 'POST' && req.url === '/repos/acme/checkout/deployments/42/statuses')
        return reply(201, fixture('create-deployment-status-201.json'));
      reply(404, '{"message":"Not Found"}');
    });
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const note = (event: Notification['event'], reason?: string): Notification => ({
    event,
    title: `checkout-api: ${event}`,
    text: '',
    service: 'checkout-api',
    environment: 'production',
    rolloutId: 'r7',
    sha: 'a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d',
    ...(reason ? { reason } : {}),
    at: '2026-03-10T10:00:00.000Z',
  });

  it('creates the deployment of the sha once, then posts in_progress and failure with the reason', async () => {
    const gh = new GitHubDeploymentsNotifier('acme/checkout', 'ghp_secret', api);
    await gh.post(note('rollout.started'));
    await gh.post(note('rollout.paused'));
    await gh.post(note('rollout.rolled-back', 'analysis error-rate failed'));
    assert.deepEqual(
      seen.map((s) => `${s.method} ${s.path.split('?')[0]}`),
      [
        'GET /repos/acme/checkout/deployments',
        'POST /repos/acme/checkout/deployments',
        'POST /repos/acme/checkout/deployments/42/statuses',
        'GET /repos/acme/checkout/deployments',
        'POST /repos/acme/checkout/deployments/42/statuses',
      ],
      'paused posts nothing; the second status finds the deployment by listing',
    );
    assert.match(seen[0]!.path, /sha=a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d&environment=production/);
    assert.deepEqual(seen[1]!.body, {
      ref: 'a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d',
      environment: 'production',
      description: 'runway: checkout-api rollout r7',
      auto_merge: false,
      required_contexts: [],
      production_environment: true,
    });
    assert.deepEqual(seen[2]!.body, {
      state: 'in_progress',
      environment: 'production',
      description: 'checkout-api: rollout.started',
    });
    assert.deepEqual(seen[4]!.body, {
      state: 'failure',
      environment: 'production',
      description: 'analysis error-rate failed',
    });
    for (const s of seen) {
      assert.equal(s.headers['authorization'], 'Bearer ghp_secret');
      assert.equal(s.headers['accept'], 'application/vnd.github+json');
      assert.equal(s.headers['x-github-api-version'], '2022-11-28');
    }
  });

  it("a 422 is GitHub's message, not worth retrying", async () => {
    deployments = [];
    failCreate = true;
    const gh = new GitHubDeploymentsNotifier('acme/checkout', 'ghp_secret', api);
    await assert.rejects(gh.post(note('rollout.started')), (err: unknown) => {
      assert.ok(err instanceof NotifyError && !err.retryable && err.status === 422);
      assert.match(err.message, /Validation Failed/);
      assert.doesNotMatch(err.message, /ghp_secret/);
      return true;
    });
  });
});
